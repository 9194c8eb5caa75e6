package scaffold

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"prosody-wizard/config"
)

// hookNamespace runs the script in a PID namespace of its own with its own
// /proc, as the certbot container sees the processes of prosody's: only
// what the script starts is there. It skips where namespaces cannot be
// made (not root, no user namespaces).
const hookNamespace = `set -eu
dir=$1
# fake NAME ARGV0 ARGS...: a process with that command line that logs the
# SIGHUPs it gets; "ready" once its trap is set.
fake() {
	cat >"$dir/bin/$1" <<'EOF'
trap 'echo "${0##*/}" >>"$HUPS"' HUP
echo ready >>"$READY"
while :; do sleep 0.05; done
EOF
	name=$1 argv0=$2
	shift 2
	(exec -a "$argv0" /bin/sh "$dir/bin/$name" "$@") &
	want=$((want + 1))
}
mkdir -p "$dir/bin"
export HUPS="$dir/hups" READY="$dir/ready"
: >"$HUPS"
: >"$READY"
want=0
for spec in $FAKES; do
	fake ${spec%%=*} "${spec#*=}" -F
done
tries=0
while [ "$(wc -l <"$READY")" -lt "$want" ]; do
	tries=$((tries + 1))
	[ "$tries" -lt 200 ] || { echo "the fake processes did not start" >&2; exit 1; }
	sleep 0.05
done
sh "$dir/hook.sh"
sleep 0.3 # the traps run once each fake's sleep ends
echo "hups: $(sort "$HUPS" | tr '\n' ' ')"
`

// TestDeployHookFindsProsody: without PROSODY_PIDFILE the deploy hook
// finds prosody among the processes of its PID namespace by its command
// line (Debian's: "lua5.4 /usr/bin/prosody -F") and signals it alone, not
// prosodyctl, the healthcheck or another program reading a file named
// prosody; with no prosody it says so and succeeds.
func TestDeployHookFindsProsody(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("needs bash (exec -a)")
	}
	if _, err := exec.LookPath("unshare"); err != nil {
		t.Skip("needs unshare")
	}
	s := resolveAnswers(t, "domains: [wizard-demo.net]\ntls: {mode: letsencrypt, email: hostmaster@wizard-demo.net}\n")
	p, err := NewPlan(s, goldenInputs(s.Answers))
	if err != nil {
		t.Fatal(err)
	}
	hook, ok := p.File("certbot-deploy-hook.sh")
	if !ok {
		t.Fatal("no certbot-deploy-hook.sh")
	}
	decoys := "prosodyctl=lua5.4 prosody-healthcheck=/bin/sh prosody=vi"
	for _, tc := range []struct {
		name, fakes, want, hups string
	}{
		{"0.12 and 13.0", "prosody=lua5.4 " + decoys, "prosody (pid ", "prosody"},
		{"interpreter by path", "prosody=/usr/bin/lua5.4 " + decoys, "prosody (pid ", "prosody"},
		{"not running", decoys, "prosody is not running", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			lineage, certs := filepath.Join(dir, "live"), filepath.Join(dir, "certs")
			for _, d := range []string{lineage, certs} {
				if err := os.MkdirAll(d, 0o700); err != nil {
					t.Fatal(err)
				}
			}
			for _, f := range []string{"privkey.pem", "fullchain.pem"} {
				if err := os.WriteFile(filepath.Join(lineage, f), []byte(f), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			if err := os.WriteFile(filepath.Join(dir, "hook.sh"), hook.Data, 0o755); err != nil {
				t.Fatal(err)
			}
			args := []string{"--pid", "--fork", "--mount-proc", "--kill-child"}
			if os.Geteuid() != 0 {
				args = append([]string{"--user", "--map-root-user"}, args...)
			}
			cmd := exec.Command("unshare", append(args, bash, "-c", hookNamespace, "namespace", dir)...)
			cmd.Env = append(os.Environ(), "FAKES="+tc.fakes, "RENEWED_LINEAGE="+lineage, "PROSODY_CERTS_DIR="+certs, "PROSODY_PIDFILE=", "PROSODY_OWNER=")
			out, err := cmd.CombinedOutput()
			if err != nil && strings.Contains(string(out), "unshare") {
				t.Skipf("no PID namespace here: %s", out)
			}
			if err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			if !strings.Contains(string(out), tc.want) {
				t.Errorf("the hook says\n%s\nwant %q", out, tc.want)
			}
			_, hups, _ := strings.Cut(string(out), "hups: ")
			if strings.TrimSpace(hups) != tc.hups {
				t.Errorf("SIGHUP went to %q, want only %q:\n%s", strings.TrimSpace(hups), tc.hups, out)
			}
			if _, err := os.Stat(filepath.Join(certs, "wizard-demo.net.key")); err != nil {
				t.Errorf("the hook did not install the key: %v", err)
			}
		})
	}
}

// resolveAnswers resolves answers (YAML without the version line).
func resolveAnswers(t *testing.T, answers string) config.Setup {
	t.Helper()
	a, err := config.Parse([]byte("version: 1\n" + answers))
	if err != nil {
		t.Fatal(err)
	}
	s, problems := config.Resolve(a)
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	return s
}

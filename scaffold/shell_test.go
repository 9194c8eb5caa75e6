package scaffold

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"prosody-wizard/config"
)

func TestShellQuote(t *testing.T) {
	for in, want := range map[string]string{
		"plain":                     "plain",
		"/etc/letsencrypt/live/a.b": "/etc/letsencrypt/live/a.b",
		"1000:1000":                 "1000:1000",
		"admin@wizard-demo.net":     "admin@wizard-demo.net",
		"":                          "''",
		"o'brien@wizard-demo.net":   `'o'\''brien@wizard-demo.net'`,
		"a b":                       "'a b'",
		"$(id)":                     "'$(id)'",
		"`id`":                      "'`id`'",
		"münchen.de":                "'münchen.de'",
		"~root":                     "'~root'",
		"=cmd":                      "'=cmd'",
	} {
		if got := ShellQuote(in); got != want {
			t.Errorf("ShellQuote(%q) = %s, want %s", in, got, want)
		}
	}
}

// shells are the shells the generated scripts must work in: /bin/sh (dash
// on Debian, as in the certbot image's busybox it is POSIX) and bash.
func shells(t testing.TB) []string {
	t.Helper()
	list := []string{"/bin/sh"}
	if p, err := exec.LookPath("bash"); err == nil {
		list = append(list, p)
	}
	return list
}

// FuzzShellQuote: any string without NUL (which no argument can hold) read
// back by the shell from ShellQuote's word is the same string, as exactly
// one argument.
func FuzzShellQuote(f *testing.F) {
	for _, s := range shellSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if strings.IndexByte(s, 0) >= 0 {
			t.Skip("an argument cannot hold NUL")
		}
		for _, sh := range shells(t) {
			out, err := exec.Command(sh, "-c", `printf '%s\0' `+ShellQuote(s)).Output()
			if err != nil {
				t.Fatalf("%s rejected %s: %v", sh, ShellQuote(s), err)
			}
			if string(out) != s+"\x00" {
				t.Fatalf("%s read %s as %q, want the one argument %q", sh, ShellQuote(s), out, s)
			}
		}
	})
}

// shellSeeds are values a shell would misread unquoted.
var shellSeeds = []string{
	"", "plain", "o'brien", "''", `'\''`, "a b", "\t", "\n", "$(id)", "`id`", "${HOME}", "$HOME",
	`\`, `\'`, `"`, "*", "?", "[a]", "~", "~root", "=cmd", "a;b", "a|b", "a&b", "a>b", "a<b",
	"(a)", "{a,b}", "!x", "#x", "a#b", "-n", "--help", "é", "münchen.de", "\xff\xfe", "\x1b[31m",
	"\u2028", " lead", "trail ", "%s", `\0`, "a\\\nb",
}

// scriptValues are answers whose values reach generated scripts and the
// commands shown to people: valid for validation, nasty for a shell.
type scriptValues struct {
	email, primary, second, adminLocal string
	invite                             bool
}

// answers builds Let's Encrypt answers from the values, for deploy.
func (v scriptValues) answers(deploy string) config.Answers {
	a := config.Defaults()
	a.Deploy = deploy
	a.Domains = []string{v.primary}
	if v.second != "" {
		a.Domains = append(a.Domains, v.second)
	}
	a.Admins = []string{v.adminLocal + "@" + v.primary}
	a.TLS = config.TLS{Mode: config.TLSLetsEncrypt, Email: v.email}
	if v.invite {
		a.Registration = config.RegistrationInvite
	}
	a.Normalize()
	a.Components = config.DefaultComponents(a.Primary())
	a.TURN.Host = config.DefaultTURNHost(a.Primary())
	return a
}

// stubDir makes a folder of stub commands that record their argv in the
// file $STUB_LOG: each call appends its argument count, its name and its
// arguments, each ended by NUL. sleep exits 1, so that certbot.sh's loop
// ends under set -e; [ and test then answer as the shell's own; the others
// exit 0.
func stubDir(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	stub := "#!/bin/sh\nprintf '%s\\0' \"$#\" \"${0##*/}\" \"$@\" >> \"$STUB_LOG\"\n"
	for _, name := range []string{"certbot", "cp", "chown", "chmod", "mv", "cat", "prosodyctl", "docker", "systemctl", "apt-get", "prosody-wizard", "cd", "sudo", "mkdir", "tar", "rm"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(stub+"exit 0\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "sleep"), []byte(stub+"exit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"[", "test"} { // the stub's sh answers
		if err := os.WriteFile(filepath.Join(dir, name), []byte(stub+name+` "$@"`+"\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// For bash, BASH_ENV turns the [ and test builtins off, so that the
	// stubs see the paths a script tests too.
	if err := os.WriteFile(filepath.Join(dir, "bashenv"), []byte("enable -n [ test\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// readCalls parses a stub log into argv lists (name first).
func readCalls(t testing.TB, log string) [][]string {
	t.Helper()
	data, err := os.ReadFile(log)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	fields := strings.Split(string(data), "\x00")
	fields = fields[:len(fields)-1] // after the last NUL
	var calls [][]string
	for len(fields) > 0 {
		n, err := strconv.Atoi(fields[0])
		if err != nil || len(fields) < n+2 {
			t.Fatalf("stub log is garbled at %q", fields)
		}
		calls = append(calls, fields[1:n+2])
		fields = fields[n+2:]
	}
	return calls
}

// runScript runs a script with the shell sh, PATH holding only the stubs
// of stubDir, in a folder of its own holding backups/ (where the README's
// backup commands redirect to), and returns the calls the stubs saw.
func runScript(t testing.TB, stubs, sh, script string, env ...string) [][]string {
	t.Helper()
	log := filepath.Join(stubs, "calls")
	_ = os.Remove(log)
	cmd := exec.Command(sh, "-c", script, "script")
	cmd.Dir = filepath.Join(stubs, "repo")
	if err := os.MkdirAll(filepath.Join(cmd.Dir, backupDir), 0o700); err != nil {
		t.Fatal(err)
	}
	cmd.Env = append([]string{"PATH=" + stubs, "BASH_ENV=" + filepath.Join(stubs, "bashenv"), "HOME=" + stubs, "STUB_LOG=" + log}, env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	_ = cmd.Run() // certbot.sh ends through the failing sleep
	if strings.Contains(stderr.String(), "ntax error") || strings.Contains(stderr.String(), "not found") {
		t.Fatalf("%s: the script does not run:\n%s\n%s", sh, stderr.String(), script)
	}
	return readCalls(t, log)
}

// callsOf returns the argv (without the name) of each call of name.
func callsOf(calls [][]string, name string) [][]string {
	var out [][]string
	for _, c := range calls {
		if c[0] == name {
			out = append(out, c[1:])
		}
	}
	return out
}

func wantCall(t testing.TB, what string, calls [][]string, name string, want []string) {
	t.Helper()
	for _, c := range callsOf(calls, name) {
		if slices.Equal(c, want) {
			return
		}
	}
	t.Errorf("%s: no call %s %q; calls: %q", what, name, want, calls)
}

// checkScripts plans the values for both deploys and runs every generated
// script, README command and next-step command with stub commands: each
// value must arrive as exactly one argument, unchanged.
func checkScripts(t *testing.T, v scriptValues) {
	stubs := stubDir(t)
	for _, deploy := range []string{config.DeployCompose, config.DeployHost} {
		a := v.answers(deploy)
		resolved, ps := config.Resolve(a)
		if len(ps) > 0 {
			t.Skipf("not valid answers: %v", ps)
		}
		in := Inputs{Now: goldenNow, Owner: config.Owner{UID: 1000, GID: 1001}, Source: testSource()}
		p, err := NewPlan(resolved, in)
		if err != nil {
			t.Fatal(err)
		}
		hosts := (&setup{Setup: resolved}).CertHosts()
		for _, sh := range shells(t) {
			if deploy == config.DeployCompose {
				checkComposeScripts(t, stubs, sh, a, p, hosts)
			}
			// Each next step ends with one command.
			steps := strings.Join(p.NextSteps, "\n")
			calls := runScript(t, stubs, sh, commands(t, p.NextSteps))
			if len(calls) != len(p.NextSteps) {
				t.Errorf("%s: the next steps ran %q, want one command each:\n%s", sh, calls, steps)
			}
			account := adminCall(a)
			if deploy == config.DeployCompose {
				wantCall(t, sh+" next steps", calls, "docker", append([]string{"compose", "exec", "prosody"}, account...))
				continue
			}
			wantCall(t, sh+" next steps", calls, "sudo", account)
			want := []string{"certbot", "certonly", "--standalone", "-m", a.TLS.Email, "--agree-tos",
				"--deploy-hook", "/etc/letsencrypt/renewal-hooks/deploy/prosody"}
			for _, h := range hosts {
				want = append(want, "-d", h)
			}
			wantCall(t, sh+" next steps:\n"+steps, calls, "sudo", want)
		}
	}
}

// adminCall is the prosodyctl call that makes the first admin (see
// FirstAccount): on 13.0 an invitation, on 0.12 adduser.
func adminCall(a config.Answers) []string {
	if a.Prosody == config.Series012 {
		return []string{"prosodyctl", "adduser", a.Admins[0]}
	}
	return []string{"prosodyctl", "shell", "invite", "create_account", a.Admins[0]}
}

// commands is the command each note ends with (after "…: "), one a line.
func commands(t *testing.T, notes []string) string {
	var b strings.Builder
	for _, n := range notes {
		_, cmd, ok := strings.Cut(n, ": ")
		if !ok {
			t.Errorf("next step %q names no command", n)
		}
		b.WriteString(cmd + "\n")
	}
	return b.String()
}

func checkComposeScripts(t *testing.T, stubs, sh string, a config.Answers, p Plan, hosts []string) {
	t.Helper()
	certName := a.Primary()
	script, _ := p.File("certbot.sh")
	calls := runScript(t, stubs, sh, string(script.Data))
	want := []string{"certonly", "--standalone", "--non-interactive", "--agree-tos", "--email", a.TLS.Email, "--cert-name", certName}
	for _, h := range hosts {
		want = append(want, "-d", h)
	}
	want = append(want, "--deploy-hook", "/usr/local/bin/prosody-cert-import")
	wantCall(t, sh+" certbot.sh", calls, "certbot", want)
	if strings.HasSuffix(sh, "bash") {
		wantCall(t, sh+" certbot.sh", calls, "[", []string{"-e", "/etc/letsencrypt/live/" + certName + "/fullchain.pem", "]"})
	}

	hook, _ := p.File("certbot-deploy-hook.sh")
	for _, owner := range []string{"", "7:8"} {
		calls = runScript(t, stubs, sh, string(hook.Data), "RENEWED_LINEAGE=/le/live/x y", "PROSODY_CERTS_DIR=/certs", "PROSODY_OWNER="+owner)
		wantOwner := owner
		if owner == "" {
			wantOwner = "1000:1001"
		}
		for _, f := range [][2]string{{"privkey.pem", ".key"}, {"fullchain.pem", ".crt"}} {
			tmp := "/certs/." + certName + f[1] + ".tmp"
			wantCall(t, sh+" deploy hook", calls, "cp", []string{"-L", "/le/live/x y/" + f[0], tmp})
			wantCall(t, sh+" deploy hook", calls, "chown", []string{wantOwner, tmp})
			wantCall(t, sh+" deploy hook", calls, "mv", []string{"-f", tmp, "/certs/" + certName + f[1]})
		}
	}

	readme, _ := p.File("README.md")
	calls = runScript(t, stubs, sh, readmeCommands(string(readme.Data)))
	wantCall(t, sh+" README", calls, "docker", append([]string{"compose", "exec", "prosody"}, adminCall(a)...))
	if a.Registration == config.RegistrationInvite {
		wantCall(t, sh+" README", calls, "docker", []string{"compose", "exec", "prosody", "prosodyctl", "shell", "invite", "create_account", a.Primary()})
	}
}

// readmeCommands returns the lines of the README's sh code blocks.
func readmeCommands(readme string) string {
	var b strings.Builder
	in := false
	for _, line := range strings.Split(readme, "\n") {
		switch trimmed := strings.TrimSpace(line); {
		case trimmed == "```sh":
			in = true
		case trimmed == "```":
			in = false
		case in:
			b.WriteString(trimmed + "\n")
		}
	}
	return b.String()
}

// FuzzScriptsTakeValuesAsOneArgument: any e-mail address, domain and admin
// account validation accepts reaches certbot.sh, the deploy hook, the
// README's commands and the next steps as exactly one argument, unchanged,
// when they run (sh -n alone would not see a word split in two).
func FuzzScriptsTakeValuesAsOneArgument(f *testing.F) {
	for _, v := range []scriptValues{
		{"hostmaster@wizard-demo.net", "wizard-demo.net", "", "admin", false},
		{"o'brien@wizard-demo.net", "wizard-demo.net", "xmpp-demo.org", "o`brien", true},
		{"`touch${IFS}pwned`@wizard-demo.net", "wizard-demo.net", "", "$(id)", false},
		{"a$HOME|b&c{d}*?@wizard-demo.net", "wizard-demo.net", "", "x;y|z(1)`w`$v\\", true},
		{"!#$%&'*+-/=?^_`{|}~@wizard-demo.net", "wizard-demo.net", "", "!#$%()*+,-.;=?[\\]^_`{|}~", false},
		{"postmaster@[192.0.2.1]", "wizard-demo.net", "", "~root", false},
		{"hostmaster@bücher-demo.de", "bücher-demo.de", "münchen-demo.de", "jürgen", true},
	} {
		f.Add(v.email, v.primary, v.second, v.adminLocal, v.invite)
	}
	f.Fuzz(func(t *testing.T, email, primary, second, adminLocal string, invite bool) {
		checkScripts(t, scriptValues{email, primary, second, adminLocal, invite})
	})
}

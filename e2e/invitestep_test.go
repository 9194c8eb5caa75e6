package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"prosody-wizard/config"
	"prosody-wizard/internal/testkit"
	"prosody-wizard/internal/xmpptest"
)

// e2eInviteCell is a host install with invite registration.
var e2eInviteCell = e2eCell{name: "host-invite-notes", answers: `
deploy: host
domains: [example.org]
admins: [admin@example.org]
registration: invite
`}

// TestEndToEndHostInviteCommand runs the command NEXT-STEPS.md gives for
// inviting someone, as written (sudo runs it as root), while Prosody runs,
// and a client redeems the link it prints, making an account of its own
// choosing; a sign-up without it is refused.
func TestEndToEndHostInviteCommand(t *testing.T) {
	series := e2eNeeds(t, "prosody", "prosodyctl", "ip", "unshare", "setpriv")
	err := runCellSteps(t, series, e2eInviteCell, func(r *cellRun) []cellStep {
		return []cellStep{
			{"scaffold with the CLI", r.scaffold},
			{"network namespace", r.namespace},
			{"check config", r.checkConfig},
			{"start to ready", r.start},
			{"sign-up without an invitation", r.signUpWithoutInvitation},
			{"invite: the written command, redeemed", r.inviteFromNotes},
			{"SIGTERM stops prosody", r.stop},
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	e2eReport.Write(t)
}

// notesLines are the lines of NEXT-STEPS.md, trimmed, that keep accepts.
func (r *cellRun) notesLines(keep func(line string) bool) ([]string, error) {
	notes := filepath.Join(r.confDir, "NEXT-STEPS.md")
	data, err := os.ReadFile(notes)
	if err != nil {
		return nil, err
	}
	var lines []string
	for _, l := range strings.Split(string(data), "\n") {
		if l = strings.TrimSpace(l); keep(l) {
			lines = append(lines, l)
		}
	}
	return lines, nil
}

// inviteFromNotes finds the invite step's command in NEXT-STEPS.md and in
// the summary, runs it as root in the tree, and signs up as carol with
// the token of the link it prints.
func (r *cellRun) inviteFromNotes() error {
	lines, err := r.notesLines(func(l string) bool {
		return strings.HasPrefix(l, "sudo prosodyctl ") && strings.HasSuffix(l, " "+r.a.Primary())
	})
	if err != nil {
		return err
	}
	if len(lines) == 0 {
		return fmt.Errorf("no invite command in NEXT-STEPS.md")
	}
	line := lines[len(lines)-1]
	if !strings.Contains(r.summary, "\n       "+line+"\n") {
		return fmt.Errorf("the summary does not print %s:\n%s", line, r.summary)
	}
	if r.series != config.Series012 {
		// 13.0's prosodyctl shell reaches the running server through its
		// admin socket, which may appear a moment after the client port.
		sock := filepath.Join(r.dataDir, "prosody.sock")
		if !testkit.WaitUntil(10*time.Second, func() bool { _, err := os.Stat(sock); return err == nil }) {
			return fmt.Errorf("no admin socket %s 10 s after prosody was ready", sock)
		}
	}
	out, err := r.inTreeAsRoot(nil, nil, "sh", "-c", strings.TrimPrefix(line, "sudo ")).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %v\n%s", line, err, out)
	}
	m := xmpptest.InviteLink.FindStringSubmatch(string(out))
	if m == nil {
		return fmt.Errorf("%s printed no invitation link:\n%s", line, out)
	}
	if m[1] != r.a.Primary() {
		return fmt.Errorf("the invitation is for %s, want the domain %s", m[1], r.a.Primary())
	}
	return r.signUp("carol", r.a.Primary(), "carol-secret-4", m[2])
}

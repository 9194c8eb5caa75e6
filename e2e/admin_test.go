package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"prosody-wizard/config"
	"prosody-wizard/internal/testkit"
	"prosody-wizard/internal/xmpptest"
	"prosody-wizard/scaffold"
)

// e2ePasswordAdmin is the admin's password: typed at prosodyctl adduser's
// prompts (0.12) or chosen by the client redeeming the invitation (13.0).
// Quotes, spaces and $ reach neither a shell nor Lua.
const e2ePasswordAdmin = `adm1n "pw" $HOME;'x`

// adminAccount is the command the summary and README print for the first
// admin (scaffold.FirstAccount), and whether the cell has one.
func (r *cellRun) adminAccount() (scaffold.AccountCommand, bool, error) {
	if len(r.a.Admins) == 0 {
		return scaffold.AccountCommand{}, false, nil
	}
	s, problems := config.Resolve(r.a)
	if len(problems) > 0 {
		return scaffold.AccountCommand{}, false, problems
	}
	return scaffold.FirstAccount(s), true, nil
}

// createAdmin runs the command the summary printed for the admin, the
// text itself: what runs prosodyctl where Prosody runs (docker compose exec
// prosody, sudo) becomes the same here (the tree mounted, as the
// container's user; root for sudo), and the rest goes to sh as printed.
// 0.12's prosodyctl adduser gets the password twice on its standard input;
// 13.0's invitation link is redeemed by a client, which chooses the
// password (XEP-0401: the token as urn:xmpp:pars:0 preauth, then in-band
// registration).
func (r *cellRun) createAdmin() error {
	account, ok, err := r.adminAccount()
	if !ok || err != nil {
		return err
	}
	line := account.String()
	// The summary prints the command on a line of its own, to copy whole.
	if !slices.ContainsFunc(strings.Split(r.summary, "\n"), func(l string) bool { return strings.TrimSpace(l) == line }) {
		return fmt.Errorf("the summary does not print %s on a line of its own:\n%s", line, r.summary)
	}
	if r.a.Deploy == config.DeployCompose {
		readme, err := os.ReadFile(filepath.Join(r.out, "README.md"))
		if err != nil {
			return err
		}
		if !strings.Contains(string(readme), "\n"+line+"\n") {
			return fmt.Errorf("README.md does not give %s:\n%s", line, readme)
		}
	}
	wrapper := scaffold.ShellCommand(account.Wrapper...) + " "
	rest, found := strings.CutPrefix(line, wrapper)
	if !found {
		return fmt.Errorf("%q does not start with %q", line, wrapper)
	}
	if account.Running {
		// "Once Prosody runs": 13.0's prosodyctl reaches the server through
		// its admin socket (mod_admin_socket, data_path/prosody.sock), which
		// can appear a moment after the client port (seen on a loaded
		// machine).
		sock := filepath.Join(r.dataDir, "prosody.sock")
		if !testkit.WaitUntil(10*time.Second, func() bool { _, err := os.Stat(sock); return err == nil }) {
			return fmt.Errorf("no admin socket %s 10 s after prosody was ready:\n%s", sock, r.log.String())
		}
	}
	var cmd *exec.Cmd
	switch wrapper {
	case "docker compose exec prosody ":
		cmd = r.inTree("sh", "-c", rest)
	case "sudo ":
		cmd = r.inTreeAsRoot(nil, nil, "sh", "-c", rest)
	default:
		return fmt.Errorf("no way to run %q here", wrapper)
	}
	if !account.Invite {
		cmd.Stdin = strings.NewReader(e2ePasswordAdmin + "\n" + e2ePasswordAdmin + "\n")
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %v\n%s", line, err, out)
	}
	if account.Invite {
		return r.redeem(account.JID, string(out))
	}
	return nil
}

// redeem signs up as the invitation's account with e2ePasswordAdmin, as a
// client that takes invitation links does.
func (r *cellRun) redeem(jid, out string) error {
	m := xmpptest.InviteLink.FindStringSubmatch(out)
	if m == nil {
		return fmt.Errorf("no invitation link in:\n%s", out)
	}
	if m[1] != jid {
		return fmt.Errorf("the invitation is for %s, want %s", m[1], jid)
	}
	user, domain, _ := strings.Cut(jid, "@")
	return r.signUp(user, domain, e2ePasswordAdmin, m[2])
}

// signUp registers user@domain in-band (XEP-0077) over STARTTLS, with an
// invitation token first (XEP-0401: urn:xmpp:pars:0 preauth) unless token
// is "".
func (r *cellRun) signUp(user, domain, password, token string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := r.dialC2S(ctx, domain, r.roots)
	if err != nil {
		return err
	}
	defer c.Close()
	return c.SignUp(user, password, token)
}

// signUpWithoutInvitation: only open registration lets a client make an
// account on its own; closed and invite registration refuse it (on 13.0
// invites_register is loaded for the admin's invitation, which turns
// in-band registration on, for invitations only).
func (r *cellRun) signUpWithoutInvitation() error {
	err := r.signUp("stranger", r.a.Primary(), "stranger-pw-3", "")
	switch open := r.a.Registration == config.RegistrationOpen; {
	case open && err != nil:
		return fmt.Errorf("registration is open, yet: %w", err)
	case !open && err == nil:
		return fmt.Errorf("registration is %s, yet a client made an account without an invitation", r.a.Registration)
	}
	return nil
}

// adminRights: the admin logs in with the password it was given and runs
// an admin-only ad-hoc command on its host; alice, no admin, is refused
// the same command, so the check can fail.
func (r *cellRun) adminRights() error {
	account, ok, err := r.adminAccount()
	if !ok || err != nil {
		return err
	}
	user, domain, _ := strings.Cut(account.JID, "@")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := r.dialC2S(ctx, domain, r.roots)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.AuthPlain(user, e2ePasswordAdmin); err != nil {
		return fmt.Errorf("%s cannot log in: %w", account.JID, err)
	}
	if err := c.ListModulesOn(domain); err != nil {
		return fmt.Errorf("%s may not run the admin command: %w", account.JID, err)
	}
	return r.asAlice(func(_ context.Context, alice *xmpptest.Conn) error {
		if alice.ListModulesOn(domain) == nil {
			return fmt.Errorf("alice, no admin, ran the admin command %s", xmpptest.ListModules)
		}
		return nil
	})
}

// TestEndToEndCatchesAdminWithoutRights proves the admin steps can fail:
// with the admin left out of admins in the generated config, the account
// the printed command creates still logs in, but the admin-only command is
// refused, and the suite says so, naming the step.
func TestEndToEndCatchesAdminWithoutRights(t *testing.T) {
	mustCatch(t, "admin-not-in-admins", "an admin without admin rights", func(cfg string) string {
		return strings.Replace(cfg, `admins = { "admin@example.org" }`, "admins = { }", 1)
	}, "step admin: login and admin rights", "may not run the admin command")
}

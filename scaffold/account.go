package scaffold

import (
	"fmt"
	"slices"
	"strings"

	"prosody-wizard/config"
)

// AccountCommand is the one command that makes a setup's first account:
// the first of admins, with its admin rights, or an ordinary account when
// admins is empty. The summary's next steps, the generated README and the
// end-to-end suite all take it from FirstAccount, so what a person is told
// to run is what the tests run against the real Prosody.
//
// Commands found by running them on Debian's packages:
//   - 0.12.3: prosodyctl adduser JID asks for the password twice on the
//     terminal (it reads two lines) and writes to the storage directly,
//     with or without the server running, internal or SQL storage alike.
//   - 13.0.1: prosodyctl adduser goes through the running server's admin
//     shell (mod_admin_shell), so does prosodyctl shell invite
//     create_account JID, which prints an invitation link,
//     xmpp:JID?register;preauth=TOKEN, valid once for a week (mod_invites'
//     invite_expiry). A client redeems it (XEP-0401: the token as
//     urn:xmpp:pars:0 preauth, then in-band registration, which
//     mod_invites_register allows with that token) and the password is
//     typed only into the client. The invitation carries no role: the
//     rights come from admins, as on 0.12 (13.0's mod_authz_internal
//     gives the global admins list prosody:operator, a per-host one
//     prosody:admin), so that they stay where prosody.cfg.lua shows them.
type AccountCommand struct {
	// JID is the account the command makes.
	JID string
	// Admin: JID is in admins, which gives it its rights.
	Admin bool
	// Invite: the command prints an invitation link for JID instead of
	// asking for a password (13.0 with mod_invites and
	// mod_invites_register loaded).
	Invite bool
	// Running: the command needs Prosody running (13.0's prosodyctl works
	// through the server's admin socket).
	Running bool
	// Wrapper are the words that run prosodyctl where Prosody runs:
	// "docker compose exec prosody" (compose) or "sudo" (host).
	Wrapper []string
	// Args are prosodyctl's words, "prosodyctl" first.
	Args []string
}

// Words is the whole command, word by word: Wrapper, then Args.
func (c AccountCommand) Words() []string { return append(slices.Clone(c.Wrapper), c.Args...) }

// String is the command line as printed, each word shell-quoted.
func (c AccountCommand) String() string { return ShellCommand(c.Words()...) }

// Step is the next step the summary prints: what the command does, then
// ": " and the command.
func (c AccountCommand) Step() string {
	what := "create the admin account " + c.JID
	if !c.Admin {
		what = "create a first account (not an admin), named as you like,"
	}
	if c.Running {
		what += " once Prosody runs"
	}
	what = strings.TrimSuffix(what, ",")
	how := "it asks for the password twice"
	if c.Invite {
		how = "it prints an invitation link; open it in an XMPP client that takes invitations, such as Conversations, and choose the password there"
	}
	return fmt.Sprintf("%s (%s): %s", what, how, c.String())
}

// exampleUser is the account name shown when admins is empty.
const exampleUser = "you"

// FirstAccount is the command that makes the setup's first account (see
// AccountCommand).
func FirstAccount(s config.Setup) AccountCommand {
	c := AccountCommand{JID: exampleUser + "@" + s.Primary().Name, Wrapper: []string{"sudo"}}
	if len(s.Answers.Admins) > 0 {
		c.JID, c.Admin = s.Answers.Admins[0], true
	}
	switch {
	case s.Kubernetes():
		c.Wrapper = kubeExec(s.Answers.KubeNamespace())
	case s.Compose():
		c.Wrapper = []string{"docker", "compose", "exec", "prosody"}
	}
	names := s.Modules.Names()
	c.Running = s.Series() != config.Series012
	c.Invite = c.Running && slices.Contains(names, "invites") && slices.Contains(names, "invites_register")
	if c.Invite {
		c.Args = []string{"prosodyctl", "shell", "invite", "create_account", c.JID}
	} else {
		c.Args = []string{"prosodyctl", "adduser", c.JID}
		c.Wrapper = withTerminal(c.Wrapper)
	}
	return c
}

// adminWarnings are the warnings about the admin account: none named, or
// one that anyone could take first.
func adminWarnings(s *setup, account AccountCommand) []string {
	var warn []string
	if !account.Admin {
		warn = append(warn, fmt.Sprintf("no admin: admins is empty, so no account may use admin commands; add one, e.g. admin@%s, and run prosody-wizard again", s.Primary().Name))
	} else if s.Answers.Registration == config.RegistrationOpen {
		warn = append(warn, fmt.Sprintf("registration is open: create %s before the server is reachable, or anyone may register that name first and hold its admin rights", account.JID))
	}
	if account.Running && !slices.Contains(s.Modules.Names(), "admin_shell") {
		warn = append(warn, "admin_shell is disabled: Prosody 13.0's prosodyctl adduser and prosodyctl shell need it to reach the running server")
	}
	return warn
}

// AddUser is prosodyctl adduser for the same account, run the same way:
// for a client that takes no invitation links (it asks for the password,
// so kubectl exec needs a terminal: -it).
func (c AccountCommand) AddUser() string {
	return ShellCommand(append(withTerminal(c.Wrapper), "prosodyctl", "adduser", c.JID)...)
}

// withTerminal is a wrapper that gives the command a terminal to ask a
// password on: kubectl exec passes no input without -i nor a terminal
// without -t (docker compose exec and sudo have both already).
func withTerminal(wrapper []string) []string {
	if len(wrapper) > 3 && wrapper[0] == "kubectl" {
		for i, w := range wrapper {
			if w == "exec" {
				return slices.Concat(wrapper[:i+1], []string{"-it"}, wrapper[i+1:])
			}
		}
	}
	return slices.Clone(wrapper)
}

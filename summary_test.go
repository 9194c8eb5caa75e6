package main

import (
	"strings"
	"testing"

	"prosody-wizard/config"
	"prosody-wizard/scaffold"
)

// TestSummaryNextSteps: each next step's prose is wrapped to 80 columns
// and numbered; its command stands on a line of its own, whole, however
// long, so that it can be copied.
func TestSummaryNextSteps(t *testing.T) {
	admin := "docker compose exec prosody prosodyctl shell invite create_account 'o`brien$(id)@bücher.example.org'"
	plan := scaffold.Plan{NextSteps: []string{
		"watch it start: docker compose logs -f prosody",
		"create the admin account o`brien$(id)@bücher.example.org once Prosody runs (it prints an invitation link; open it in an XMPP client that takes invitations, such as Conversations, and choose the password there): " + admin,
		"a step without a command",
	}}
	var b strings.Builder
	summary(&b, config.Defaults(), "out", plan, scaffold.Result{Written: []string{"x"}})
	want := `
Next steps:
  1. watch it start:
       docker compose logs -f prosody
  2. create the admin account o` + "`" + `brien$(id)@bücher.example.org once Prosody runs
     (it prints an invitation link; open it in an XMPP client that takes
     invitations, such as Conversations, and choose the password there):
       ` + admin + `
  3. a step without a command
`
	if !strings.Contains(b.String(), want) {
		t.Errorf("summary:\n%s\nwant it to hold:\n%s", b.String(), want)
	}
}

// TestSummaryMasksTheDatabasePassword: the step that creates the database
// user shows the command with the password masked, and the summary names
// the file that keeps the steps whole.
func TestSummaryMasksTheDatabasePassword(t *testing.T) {
	const pw = `it's "$HOME" \ a pass word`
	step := "create PostgreSQL user prosody and database prosody (…): " +
		scaffold.ShellCommand("sudo", "-u", "postgres", "psql", "-c", "CREATE ROLE \"prosody\" LOGIN PASSWORD "+scaffold.PostgresString(pw))
	plan := scaffold.Plan{NextSteps: []string{step}, Secrets: []string{pw}, NotesFile: "etc/prosody/NEXT-STEPS.md"}
	var b strings.Builder
	summary(&b, config.Defaults(), "/", plan, scaffold.Result{Written: []string{"x"}})
	if strings.Contains(b.String(), "pass word") || !strings.Contains(b.String(), "PASSWORD '\\''***'\\''") {
		t.Errorf("the password is not masked:\n%s", b.String())
	}
	if !strings.Contains(b.String(), "kept in /etc/prosody/NEXT-STEPS.md.") {
		t.Errorf("the summary does not name NEXT-STEPS.md:\n%s", b.String())
	}
}

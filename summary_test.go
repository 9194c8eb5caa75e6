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

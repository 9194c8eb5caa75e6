package ui

import (
	"testing"

	"prosody-wizard/config"
)

// TestDraftCarriesPasswordIntact: the database password reaches the answers
// exactly as typed (leading and trailing spaces are part of it); only "-" in
// the accessible prompts clears it.
func TestDraftCarriesPasswordIntact(t *testing.T) {
	for _, c := range []struct {
		typed      string
		accessible bool
		want       string
	}{
		{"  two words ", false, "  two words "},
		{" it's \"$x\" \\ ", true, " it's \"$x\" \\ "},
		{"-", true, ""},
		{"-", false, "-"},
		{" - ", true, " - "},
		{"", false, ""},
	} {
		d := fromAnswers(config.Defaults(), "out")
		d.Primary = "example.org"
		d.Driver = config.DriverPostgres
		d.DBName, d.DBUser = "prosody", "prosody"
		d.DBPassword, d.accessible = c.typed, c.accessible
		if got := d.toAnswers(config.Defaults()).Database.Password; got != c.want {
			t.Errorf("typed %q (accessible %v): password %q, want %q", c.typed, c.accessible, got, c.want)
		}
	}
}

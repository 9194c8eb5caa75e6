package scaffold

import (
	"strings"
	"testing"
)

func TestWrap(t *testing.T) {
	for in, want := range map[string]string{
		"Storage: plain files.": "-- Storage: plain files.",
		"Storage: one SQLite file in the data folder (LuaDBI driver \"SQLite3\", Debian package lua-dbi-sqlite3).": "-- Storage: one SQLite file in the data folder (LuaDBI driver\n" +
			"-- \"SQLite3\", Debian package lua-dbi-sqlite3).",
		strings.Repeat("x", 80) + " y": "-- " + strings.Repeat("x", 80) + "\n-- y",
		"":                             "",
	} {
		if got := Wrap(70, "-- ", in); got != want {
			t.Errorf("Wrap(70, \"-- \", %q) =\n%s\nwant\n%s", in, got, want)
		}
	}
	if got, want := Wrap(10, "# ", "one two three four"), "# one two\n# three\n# four"; got != want {
		t.Errorf("wrap with another prefix = %q, want %q", got, want)
	}
}

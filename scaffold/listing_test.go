package scaffold

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/spf13/afero"
)

// TestDescribe: one row per entry with its status (new, changed, same,
// mode), mode, owner and size ("folder", "secret" or bytes), the diff of a
// changed file only, and the plan's warnings; WriteText prints them.
func TestDescribe(t *testing.T) {
	_, p := goldenPlan(t, "minimal")
	fsys := afero.NewMemMapFs()
	if _, err := Apply(fsys, p, ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	_ = afero.WriteFile(fsys, "README.md", []byte("edited by hand\n"), 0o644)
	_ = fsys.Chmod("prosody/prosody.cfg.lua", 0o600)
	_ = fsys.Remove("dns.zone")
	changes, err := Compare(fsys, p)
	if err != nil {
		t.Fatal(err)
	}
	l := Describe(p, changes, func(c Change) string { return Diff(fsys, c) })

	if len(l.Rows) != len(p.Files) {
		t.Fatalf("%d rows for %d entries", len(l.Rows), len(p.Files))
	}
	status := map[string]string{"README.md": "changed", "prosody/prosody.cfg.lua": "mode", "dns.zone": "new"}
	for i, r := range l.Rows {
		f := p.Files[i]
		if r.Path != f.Path || r.Mode != f.Mode.Perm() || r.UID != f.UID || r.GID != f.GID {
			t.Errorf("row %d is %+v for %s %o %d:%d", i, r, f.Path, f.Mode, f.UID, f.GID)
		}
		want, ok := status[r.Path]
		if !ok {
			want = "same"
		}
		if r.Status != want {
			t.Errorf("%s: status %q, want %q", r.Path, r.Status, want)
		}
		size := strconv.Itoa(len(f.Data))
		switch {
		case f.IsDir():
			size = "folder"
		case f.Secret:
			size = "secret"
		}
		if r.Size() != size {
			t.Errorf("%s: size %q, want %q", r.Path, r.Size(), size)
		}
		if (r.Diff != "") != (r.Path == "README.md") {
			t.Errorf("%s: diff %q", r.Path, r.Diff)
		}
	}
	if !slices.Equal(l.Warnings, p.Warnings) || len(l.Warnings) == 0 {
		t.Errorf("warnings %q, want the plan's %q", l.Warnings, p.Warnings)
	}
	if !slices.Equal(l.DNS, p.DNS) || len(l.DNS) == 0 {
		t.Errorf("DNS records %q, want the plan's %q", l.DNS, p.DNS)
	}

	var b strings.Builder
	if err := l.WriteText(&b, "out"); err != nil {
		t.Fatal(err)
	}
	text := b.String()
	readme, _ := p.File("README.md")
	cfg, _ := p.File("prosody/prosody.cfg.lua")
	for _, s := range []string{
		fmt.Sprintf("  changed 0644  1000:1000 %8d  out/README.md\n", len(readme.Data)),
		fmt.Sprintf("  mode    0640  1000:1000 %8d  out/prosody/prosody.cfg.lua\n", len(cfg.Data)),
		"  same    0600  1000:1000   secret  out/.env\n",
		"  same    0750  1000:1000   folder  out/prosody\n",
		"\n--- a/README.md\n+++ b/README.md\n",
		"\nBefore going live:\n  - " + p.Warnings[0] + "\n",
		"\n" + DNSHeading + "\n  " + p.DNS[0] + "\n",
	} {
		if !strings.Contains(text, s) {
			t.Errorf("the text lacks %q:\n%s", s, text)
		}
	}
}

// TestDescribeMasks: paths, diffs and warnings are masked by the plan's
// secrets; one shorter than minMasked characters masks nothing there.
func TestDescribeMasks(t *testing.T) {
	p := Plan{
		Files:    []File{{Path: "hunter2-notes/readme", Mode: 0o644}, {Path: "data/e", Mode: 0o644}},
		Warnings: []string{"the password hunter2 is weak", "keep the data safe"},
		Secrets:  []string{"hunter2", "e"},
	}
	changes := []Change{{File: p.Files[0], Status: StatusChanged}, {File: p.Files[1]}}
	l := Describe(p, changes, func(c Change) string {
		if c.Status == StatusChanged {
			return "-hunter2\n+\"hunter2\"\n"
		}
		return ""
	})
	if got := []string{l.Rows[0].Path, l.Rows[0].Diff, l.Rows[1].Path}; !slices.Equal(got, []string{"***-notes/readme", "-***\n+***\n", "data/e"}) {
		t.Errorf("rows %q", got)
	}
	if want := []string{"the password *** is weak", "keep the data safe"}; !slices.Equal(l.Warnings, want) {
		t.Errorf("warnings %q, want %q", l.Warnings, want)
	}
}

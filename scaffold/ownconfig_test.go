package scaffold

import (
	"fmt"
	"os"
	"path"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spf13/afero"

	"prosody-wizard/safeio"
)

// TestOwnConfigSurvivesReruns: the example in the folder of the person's
// own config files is written once; edited, re-moded, or joined by files
// of the person's, it is listed as kept (never changed), and neither a
// re-run nor --force, with the same answers or others, touches anything in
// that folder, nor backs anything up there. Removed, it comes back.
func TestOwnConfigSurvivesReruns(t *testing.T) {
	for _, name := range []string{"minimal", "host"} {
		for _, k := range fsKinds {
			t.Run(name+"/"+k.name, func(t *testing.T) {
				a, p := goldenPlan(t, name)
				dir := path.Join(path.Dir(ConfigPath(a)), OwnConfigDir)
				if f, ok := p.File(dir); !ok || !f.IsDir() || f.Preserve {
					t.Fatalf("the plan has no folder %s whose mode it keeps", dir)
				}
				example := path.Join(dir, ownConfigExample)
				ex, ok := p.File(example)
				if !ok || !ex.Preserve || ex.Mode.Perm() != 0o640 {
					t.Fatalf("%s is not a preserved 0640 file of the plan: %+v", example, ex.Mode)
				}
				fsys := k.new(t)
				mustApply(t, fsys, p, ApplyOptions{Now: goldenNow})

				// The person's edits: the example, its mode, a file of their own.
				edited := "-- mine now\nhide_os_type = true\n"
				if err := afero.WriteFile(fsys, example, []byte(edited), 0o600); err != nil {
					t.Fatal(err)
				}
				if err := fsys.Chmod(example, 0o600); err != nil {
					t.Fatal(err)
				}
				mine := path.Join(dir, "mine.cfg.lua")
				if err := afero.WriteFile(fsys, mine, []byte("motd_text = \"hi\"\n"), 0o640); err != nil {
					t.Fatal(err)
				}
				keep := func(s map[string]entry) map[string]entry {
					out := map[string]entry{}
					for q, e := range s {
						if strings.HasPrefix(q, dir+"/") {
							out[q] = e
						}
					}
					return out
				}
				before := keep(snapshot(t, fsys))

				changes, err := Compare(fsys, p)
				if err != nil {
					t.Fatal(err)
				}
				l := Describe(p, changes, func(c Change) string { return Diff(fsys, c) })
				for _, r := range l.Rows {
					if r.Path == example && (r.Status != "kept" || r.Diff != "" || r.Bytes != len(edited)) {
						t.Errorf("the edited example is listed as %q, %d bytes, with diff %q; want kept, %d bytes, without one", r.Status, r.Bytes, r.Diff, len(edited))
					}
					if r.Status != "same" && r.Status != "kept" {
						t.Errorf("the same answers list %s as %s", r.Path, r.Status)
					}
				}

				// Other answers too: the example's text names the domain.
				other := a
				other.Domains = []string{"example.com"}
				other.Admins = nil
				otherPlan, err := planAnswers(other, goldenInputs(other))
				if err != nil {
					t.Fatal(err)
				}
				for i, run := range []struct {
					p     Plan
					force bool
				}{{p, false}, {p, true}, {otherPlan, true}} {
					what := fmt.Sprintf("run %d (force %v)", i+1, run.force)
					r := mustApply(t, fsys, run.p, ApplyOptions{Now: goldenNow.Add(time.Duration(i+1) * time.Hour), Force: run.force})
					if slices.Contains(r.Written, example) {
						t.Errorf("%s: the example was written", what)
					}
					for _, b := range r.Backups {
						if strings.HasPrefix(b, dir+"/") {
							t.Errorf("%s: backed up %s", what, b)
						}
					}
					sameSnapshot(t, what, before, keep(snapshot(t, fsys)))
				}

				// Made a link by the person, the example stays a link: the
				// CLI writes through a safeio.Tree, which never follows it.
				if tree, ok := fsys.(*safeio.Tree); ok {
					abs := tree.Abs(example)
					if err := os.Remove(abs); err != nil {
						t.Fatal(err)
					}
					if err := os.Symlink("mine.cfg.lua", abs); err != nil {
						t.Fatal(err)
					}
					mustApply(t, fsys, p, ApplyOptions{Now: goldenNow.Add(4 * time.Hour), Force: true})
					if target, err := os.Readlink(abs); err != nil || target != "mine.cfg.lua" {
						t.Errorf("the linked example became %q (%v)", target, err)
					}
				}

				// Removed, the example is made again; the person's file stays.
				if err := fsys.Remove(example); err != nil {
					t.Fatal(err)
				}
				r := mustApply(t, fsys, p, ApplyOptions{Now: goldenNow.Add(5 * time.Hour), Force: true})
				if !slices.Contains(r.Written, example) {
					t.Errorf("a removed example is not made again: written %v", r.Written)
				}
				if got, _ := afero.ReadFile(fsys, example); string(got) != string(ex.Data) {
					t.Errorf("the example made again differs from the plan's")
				}
				if got, _ := afero.ReadFile(fsys, mine); string(got) != "motd_text = \"hi\"\n" {
					t.Errorf("the person's own file changed: %q", got)
				}
			})
		}
	}
}

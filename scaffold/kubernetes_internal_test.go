package scaffold

import (
	"slices"
	"strings"
	"testing"

	"github.com/spf13/afero"
)

// TestKubernetesListsOwnConfig: a re-run lists the person's own config
// files of prosody/local.d in the ConfigMap prosody-local, in name order,
// and leaves out, with a warning, what a ConfigMap cannot carry (a name
// with a space, a link, a folder), which it never reads.
func TestKubernetesListsOwnConfig(t *testing.T) {
	a, first := goldenPlan(t, "kubernetes")
	fsys := afero.NewMemMapFs()
	if _, err := Apply(fsys, first, ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"zz.cfg.lua", "mine.cfg.lua", "notes.txt", "with space.cfg.lua"} {
		if err := afero.WriteFile(fsys, "prosody/local.d/"+name, []byte("-- mine\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := fsys.MkdirAll("prosody/local.d/dir.cfg.lua", 0o755); err != nil {
		t.Fatal(err)
	}
	in := goldenInputs(a)
	in.Existing = afero.NewReadOnlyFs(fsys)
	again, err := planAnswers(a, in)
	if err != nil {
		t.Fatal(err)
	}
	k, _ := again.File("kustomization.yaml")
	var listed []string
	for _, line := range strings.Split(string(k.Data), "\n") {
		if n, ok := strings.CutPrefix(strings.TrimSpace(line), "- prosody/local.d/"); ok {
			listed = append(listed, n)
		}
	}
	if want := []string{"example.cfg.lua", "mine.cfg.lua", "zz.cfg.lua"}; !slices.Equal(listed, want) {
		t.Errorf("prosody-local lists %v, want %v", listed, want)
	}
	var warned []string
	for _, w := range again.Warnings {
		if strings.Contains(w, "not in the ConfigMap prosody-local") {
			warned = append(warned, w)
		}
	}
	if len(warned) != 2 || !strings.Contains(strings.Join(warned, "\n"), `"with space.cfg.lua"`) {
		t.Errorf("warnings %q, want one each for the name with a space and the folder", warned)
	}
}

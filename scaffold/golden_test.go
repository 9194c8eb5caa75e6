package scaffold

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
	"testing/cryptotest"
	"time"

	"github.com/spf13/afero"

	"prosody-wizard/config"
	"prosody-wizard/internal/golden"
)

// goldenNow pins certificate validity in goldens.
var goldenNow = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

const (
	answersDir = "../testdata/answers"
	goldenDir  = "../testdata/golden"
)

// goldenCases lists the answers files under testdata/answers.
func goldenCases(t *testing.T) []string {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(answersDir, "*.yaml"))
	if err != nil || len(names) == 0 {
		t.Fatalf("no answers files in %s: %v", answersDir, err)
	}
	for i, n := range names {
		names[i] = strings.TrimSuffix(filepath.Base(n), ".yaml")
	}
	return names
}

// goldenInputs are the pinned inputs of the golden plans: a compose repo
// owned by 1000:1000, a host whose prosody user is 102:105 (Debian's
// usual ids).
func goldenInputs(a config.Answers) Inputs {
	in := Inputs{Now: goldenNow, Owner: config.Owner{UID: 1000, GID: 1000}, Source: testSource()}
	if a.Deploy == config.DeployHost {
		in.Owner = config.Owner{UID: 102, GID: 105}
	}
	return in
}

// planAnswers resolves the answers (config.Resolve) and plans them, as
// main does.
func planAnswers(a config.Answers, in Inputs) (Plan, error) {
	s, problems := config.Resolve(a)
	if len(problems) > 0 {
		return Plan{}, problems
	}
	return NewPlan(s, in)
}

// goldenPlan loads testdata/answers/NAME.yaml and plans it with pinned
// randomness; it must not run in parallel (SetGlobalRandom).
func goldenPlan(t *testing.T, name string) (config.Answers, Plan) {
	t.Helper()
	cryptotest.SetGlobalRandom(t, 1)
	a, err := config.Load(filepath.Join(answersDir, name+".yaml"))
	if err != nil {
		t.Fatalf("load %s: %v", name, err)
	}
	p, err := planAnswers(a, goldenInputs(a))
	if err != nil {
		t.Fatalf("plan %s: %v", name, err)
	}
	return a, p
}

// listing is the plan as the dry run lists it for a folder that does not
// exist yet (see Listing.WriteText): a row per entry with mode, owner and
// size ("secret" for files holding secrets), then the warnings.
func listing(t *testing.T, p Plan) []byte {
	t.Helper()
	changes, err := Compare(afero.NewBasePathFs(afero.NewMemMapFs(), "/missing"), p)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := Describe(p, changes, nil).WriteText(&b, ""); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestGoldenTrees compares every planned file, and the plan's modes and
// owners, byte for byte with testdata/golden/NAME. Files are stored with a
// .golden suffix so that a generated .gitignore cannot hide its siblings.
// Refresh with: go test ./... -update
func TestGoldenTrees(t *testing.T) {
	for _, name := range goldenCases(t) {
		t.Run(name, func(t *testing.T) {
			_, p := goldenPlan(t, name)
			dir := filepath.Join(goldenDir, name)
			want := map[string][]byte{"plan.txt": listing(t, p)}
			for _, f := range p.Files {
				if !f.IsDir() {
					want[filepath.Join("tree", f.Path)+".golden"] = f.Data
				}
			}
			golden.Tree(t, dir, want)
		})
	}
}

// TestPlanIsDeterministic: the same answers and inputs give the same bytes.
func TestPlanIsDeterministic(t *testing.T) {
	for _, name := range goldenCases(t) {
		t.Run(name, func(t *testing.T) {
			_, p1 := goldenPlan(t, name)
			_, p2 := goldenPlan(t, name)
			for i := range p1.Files {
				if p1.Files[i].Path != p2.Files[i].Path || !bytes.Equal(p1.Files[i].Data, p2.Files[i].Data) {
					t.Errorf("%s differs between two plans of the same answers", p1.Files[i].Path)
				}
			}
		})
	}
}

package scaffold

import (
	"testing"

	"prosody-wizard/config"
)

// TestNewPlanTakesAResolvedSetup: NewPlan plans what config.Resolve
// returned, refuses a Setup that did not come from it, and carries the
// owner's note so that nobody resolves the owner again to show it.
func TestNewPlanTakesAResolvedSetup(t *testing.T) {
	a, _ := goldenPlan(t, "minimal")
	in := goldenInputs(a)
	if _, err := NewPlan(config.Setup{Answers: a}, in); err == nil {
		t.Error("NewPlan planned a Setup that Resolve did not make")
	}
	in.OwnerNote = "running as root: the files belong to 1000:1000"
	p, err := planAnswers(a, in)
	if err != nil {
		t.Fatal(err)
	}
	if p.OwnerNote != in.OwnerNote {
		t.Errorf("OwnerNote %q, want %q", p.OwnerNote, in.OwnerNote)
	}
}

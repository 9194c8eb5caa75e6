package ui

import (
	"slices"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"prosody-wizard/config"
)

// TestAccessibleKubernetesWrites: piping a cluster's answers into the
// plain prompts writes the kustomize base, its answers.yaml carrying the
// kubernetes key with every answer given.
func TestAccessibleKubernetesWrites(t *testing.T) {
	rig, opts := newAccRig(t)
	lines := slices.Clone(defaultLines[:len(defaultLines)-4])
	lines = append(lines, "3", "registry.example.org/prosody:13.0", "chat", "2", "fast", "y", "nginx", "", "", "", "y")
	o, out := runAcc(t, opts, script(lines...), nil)
	if o.Aborted || o.Err != nil || len(rig.writes) != 1 {
		t.Fatalf("aborted %v, err %v, Write calls %d\n%s", o.Aborted, o.Err, len(rig.writes), out)
	}
	saved := string(planFile(t, o.Plan, "answers.yaml"))
	for _, line := range []string{"deploy: kubernetes", "kubernetes:", "namespace: chat", "image: registry.example.org/prosody:13.0",
		"service: NodePort", "ingress: true", "ingress_class: nginx", "storage_class: fast"} {
		if !strings.Contains(saved, line) {
			t.Errorf("answers.yaml lacks %q:\n%s", line, saved)
		}
	}
	back, err := config.Parse([]byte(saved))
	if err != nil || back.Kubernetes != o.Answers.Kubernetes {
		t.Errorf("answers.yaml reads back as %+v (%v), want %+v", back.Kubernetes, err, o.Answers.Kubernetes)
	}
}

// TestKubernetesPreview: with a cluster chosen, the deployment page's
// preview shows the StatefulSet, scrolled to the image being typed.
func TestKubernetesPreview(t *testing.T) {
	opts, _ := flowOptions(config.Defaults())
	d := newDriver(t, opts, 120, 36)
	d.enter()
	d.typeText("example.org")
	d.enterUntil("deployment", 30)
	d.down()
	d.down()
	d.enter()
	d.typeText("registry.example.org/prosody:13.0")
	view := ansi.Strip(d.render())
	if !strings.Contains(view, "kubernetes/statefulset.yaml") || !strings.Contains(view, `image: "registry.example.org/prosody:13.0"`) {
		t.Errorf("the preview does not show the StatefulSet with the image:\n%s", view)
	}
}

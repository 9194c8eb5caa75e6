package ui

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"testing/cryptotest"

	"github.com/charmbracelet/x/ansi"

	"prosody-wizard/config"
	"prosody-wizard/internal/golden"
)

// goldenView compares a rendered screen, without colour (the plain
// profile), with testdata/ui/NAME.golden.
func goldenView(t *testing.T, name, view string) {
	t.Helper()
	golden.File(t, filepath.Join("..", "testdata", "ui", name+".golden"), []byte(ansi.Strip(view)+"\n"))
}

// TestViews: every page at 80x24, 60x20 (questions only) and 120x36
// (preview beside), and the folded preview at 80x24.
func TestViews(t *testing.T) {
	sizes := []struct {
		name          string
		width, height int
	}{{"80x24", 80, 24}, {"60x20", 60, 20}, {"120x36", 120, 36}}
	for _, size := range sizes {
		t.Run(size.name, func(t *testing.T) {
			cryptotest.SetGlobalRandom(t, 1)
			opts, _ := flowOptions(config.Defaults())
			d := newDriver(t, opts, size.width, size.height)
			goldenView(t, fmt.Sprintf("%s/%s", size.name, "welcome"), d.render())
			d.enter()
			d.typeText("example.org")
			for _, p := range append(pageNames(), "review") {
				if p == "welcome" {
					continue
				}
				d.enterUntil(p, 30)
				view := d.render()
				goldenView(t, fmt.Sprintf("%s/%s", size.name, p), view)
				for i, line := range strings.Split(ansi.Strip(view), "\n") {
					if w := ansi.StringWidth(line); w > size.width {
						t.Errorf("%s line %d is %d cells wide, wider than the terminal", p, i+1, w)
					}
				}
				if n := strings.Count(view, "\n") + 1; n > size.height {
					t.Errorf("%s is %d lines, taller than the terminal (%d)", p, n, size.height)
				}
			}
		})
	}
	t.Run("80x24 preview", func(t *testing.T) {
		opts, _ := flowOptions(config.Defaults())
		d := newDriver(t, opts, 80, 24)
		d.enter()
		d.typeText("example.org")
		d.ctrl('p')
		goldenView(t, "80x24/domains-preview", d.render())
		d.ctrl('t')
		goldenView(t, "80x24/domains-preview-compose", d.render())
	})
}

func pageNames() []string {
	var names []string
	for _, p := range pages {
		names = append(names, p.name)
	}
	return names
}

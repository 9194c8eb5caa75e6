package ui

import (
	"slices"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/spf13/afero"

	"prosody-wizard/config"
	"prosody-wizard/scaffold"
)

// benchCounts counts the plans made, and those that failed (a failed plan
// takes the short way out: a benchmark that times one is wrong).
// planTimes holds how long each plan took (the scaffold's share of a
// toggle, reported beside it).
type benchCounts struct {
	plans, failed int
	planTimes     []time.Duration
}

// benchOptions plans with pinned inputs (no secrets are compared here, so
// randomness is left alone), counts the plans in *n, and never writes.
func benchOptions(n *benchCounts) Options {
	in := scaffold.Inputs{Now: accNow, Owner: config.Owner{UID: 1000, GID: 1000}, Source: afero.NewMemMapFs()}
	out := afero.NewMemMapFs()
	return Options{
		Answers: config.Defaults(),
		Plan: func(a config.Answers, _ string) (scaffold.Plan, error) {
			n.plans++
			start := time.Now()
			p, err := planAnswers(a, in)
			n.planTimes = append(n.planTimes, time.Since(start))
			if err != nil {
				n.failed++
			}
			return p, err
		},
		Compare: func(_ string, p scaffold.Plan) ([]scaffold.Change, error) { return scaffold.Compare(out, p) },
		Write: func(string, scaffold.Plan) (scaffold.Result, error) {
			panic("the benchmarks never write")
		},
	}
}

// modulesModel is the wizard at 120x36 (the preview beside the questions)
// on the modules page, the largest page, reached through the driver; the
// program is then stopped, and the benchmarks call Update and View
// themselves, timing the model's own work only.
func modulesModel(b *testing.B, n *benchCounts) *Model {
	d := newDriver(b, benchOptions(n), 120, 36)
	d.enter()
	d.typeText("example.org")
	d.enterUntil("modules", 20)
	m := d.stop()
	if m.width < wideLayout {
		b.Fatalf("width %d: the preview is not beside the questions", m.width)
	}
	return m
}

// reportMedian reports the median of per-iteration timings, which a slow
// outlier (GC, a scheduler hiccup) does not move the way it moves ns/op.
func reportMedian(b *testing.B, times []time.Duration) {
	reportMedianAs(b, times, "median-ns/op")
}

func reportMedianAs(b *testing.B, times []time.Duration, unit string) {
	if len(times) == 0 {
		return
	}
	times = slices.Clone(times)
	slices.Sort(times)
	b.ReportMetric(float64(times[len(times)/2].Nanoseconds()), unit)
}

// BenchmarkModulesKeystroke: one cursor move in the modules list and the
// redraw that follows, as a person scrolling through the list feels it.
func BenchmarkModulesKeystroke(b *testing.B) {
	var n benchCounts
	m := modulesModel(b, &n)
	mods := len(config.Catalog().Choosable(config.Series13))
	times := make([]time.Duration, 0, b.N)
	pos := 0
	before := n
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if pos == mods-1 { // at the bottom: back to the top, untimed
			b.StopTimer()
			for ; pos > 0; pos-- {
				m.Update(tea.KeyPressMsg{Code: tea.KeyUp})
			}
			b.StartTimer()
		}
		start := time.Now()
		m.Update(tea.KeyPressMsg{Code: tea.KeyDown})
		_ = m.View()
		times = append(times, time.Since(start))
		pos++
	}
	b.StopTimer()
	if n.plans != before.plans {
		b.Errorf("moving the cursor planned the preview %d times; only changed answers should", n.plans-before.plans)
	}
	reportMedian(b, times)
}

// BenchmarkModulesToggle: space on a module (motd, off by default, needed
// by none) changes the answers, so the preview is planned again, then the
// redraw. Each toggle plans: nothing is cached across selections.
func BenchmarkModulesToggle(b *testing.B) {
	var n benchCounts
	m := modulesModel(b, &n)
	for range len(config.Catalog()) {
		if name, _ := m.hoveredModule(); name == "motd" {
			break
		}
		m.Update(tea.KeyPressMsg{Code: tea.KeyDown})
	}
	if name, _ := m.hoveredModule(); name != "motd" {
		b.Fatalf("the cursor is on %s, not motd", name)
	}
	before := n
	times := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		m.Update(tea.KeyPressMsg{Code: tea.KeySpace, Text: " "})
		_ = m.View()
		times = append(times, time.Since(start))
	}
	b.StopTimer()
	if n.failed != before.failed {
		b.Errorf("%d plans failed: the benchmark timed failures", n.failed-before.failed)
	}
	if n.plans-before.plans != b.N {
		b.Errorf("%d toggles planned the preview %d times; each should plan once", b.N, n.plans-before.plans)
	}
	reportMedian(b, times)
	reportMedianAs(b, n.planTimes[before.plans:], "plan-median-ns/op")
}

// BenchmarkModulesSearch: a letter typed into the search (every module's
// name and summary searched again) and the redraw; a letter and a
// backspace in turn, so the list shown changes on every key.
func BenchmarkModulesSearch(b *testing.B) {
	var n benchCounts
	m := modulesModel(b, &n)
	m.Update(tea.KeyPressMsg{Code: '/', Text: "/"})
	m.Update(tea.KeyPressMsg{Code: 'w', Text: "w"})
	before := n
	times := make([]time.Duration, 0, b.N)
	keys := []tea.KeyPressMsg{{Code: 'e', Text: "e"}, {Code: tea.KeyBackspace}}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		m.Update(keys[i%2])
		_ = m.View()
		times = append(times, time.Since(start))
	}
	b.StopTimer()
	if n.plans != before.plans {
		b.Errorf("searching planned the preview %d times; only changed answers should", n.plans-before.plans)
	}
	reportMedian(b, times)
}

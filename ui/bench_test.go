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

// benchOptions plans with pinned inputs (no secrets are compared here, so
// randomness is left alone), counts the plans in *plans, and never writes.
func benchOptions(plans *int) Options {
	in := scaffold.Inputs{Now: accNow, Owner: config.Owner{UID: 1000, GID: 1000}, Source: afero.NewMemMapFs()}
	out := afero.NewMemMapFs()
	return Options{
		Answers: config.Defaults(),
		Plan: func(a config.Answers, _ string) (scaffold.Plan, error) {
			*plans++
			return planAnswers(a, in)
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
func modulesModel(b *testing.B, plans *int) *Model {
	d := newDriver(b, benchOptions(plans), 120, 36)
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
	if len(times) == 0 {
		return
	}
	slices.Sort(times)
	b.ReportMetric(float64(times[len(times)/2].Nanoseconds()), "median-ns/op")
}

// BenchmarkModulesKeystroke: one cursor move in the modules list and the
// redraw that follows, as a person scrolling through the list feels it.
func BenchmarkModulesKeystroke(b *testing.B) {
	var plans int
	m := modulesModel(b, &plans)
	n := len(config.Catalog().Choosable(config.Series13))
	times := make([]time.Duration, 0, b.N)
	pos := 0
	before := plans
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if pos == n-1 { // at the bottom: back to the top, untimed
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
	if plans != before {
		b.Errorf("moving the cursor planned the preview %d times; only changed answers should", plans-before)
	}
	reportMedian(b, times)
}

// BenchmarkModulesToggle: space on a module changes the answers, so the
// preview is planned again, then the redraw.
func BenchmarkModulesToggle(b *testing.B) {
	var plans int
	m := modulesModel(b, &plans)
	before := plans
	times := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		m.Update(tea.KeyPressMsg{Code: tea.KeySpace, Text: " "})
		_ = m.View()
		times = append(times, time.Since(start))
	}
	b.StopTimer()
	if plans-before != b.N {
		b.Errorf("%d toggles planned the preview %d times; each should plan once", b.N, plans-before)
	}
	reportMedian(b, times)
}

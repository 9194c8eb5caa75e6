// Package ui knows how to ask: the wizard's pages (huh forms inside a
// bubbletea model), the live preview of the files the answers produce, and
// the plain line prompts of accessible mode. It produces config.Answers and
// shows scaffold.Plan; it never renders a config itself.
package ui

import (
	"image/color"
	"sync"

	"charm.land/huh/v2"
	"charm.land/lipgloss/v2"
)

// Styles holds every style the wizard draws with, by role, for one
// background (light or dark).
type Styles struct {
	Title  lipgloss.Style
	Subtle lipgloss.Style
	Help   lipgloss.Style
	Error  lipgloss.Style
	// FieldError is an answer's problem, drawn under its question.
	FieldError lipgloss.Style
	Warning    lipgloss.Style
	PreviewBox lipgloss.Style
	TabActive  lipgloss.Style
	Tab        lipgloss.Style
	Highlight  lipgloss.Style
	Code       lipgloss.Style
	StatusNew  lipgloss.Style
	StatusSame lipgloss.Style
	StatusMod  lipgloss.Style
	// The modules page's list: the row under the cursor, a ticked mark,
	// a group's heading.
	Cursor  lipgloss.Style
	Ticked  lipgloss.Style
	Heading lipgloss.Style
}

// NewStyles builds the styles for a dark or light background.
func NewStyles(dark bool) Styles {
	ld := lipgloss.LightDark(dark)
	accent := ld(lipgloss.Color("#5A56E0"), lipgloss.Color("#7D79F6"))
	subtle := ld(lipgloss.Color("#6B6B6B"), lipgloss.Color("#8C8C8C"))
	var highlightBg color.Color = ld(lipgloss.Color("#E8E6FF"), lipgloss.Color("#2E2B5F"))
	return Styles{
		Title:      lipgloss.NewStyle().Bold(true).Foreground(accent),
		Subtle:     lipgloss.NewStyle().Foreground(subtle),
		Help:       lipgloss.NewStyle().Foreground(subtle),
		Error:      lipgloss.NewStyle().Foreground(ld(lipgloss.Color("#C0392B"), lipgloss.Color("#FF6B6B"))),
		FieldError: lipgloss.NewStyle().Foreground(ld(lipgloss.Color("#C0392B"), lipgloss.Color("#FF6B6B"))),
		Warning:    lipgloss.NewStyle().Foreground(ld(lipgloss.Color("#9A6700"), lipgloss.Color("#E3B341"))),
		PreviewBox: lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).BorderForeground(subtle).Padding(0, 1),
		TabActive:  lipgloss.NewStyle().Bold(true).Foreground(accent).Underline(true),
		Tab:        lipgloss.NewStyle().Foreground(subtle),
		Highlight:  lipgloss.NewStyle().Background(highlightBg),
		Code:       lipgloss.NewStyle(),
		StatusNew:  lipgloss.NewStyle().Foreground(ld(lipgloss.Color("#1A7F37"), lipgloss.Color("#3FB950"))),
		StatusSame: lipgloss.NewStyle().Foreground(subtle),
		StatusMod:  lipgloss.NewStyle().Foreground(ld(lipgloss.Color("#9A6700"), lipgloss.Color("#E3B341"))),
		Cursor:     lipgloss.NewStyle().Foreground(accent),
		Ticked:     lipgloss.NewStyle().Foreground(ld(lipgloss.Color("#1A7F37"), lipgloss.Color("#3FB950"))),
		Heading:    lipgloss.NewStyle().Bold(true),
	}
}

// theme is huh's Charm theme, built once per background. huh v2 asks its
// theme for styles for every option on every render; ThemeCharm rebuilds
// them each time, which made a keystroke on the module list cost tens of
// milliseconds.
var theme = func() huh.Theme {
	var mu sync.Mutex
	cache := map[bool]*huh.Styles{}
	return huh.ThemeFunc(func(dark bool) *huh.Styles {
		mu.Lock()
		defer mu.Unlock()
		if s, ok := cache[dark]; ok {
			return s
		}
		s := huh.ThemeCharm(dark)
		cache[dark] = s
		return s
	})
}()

package ui

import (
	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
)

// keyMap holds the wizard's own keys. The keys of the questions (enter,
// tab, arrows, space, / to filter…) belong to huh's fields.
type keyMap struct {
	Back       key.Binding // the previous page
	Preview    key.Binding // the preview instead of the questions (narrow terminals)
	SwitchFile key.Binding // the other file in the preview
	Quit       key.Binding // stop, writing nothing
}

func newKeyMap() keyMap {
	return keyMap{
		Back:       key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
		Preview:    key.NewBinding(key.WithKeys("ctrl+p"), key.WithHelp("ctrl+p", "preview")),
		SwitchFile: key.NewBinding(key.WithKeys("ctrl+t"), key.WithHelp("ctrl+t", "switch file")),
		Quit:       key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "quit")),
	}
}

// newHelp is the help line's model for a terminal width cells wide, drawn
// in the wizard's Help style.
func newHelp(s Styles, width int) help.Model {
	h := help.New()
	h.SetWidth(width)
	h.Styles = help.Styles{
		ShortKey: s.Help, ShortDesc: s.Help, ShortSeparator: s.Help, Ellipsis: s.Help,
		FullKey: s.Help, FullDesc: s.Help, FullSeparator: s.Help,
	}
	return h
}

// helpLine names the wizard's keys at the bottom of the screen. ctrl+p is
// left out where the preview always sits beside the questions, and says
// what it shows next.
func (m *Model) helpLine() string {
	keys := []key.Binding{m.keys.Back}
	if m.width < wideLayout {
		preview := m.keys.Preview
		if m.showPreview {
			preview.SetHelp("ctrl+p", "questions")
		}
		keys = append(keys, preview)
	}
	keys = append(keys, m.keys.SwitchFile, m.keys.Quit)
	return m.help.ShortHelpView(keys)
}

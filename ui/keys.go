package ui

import (
	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
)

// keyMap holds the wizard's own keys. The keys of the questions (enter,
// tab, arrows, space, / to filter…) belong to huh's fields.
type keyMap struct {
	Next       key.Binding // help only: huh's fields take enter to the next question
	Back       key.Binding // the previous page
	Preview    key.Binding // the preview instead of the questions (narrow terminals)
	SwitchFile key.Binding // the other file in the preview
	Quit       key.Binding // stop, writing nothing

	// The review scrolls (see reviewpage.go).
	LineUp, LineDown key.Binding
	PageUp, PageDown key.Binding
	Top, Bottom      key.Binding
	// Help only: how the review's keys are named on its help line.
	Scroll, Ends, Choose, Confirm key.Binding
}

func newKeyMap() keyMap {
	return keyMap{
		Next:       key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "next")),
		Back:       key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
		Preview:    key.NewBinding(key.WithKeys("ctrl+p"), key.WithHelp("ctrl+p", "preview")),
		SwitchFile: key.NewBinding(key.WithKeys("ctrl+t"), key.WithHelp("ctrl+t", "other file")),
		Quit:       key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "quit")),
		LineUp:     key.NewBinding(key.WithKeys("up")),
		LineDown:   key.NewBinding(key.WithKeys("down")),
		PageUp:     key.NewBinding(key.WithKeys("pgup")),
		PageDown:   key.NewBinding(key.WithKeys("pgdown")),
		Top:        key.NewBinding(key.WithKeys("home")),
		Bottom:     key.NewBinding(key.WithKeys("end")),
		Scroll:     key.NewBinding(key.WithKeys("pgup", "pgdown", "up", "down"), key.WithHelp("pgup/pgdn", "scroll")),
		Ends:       key.NewBinding(key.WithKeys("home", "end"), key.WithHelp("home/end", "ends")),
		Choose:     key.NewBinding(key.WithKeys("left", "right"), key.WithHelp("←→", "choose")),
		Confirm:    key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "ok")),
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

// helpLine names the wizard's keys at the bottom of the screen, the most
// needed first (a narrow terminal cuts the last ones): enter (the modules
// page names its own keys above its list), esc, ctrl+c, then the preview's.
// ctrl+p is left out where the preview always sits beside the questions,
// and says what it shows next.
func (m *Model) helpLine() string {
	keys := []key.Binding{m.keys.Next, m.keys.Back, m.keys.Quit}
	if m.modules != nil {
		keys = []key.Binding{m.modules.backHelp(), m.keys.Quit}
	}
	if m.width < wideLayout {
		preview := m.keys.Preview
		if m.showPreview {
			preview.SetHelp("ctrl+p", "questions")
		}
		keys = append(keys, preview)
	}
	keys = append(keys, m.keys.SwitchFile)
	return m.help.ShortHelpView(keys)
}

// moduleKeys are the keys of the modules page's list (modules.go).
type moduleKeys struct {
	Up, Down         key.Binding
	PageUp, PageDown key.Binding
	Home, End        key.Binding
	Toggle           key.Binding
	Search           key.Binding
	Done             key.Binding
	Back             key.Binding // clears the search, else the previous group, else the previous page
}

func newModuleKeys() moduleKeys {
	return moduleKeys{
		Up:       key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:     key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		PageUp:   key.NewBinding(key.WithKeys("pgup"), key.WithHelp("pgup", "page up")),
		PageDown: key.NewBinding(key.WithKeys("pgdown"), key.WithHelp("pgdown", "page down")),
		Home:     key.NewBinding(key.WithKeys("home", "g"), key.WithHelp("home", "first")),
		End:      key.NewBinding(key.WithKeys("end", "G"), key.WithHelp("end", "last")),
		Toggle:   key.NewBinding(key.WithKeys("space", "x"), key.WithHelp("space", "tick")),
		Search:   key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "search")),
		Done:     key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "next page")),
		Back:     key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
	}
}

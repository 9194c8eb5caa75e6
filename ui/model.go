package ui

import (
	"errors"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
	"charm.land/lipgloss/v2"

	"prosody-wizard/config"
	"prosody-wizard/scaffold"
)

// Options connect the wizard to the rest of the program: the answers it
// starts from, and the functions that plan, compare and write, which main
// wires to the filesystem. The wizard itself never touches files.
type Options struct {
	Answers config.Answers // defaults, or a saved answers file being edited
	Out     string         // the output folder; "" = derived from the answers
	Plan    func(a config.Answers, out string) (scaffold.Plan, error)
	Compare func(out string, p scaffold.Plan) ([]scaffold.Change, error)
	// Diff shows how a changed file would change (secrets masked); nil
	// shows none.
	Diff func(out string, c scaffold.Change) string
	// Write writes the plan the review showed. The review says that it
	// replaces the files that differ, keeping backups.
	Write func(out string, p scaffold.Plan) (scaffold.Result, error)
	// DryRun ends the wizard at its review (--dry-run): the review is the
	// dry run, and nothing is written.
	DryRun bool
	// BackupDir is where Write keeps the old files it replaces
	// (--backup-dir), "" beside each; the review says which.
	BackupDir string
	// SaveAnswers keeps the answers when writing into the output folder
	// (its first argument) failed, so that what a person typed is never
	// lost, and says where (a file only they may read: it holds the
	// database password); nil saves nothing.
	SaveAnswers func(out string, a config.Answers) (string, error)
}

// Outcome is how a wizard run ended.
type Outcome struct {
	Answers config.Answers
	Out     string
	Plan    scaffold.Plan
	Result  scaffold.Result
	Aborted bool // ctrl+c: nothing was written
	// Err is why the run stopped short; nil with Aborted and DryRun false
	// means the plan was written.
	Err error
	// DryRun: the run ended at its review (Options.DryRun); nothing was
	// written.
	DryRun bool
	// Listing is what the review of a dry run showed (Options.DryRun).
	Listing scaffold.Listing
	// Saved is where the answers were saved after writing failed
	// (Options.SaveAnswers), or "".
	Saved string
}

type phase int

const (
	asking phase = iota
	writing
	done
	aborted
)

// Model is the wizard as a bubbletea model.
type Model struct {
	opts    Options
	d       *draft
	base    config.Answers
	page    int          // index into pages; len(pages) is the review
	form    *huh.Form    // the page's questions; nil on the modules page
	groups  []shownGroup // the asking page's groups, for drawing its errors
	modules *moduleList  // the modules page's list (modules.go); nil elsewhere
	width   int
	height  int
	dark    bool
	styles  Styles
	keys    keyMap
	help    help.Model
	// showPreview: on terminals narrower than wideLayout the preview is
	// folded away; ctrl+p shows it instead of the questions.
	showPreview bool
	tab         int // 0 prosody.cfg.lua, 1 compose.yaml
	preview     preview
	pageKeys    []string // the keys of the page's questions (see marking)
	phase       phase
	spinner     spinner.Model
	outcome     Outcome
	// reviewed is the plan the review showed: exactly what gets written.
	reviewed    *scaffold.Plan
	reviewedOut string
	review      review // what the review page shows (see review.go)
	saveErr     error  // why the answers could not be saved
}

// wideLayout is the width from which the preview sits beside the questions.
const wideLayout = 100

// NewModel starts the wizard on its first page.
func NewModel(opts Options) *Model {
	d := fromAnswers(opts.Answers, opts.Out)
	if d.Out == "" {
		d.Out = defaultOut(d)
	}
	m := &Model{opts: opts, d: d, base: opts.Answers, width: 80, height: 24, styles: NewStyles(false),
		keys: newKeyMap(), spinner: spinner.New(spinner.WithSpinner(spinner.Dot))}
	m.help = newHelp(m.styles, m.width)
	m.buildPage()
	return m
}

// defaultOut is the output folder the answers suggest (config.DefaultOut).
func defaultOut(d *draft) string {
	return config.DefaultOut(d.Deploy, config.NormalizeDomain(strings.TrimSpace(d.Primary)))
}

// Outcome reports how the run ended, once the model has quit.
func (m *Model) Outcome() Outcome { return m.outcome }

func (m *Model) onReview() bool { return m.page == len(pages) }

func (m *Model) currentPage() page {
	if m.onReview() {
		return page{name: "review", title: "Review", previewFile: "prosody.cfg.lua"}
	}
	return pages[m.page]
}

// buildPage makes the huh form of the current page from the draft.
func (m *Model) buildPage() {
	m.modules, m.pageKeys, m.groups = nil, nil, nil
	m.d.shown = nil
	if m.onReview() {
		m.form = m.reviewForm() // its keys are on the review's own line
	} else {
		p := pages[m.page]
		if p.name == "deployment" && m.d.Out == "" {
			m.d.Out = defaultOut(m.d)
		}
		if p.name == "modules" {
			m.buildModules()
			return
		}
		var groups []*huh.Group
		for _, s := range p.steps {
			fields := s.fields(m.d, config.Series(m.d.Series))
			for _, f := range fields {
				m.pageKeys = append(m.pageKeys, f.GetKey())
			}
			// The header line already names the page: a group repeats
			// only a title of its own.
			g := huh.NewGroup(fields...).Description(s.description)
			if s.title != p.title {
				g = g.Title(s.title)
			}
			if s.when != nil {
				st := s
				g = g.WithHideFunc(func() bool { return !st.applies(m.d) })
			}
			groups = append(groups, g)
			m.groups = append(m.groups, shownGroup{group: g, fields: fields})
		}
		// The wizard draws errors under their fields (see questions) and
		// its own key line: huh would put both below the questions, off
		// the screen of a small terminal.
		m.form = huh.NewForm(groups...).WithShowHelp(false).WithShowErrors(false)
	}
	m.form = m.form.WithTheme(theme).WithWidth(m.formWidth()).WithHeight(m.formHeight())
	m.refreshPreview()
}

// bodyHeight is what is left between the header and the key line.
func (m *Model) bodyHeight() int { return max(5, m.height-2) }

// formHeight is the questions' share of the screen.
func (m *Model) formHeight() int { return m.bodyHeight() }

func (m *Model) formWidth() int {
	if m.width >= wideLayout {
		return min(64, m.width/2)
	}
	return max(20, m.width-2)
}

// answers is the draft as answers.
func (m *Model) answers() config.Answers { return m.d.toAnswers(m.base) }

// Init starts the first form and asks the terminal for its background.
func (m *Model) Init() tea.Cmd {
	return tea.Batch(m.initPage(), tea.RequestBackgroundColor)
}

// initPage starts the page's form (the modules page has none).
func (m *Model) initPage() tea.Cmd {
	if m.form == nil {
		return nil
	}
	return m.form.Init()
}

// resyncMsg has huh lay out the page again after follow changed answers
// shown on it.
type resyncMsg struct{}

// writtenMsg reports the end of writing.
type writtenMsg struct {
	result scaffold.Result
	err    error
}

// Update handles keys, sizes and form progress.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		if m.phase == asking && m.onReview() && m.scrollReview(msg) {
			return m, nil
		}
		switch {
		case key.Matches(msg, m.keys.Quit):
			return m.abort()
		case m.modules != nil && m.phase == asking && !key.Matches(msg, m.keys.Preview, m.keys.SwitchFile):
			return m.updateModules(msg)
		case key.Matches(msg, m.keys.Back):
			if m.phase == asking {
				return m.back()
			}
		case key.Matches(msg, m.keys.Preview):
			m.showPreview = !m.showPreview
			return m, nil
		case key.Matches(msg, m.keys.SwitchFile):
			m.tab = 1 - m.tab
			return m, nil
		}
	case tea.WindowSizeMsg:
		// The form gets its share of the screen, not the whole of it.
		m.width, m.height = msg.Width, msg.Height
		m.help.SetWidth(m.width)
		if m.form == nil {
			return m, nil
		}
		m.form = m.form.WithWidth(m.formWidth()).WithHeight(m.formHeight())
		// huh lays a group out when it handles a message, not when its
		// size changes: hand it this one, so the questions fit the new
		// width now rather than at the next key or cursor blink.
		_, cmd := m.form.Update(msg)
		return m, cmd
	case tea.BackgroundColorMsg:
		m.dark = msg.IsDark()
		m.styles = NewStyles(m.dark)
		m.help = newHelp(m.styles, m.width)
		m.review.lines = nil // drawn again in the new styles
	case writtenMsg:
		m.outcome.Result, m.outcome.Err = msg.result, msg.err
		if msg.err != nil && m.opts.SaveAnswers != nil {
			// A person's answers are never lost with a failed write.
			m.outcome.Saved, m.saveErr = m.opts.SaveAnswers(m.outcome.Out, m.outcome.Answers)
		}
		m.phase = done
		return m, tea.Quit
	case spinner.TickMsg:
		if m.phase == writing {
			var cmd tea.Cmd
			m.spinner, cmd = m.spinner.Update(msg)
			return m, cmd
		}
		return m, nil
	}
	if m.phase != asking || m.form == nil {
		return m, nil
	}

	f, cmd := m.form.Update(msg)
	if ff, ok := f.(*huh.Form); ok {
		m.form = ff
	}
	if m.d.followShown() {
		// huh lays the group out when it handles a message: hand it one,
		// so that the screen shows the values follow set now.
		_, relaid := m.form.Update(resyncMsg{})
		cmd = tea.Batch(cmd, relaid)
	}
	m.refreshPreview()

	switch m.form.State {
	case huh.StateAborted:
		return m.abort()
	case huh.StateCompleted:
		return m.next()
	}
	return m, cmd
}

// back goes to the previous page, if there is one.
func (m *Model) back() (tea.Model, tea.Cmd) {
	if m.page == 0 {
		return m, nil
	}
	m.page--
	m.buildPage()
	return m, m.initPage()
}

func (m *Model) abort() (tea.Model, tea.Cmd) {
	m.phase = aborted
	m.outcome.Aborted = true
	return m, tea.Quit
}

// next leaves a completed page: on to the next, or, from the review, write
// (or go back when the answer was "go back").
func (m *Model) next() (tea.Model, tea.Cmd) {
	if !m.onReview() {
		m.page++
		m.buildPage()
		return m, m.initPage()
	}
	if !m.d.Confirm || m.reviewed == nil {
		// Go back; the review only lets a person confirm a valid plan,
		// but be safe.
		m.page--
		m.buildPage()
		return m, m.form.Init()
	}
	a, out, p := m.answers(), m.reviewedOut, *m.reviewed
	m.outcome.Answers, m.outcome.Out, m.outcome.Plan = a, out, p
	if m.opts.DryRun {
		// The review was the dry run.
		m.outcome.DryRun, m.outcome.Listing = true, m.review.listing
		m.phase = done
		return m, tea.Quit
	}
	m.phase = writing
	write := func() tea.Msg {
		res, err := m.opts.Write(out, p)
		return writtenMsg{res, err}
	}
	return m, tea.Batch(m.spinner.Tick, write)
}

func (m *Model) out() string {
	if strings.TrimSpace(m.d.Out) == "" {
		return defaultOut(m.d)
	}
	return strings.TrimSpace(m.d.Out)
}

// reviewForm plans the answers for the review (see review) and asks to
// confirm: write, or, with --dry-run, done.
func (m *Model) reviewForm() *huh.Form {
	a := m.answers()
	out := m.out()
	m.d.Confirm = true
	plan, err := m.opts.Plan(a, out)
	m.reviewed, m.reviewedOut = nil, out
	if err == nil {
		m.reviewed = &plan
	}
	m.review = newReview(m.opts, out, plan, err)
	// Write is refused while the answers have problems, or while the
	// folder cannot be compared (a link or an odd file below it, a
	// folder that cannot be read): writing would stop the same way.
	var refusal error
	switch {
	case err != nil:
		refusal = errors.New("the answers have problems; go back and fix them")
	case m.review.err != "":
		refusal = errors.New("the output folder cannot be written as it is (see the top); fix that, or go back and choose another folder")
	}
	affirmative := "Write"
	if m.opts.DryRun {
		affirmative = "Done (dry run)"
	}
	confirm := huh.NewConfirm().Title(m.review.question()).Affirmative(affirmative).Negative("Go back").
		Value(&m.d.Confirm).Validate(func(yes bool) error {
		if yes {
			return refusal
		}
		return nil
	})
	return huh.NewForm(huh.NewGroup(confirm)).WithShowHelp(false).WithShowErrors(false)
}

// header is the page's first line: its title and where it is.
func (m *Model) header(p page) string {
	step := fmt.Sprintf("  step %d of %d", m.page+1, len(pages)+1)
	return m.styles.Title.Render(p.title) + m.styles.Subtle.Render(truncate(step, m.width-lipgloss.Width(p.title)))
}

// View draws the page: header, questions, preview, keys.
func (m *Model) View() tea.View {
	v := tea.NewView(m.render())
	v.AltScreen = false
	return v
}

func (m *Model) render() string {
	switch m.phase {
	case aborted:
		return ""
	case writing:
		return m.spinner.View() + " Writing files…\n"
	case done:
		return m.doneView()
	}
	p := m.currentPage()
	if m.onReview() {
		return m.reviewView(p)
	}
	header := m.header(p)
	keys := m.helpLine()
	bodyHeight := m.bodyHeight()
	var form string
	if m.modules != nil {
		form = m.modules.view(m.styles, m.formWidth(), bodyHeight)
	} else {
		form = m.questions()
	}
	var body string
	switch {
	case m.width >= wideLayout:
		previewWidth := m.width - m.formWidth() - 3
		box := m.preview.render(m.styles, m.tab, p, m.marking(), m.pageKeys, previewWidth, bodyHeight)
		if m.modules != nil {
			body = besides(form, m.formWidth(), box) // the list's lines are cut and padded already
		} else {
			body = lipgloss.JoinHorizontal(lipgloss.Top,
				lipgloss.NewStyle().Width(m.formWidth()+1).MaxHeight(bodyHeight).Render(form), box)
		}
	case m.showPreview:
		body = m.preview.render(m.styles, m.tab, p, m.marking(), m.pageKeys, m.width, bodyHeight)
	default:
		body = lipgloss.NewStyle().MaxHeight(bodyHeight).Render(form)
	}
	return header + "\n" + body + "\n" + keys
}

// marking names the answer the focused question asks, by its key (the
// answers file's name for it), whose lines the preview highlights.
func (m *Model) marking() []string {
	if m.modules != nil {
		return []string{"modules"}
	}
	if f := m.form.GetFocusedField(); f != nil && f.GetKey() != "" {
		return []string{f.GetKey()}
	}
	return nil
}

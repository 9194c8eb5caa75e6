package scaffold

import (
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/cryptotest"

	"prosody-wizard/config"
	"prosody-wizard/internal/testkit"
)

func TestUnmark(t *testing.T) {
	sentinel := func(f func(...any) (string, error), fields ...any) string {
		s, err := f(fields...)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	m := func(fields ...any) string { return sentinel(mark, fields...) }
	line := func(fields ...any) string { return sentinel(markLine, fields...) }
	end := endMark()
	in := "one\n" + m("a") + "two\n" + m("b", []string{"c"}) + "three" + end + "\n" + end +
		"four" + m("a") + "\n" + end + "\n" + m([]string(nil)) + "five" + end + "\nsix" + m("d") + "\nseven" + end + "\n" +
		line("e") + "eight\n" + "nine" + line("f", "g") + "\nten\n" + line([]string(nil)) + "eleven" + line("h")
	out, marks, err := unmark([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if want := "one\ntwo\nthree\nfour\n\nfive\nsix\nseven\neight\nnine\nten\neleven"; string(out) != want {
		t.Errorf("text %q, want %q", out, want)
	}
	want := Marks{
		"a": {{2, 3}}, // two, three; the line break after four marks nothing
		"b": {{3, 3}}, // three
		"c": {{3, 3}},
		"d": {{8, 8}},   // starts at the end of six: seven
		"e": {{9, 9}},   // eight
		"f": {{11, 11}}, // at the end of nine: ten
		"g": {{11, 11}},
		// h, at the end of the text, marks nothing
	}
	if !reflect.DeepEqual(marks, want) {
		t.Errorf("marks %v, want %v", marks, want)
	}
	if got := marks.Lines("b", "a", "d", "e"); !reflect.DeepEqual(got, []LineRange{{2, 3}, {8, 9}}) {
		t.Errorf("Lines(b, a, d, e) = %v", got)
	}
	for _, bad := range []string{m("a") + "open", "close" + end, "nul\x00here", "nul\x00", "\x00?\x00"} {
		if _, _, err := unmark([]byte(bad)); err == nil {
			t.Errorf("unmark(%q) gave no error", bad)
		}
	}
	if _, err := mark(""); err == nil {
		t.Error("mark of an empty name gave no error")
	}
	if _, err := markLine(3); err == nil {
		t.Error("markline of a number gave no error")
	}
}

func TestPad(t *testing.T) {
	for _, c := range []struct {
		width int
		parts []string
		want  string
	}{
		{8, []string{`"tls"`, ";"}, `"tls";  `},
		{3, []string{"münchen"}, "münchen"},
		{9, []string{"münchen"}, "münchen  "},
	} {
		if got := pad(c.width, c.parts...); got != c.want {
			t.Errorf("pad(%d, %q) = %q, want %q", c.width, c.parts, got, c.want)
		}
	}
}

// answerChanges change one answer each, keyed by the name the answers file
// gives it; TestMarksCoverWhatEachAnswerChanges applies them to every
// answers file under testdata.
var answerChanges = map[string][]func(a *config.Answers){
	"prosody": {func(a *config.Answers) {
		a.Prosody = map[config.Series]config.Series{config.Series13: config.Series012, config.Series012: config.Series13}[a.Prosody]
	}},
	"deploy": {func(a *config.Answers) {
		a.Deploy = map[string]string{config.DeployCompose: config.DeployHost, config.DeployHost: config.DeployCompose}[a.Deploy]
	}},
	"domains": {
		func(a *config.Answers) { a.Domains[0] = "example.com" },
		func(a *config.Answers) { a.Domains = append(a.Domains, "chat.example.com") },
		func(a *config.Answers) { a.Domains = a.Domains[:1] },
		func(a *config.Answers) { a.Domains = append([]string{"example.com"}, a.Domains...) },
	},
	"admins": {
		func(a *config.Answers) { a.Admins = nil },
		func(a *config.Answers) { a.Admins = append(a.Admins, "boss@"+a.Domains[0]) },
	},
	"contact": {
		func(a *config.Answers) { a.Contact.Abuse = []string{"mailto:abuse@" + a.Domains[0]} },
		func(a *config.Answers) { a.Contact.Abuse, a.Contact.Admin = nil, nil },
		func(a *config.Answers) { a.Contact.Security = []string{"https://" + a.Domains[0] + "/security"} },
	},
	"registration": {
		func(a *config.Answers) { a.Registration = config.RegistrationClosed },
		func(a *config.Answers) { a.Registration = config.RegistrationInvite },
		func(a *config.Answers) { a.Registration = config.RegistrationOpen },
	},
	"federation": {func(a *config.Answers) { a.Federation = !a.Federation }},
	"tls.mode": {
		func(a *config.Answers) { a.TLS = config.TLS{Mode: config.TLSSelfSigned} },
		func(a *config.Answers) { a.TLS = config.TLS{Mode: config.TLSLetsEncrypt, Email: "admin@example.org"} },
	},
	"tls.email": {func(a *config.Answers) {
		if a.TLS.Mode == config.TLSLetsEncrypt {
			a.TLS.Email = "other@example.org"
		}
	}},
	"database.driver": {
		func(a *config.Answers) { a.Database.Driver = config.DriverInternal },
		func(a *config.Answers) { a.Database.Driver = config.DriverSQLite },
		func(a *config.Answers) { a.Database.Driver = config.DriverPostgres },
		func(a *config.Answers) { a.Database.Driver = config.DriverMySQL },
	},
	"database.host": {
		func(a *config.Answers) { a.Database.Host = "db.example.org" },
		func(a *config.Answers) { a.Database.Host = "" },
	},
	"database.port": {func(a *config.Answers) { a.Database.Port = 6543 }},
	"database.name": {func(a *config.Answers) { a.Database.Name = "xmpp" }},
	"database.user": {func(a *config.Answers) { a.Database.User = "xmpp" }},
	"database.password": {func(a *config.Answers) {
		if a.NetworkDB() {
			a.Database.Password = "another-password"
		}
	}},
	"components.muc": {
		func(a *config.Answers) { a.Components.MUC = "" },
		func(a *config.Answers) { a.Components.MUC = "rooms." + a.Domains[0] },
		func(a *config.Answers) { a.Components.MUC = "rooms.example.com" },
	},
	"components.upload": {
		func(a *config.Answers) { a.Components.Upload = "" },
		func(a *config.Answers) { a.Components.Upload = "files." + a.Domains[0] },
	},
	"components.proxy65": {
		func(a *config.Answers) { a.Components.Proxy65 = "" },
		func(a *config.Answers) { a.Components.Proxy65 = "proxy65." + a.Domains[0] },
	},
	"turn.host": {
		func(a *config.Answers) { a.TURN.Host = "" },
		func(a *config.Answers) { a.TURN.Host = "turn." + a.Domains[0] },
	},
	"turn.port": {func(a *config.Answers) { a.TURN.Port = 3479 }},
	"turn.secret": {func(a *config.Answers) {
		if a.TURN.Host != "" {
			a.TURN.Secret = "another-secret"
		}
	}},
	"modules": {
		func(a *config.Answers) { a.Modules.Enable = append(a.Modules.Enable, "lastactivity") },
		func(a *config.Answers) { a.Modules.Enable = append(a.Modules.Enable, "http_openmetrics") },
		func(a *config.Answers) { a.Modules.Disable = append(a.Modules.Disable, "bosh", "websocket") },
		func(a *config.Answers) { a.Modules.Disable = append(a.Modules.Disable, "muc_mam") },
		func(a *config.Answers) { a.Modules.Enable, a.Modules.Disable = nil, nil },
	},
	"ports.c2s":            {func(a *config.Answers) { a.Ports.C2S = 15222 }},
	"ports.c2s_direct_tls": {func(a *config.Answers) { a.Ports.C2SDirectTLS = 0 }, func(a *config.Answers) { a.Ports.C2SDirectTLS = 5223 }},
	"ports.s2s":            {func(a *config.Answers) { a.Ports.S2S = 15269 }},
	"ports.https":          {func(a *config.Answers) { a.Ports.HTTPS = 443 }, func(a *config.Answers) { a.Ports.HTTPS = 0 }},
	"ports.proxy65":        {func(a *config.Answers) { a.Ports.Proxy65 = 15000 }},
	"owner": {func(a *config.Answers) {
		a.Owner = config.Owner{UID: 1234, GID: 1234}
	}},
}

// markedFiles are the files whose templates mark their lines: the ones the
// wizard previews.
var markedFiles = []string{"prosody.cfg.lua", "compose.yaml"}

// TestMarksCoverWhatEachAnswerChanges: for every answers file under
// testdata and every change of one answer, each line of prosody.cfg.lua
// and compose.yaml that reads differently, or is there in one plan only,
// carries that answer's mark, in the plan it is in. So the wizard, which
// highlights a question's marks, shows every line the question changes.
// Blank lines are left out: a highlight does not show on them, and a diff
// may pair them either way.
func TestMarksCoverWhatEachAnswerChanges(t *testing.T) {
	changed := map[string]int{} // field → changes that changed a marked file
	bases := map[string]config.Answers{}
	for _, name := range goldenCases(t) {
		a, err := config.Load(filepath.Join(answersDir, name+".yaml"))
		if err != nil {
			t.Fatal(err)
		}
		bases[name] = a
	}
	// What the answers files lack: a host with a TURN server.
	a, err := config.Parse([]byte("version: 1\ndeploy: host\ndomains: [example.org]\nturn: {host: turn.example.org, secret: s3cret}\n"))
	if err != nil {
		t.Fatal(err)
	}
	bases["host-turn"] = a
	for name, base := range bases {
		before := marksPlan(t, base)
		for field, changes := range answerChanges {
			for i, change := range changes {
				a := cloneAnswers(base)
				change(&a)
				a.Normalize()
				if _, problems := config.Resolve(a); len(problems) > 0 {
					continue // that change does not make sense here
				}
				after := marksPlan(t, a)
				t.Run(fmt.Sprintf("%s/%s/%d", name, field, i), func(t *testing.T) {
					for _, f := range markedFiles {
						old, ok1 := previewed(before, base, f)
						new, ok2 := previewed(after, a, f)
						if !ok1 || !ok2 {
							continue // a file of one kind of setup only
						}
						gone, added := changedLines(string(old.Data), string(new.Data))
						if len(gone)+len(added) > 0 {
							changed[field]++
						}
						checkMarked(t, f+" before", old, field, gone)
						checkMarked(t, f+" after", new, field, added)
					}
				})
			}
		}
	}
	for field := range answerChanges {
		if changed[field] == 0 && !slices.Contains([]string{"tls.email"}, field) {
			t.Errorf("no change of %s changed %v in any answers file: the test proves nothing for it", field, markedFiles)
		}
	}
}

func checkMarked(t *testing.T, what string, f File, field string, lines []int) {
	t.Helper()
	marked := f.Marks.Lines(field)
	text := strings.Split(string(f.Data), "\n")
	for _, n := range lines {
		if !slices.ContainsFunc(marked, func(r LineRange) bool { return r.From <= n && n <= r.To }) {
			t.Errorf("%s: line %d %q changed, but %s does not mark it (marks %v)", what, n, text[n-1], field, marked)
		}
	}
}

// marksPlan plans answers with pinned inputs, the owner the answers name,
// and the generated secrets given, so that only the answers tell plans
// apart.
func marksPlan(t *testing.T, a config.Answers) Plan {
	t.Helper()
	if a.NetworkDB() && a.Database.Password == "" {
		a.Database.Password = "pinned-password"
	}
	if a.TURN.Host != "" && a.TURN.Secret == "" {
		a.TURN.Secret = "pinned-secret"
	}
	cryptotest.SetGlobalRandom(t, 1)
	in := goldenInputs(a)
	if a.Owner.UID >= 0 {
		in.Owner = a.Owner
	}
	p, err := planAnswers(a, in)
	if err != nil {
		t.Fatalf("plan: %v", err)
	}
	return p
}

// previewed is the plan's file the wizard previews as name.
func previewed(p Plan, a config.Answers, name string) (File, bool) {
	if name == "prosody.cfg.lua" {
		return p.File(ConfigPath(a))
	}
	return p.File(name)
}

func cloneAnswers(a config.Answers) config.Answers {
	a.Domains = slices.Clone(a.Domains)
	a.Admins = slices.Clone(a.Admins)
	a.Modules.Enable = slices.Clone(a.Modules.Enable)
	a.Modules.Disable = slices.Clone(a.Modules.Disable)
	return a
}

// changedLines diffs two texts by lines (testkit.ChangedLines) and
// returns the numbers, from 1, of the lines only old has and of those only
// new has, blank lines left out.
func changedLines(old, new string) (gone, added []int) {
	gone, added = testkit.ChangedLines(strings.Split(old, "\n"), strings.Split(new, "\n"))
	for i := range gone {
		gone[i]++
	}
	for i := range added {
		added[i]++
	}
	return gone, added
}

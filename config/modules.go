package config

import (
	"fmt"
	"slices"
	"strings"
)

// EnabledModule is a module of the resolved set and why it is there.
type EnabledModule struct {
	Module
	Reason string // "recommended", "you enabled it", "needed by bookmarks", …
	// Follows names the answers, besides modules.enable and
	// modules.disable, that decide whether it is there and how the
	// config describes it: "federation" for dialback, "prosody" for a
	// module one series lacks, a dependency those of the modules needing
	// it. Empty when it is there whatever the other answers are.
	Follows []string
}

// ModuleSet is the resolved set of modules for one setup, as Prosody's
// config will carry it.
type ModuleSet struct {
	Global []EnabledModule // the global modules_enabled, in display order
	MUC    []EnabledModule // modules_enabled inside the MUC component
	// Disabled lists auto-loaded modules turned off (modules_disabled).
	Disabled []string
	// Implied are loaded by Prosody itself through dependencies or options;
	// shown to the person, never written.
	Implied []EnabledModule
}

// Names returns the names of the global modules, in order.
func (s ModuleSet) Names() []string {
	names := make([]string, len(s.Global))
	for i, m := range s.Global {
		names[i] = m.Name
	}
	return names
}

// recommendation is one module of the recommended set and when it applies.
type recommendation struct {
	name   string
	reason string
	when   func(a Answers, c ModuleCatalog) bool
	// follows names the answers when reads (see EnabledModule.Follows).
	follows []string
}

func always(Answers, ModuleCatalog) bool { return true }

// recommended is the modern default set, in the order Prosody's own sample
// config lists modules, then the newer ones.
var recommended = []recommendation{
	{"roster", "contact lists", always, nil},
	{"saslauth", "login", always, nil},
	{"tls", "encryption (STARTTLS)", always, nil},
	{"dialback", "federation", func(a Answers, _ ModuleCatalog) bool { return a.Federation }, []string{"federation"}},
	{"disco", "service discovery", always, nil},
	{"carbons", "recommended", always, nil},
	{"pep", "recommended", always, nil},
	{"private", "recommended", always, nil},
	{"blocklist", "recommended", always, nil},
	{"vcard4", "recommended", always, nil},
	{"vcard_legacy", "recommended", always, nil},
	{"limits", "recommended", always, nil},
	{"version", "recommended", always, nil},
	{"uptime", "recommended", always, nil},
	{"time", "recommended", always, nil},
	{"ping", "recommended", always, nil},
	{"register", "password changes", always, nil},
	{"mam", "recommended", always, nil},
	{"csi_simple", "recommended", always, nil},
	{"smacks", "recommended", always, nil},
	{"bookmarks", "recommended", always, nil},
	{"cloud_notify", "recommended", func(a Answers, c ModuleCatalog) bool {
		// Core in 13.0; on 0.12 it comes from prosody-modules, which the
		// generated image installs but a host may not have.
		o := c["cloud_notify"].In[a.Prosody]
		return o == Core || o == Community && a.Container()
	}, []string{"prosody", "deploy"}},
	{"account_activity", "recommended", func(a Answers, c ModuleCatalog) bool { return c["account_activity"].In[a.Prosody] == Core }, []string{"prosody"}},
	{"server_contact_info", "recommended", always, nil},
	{"bosh", "web clients", httpsOn, []string{"ports.https"}},
	{"websocket", "web clients", httpsOn, []string{"ports.https"}},
	{"turn_external", "audio and video calls", func(a Answers, _ ModuleCatalog) bool { return a.TURN.Host != "" }, []string{"turn.host"}},
	{"admin_adhoc", "administration", always, nil},
	{"admin_shell", "administration", always, nil},
	{"invites", "account invitations", invitations, []string{"registration", "prosody"}},
	{"invites_adhoc", "invite registration", isInvite, []string{"registration"}},
	{"invites_register", "account invitations", invitations, []string{"registration", "prosody"}},
}

func isInvite(a Answers, _ ModuleCatalog) bool { return a.Registration == RegistrationInvite }

// invitations: account invitations (XEP-0401) are on for invite
// registration, and always on 13.0, where they are how the first admin
// account is made without typing a password into a shell (prosodyctl
// shell invite create_account; 13.0's prosodyctl adduser also needs the
// running server). Only admins create them: invites_adhoc, which lets
// clients create them, stays with invite registration.
func invitations(a Answers, c ModuleCatalog) bool {
	return isInvite(a, c) || a.Prosody == Series13
}

// httpsOn: web clients (BOSH, WebSocket) are served whenever HTTPS is on.
func httpsOn(a Answers, _ ModuleCatalog) bool { return a.Ports.HTTPS != 0 }

// mucRecommended are modules recommended inside the MUC component.
var mucRecommended = []string{"muc_mam"}

// Recommended returns the names of the recommended global modules for these
// answers, before modules.enable and modules.disable are applied.
func Recommended(a Answers) []string {
	c := Catalog()
	var names []string
	for _, r := range recommended {
		if r.when(a, c) && c[r.name].Available(a.Prosody) {
			names = append(names, r.name)
		}
	}
	return names
}

// ChosenModules is the global module selection the answers mean, by name:
// the recommended set minus modules.disable, plus modules.enable, each
// once; before dependencies are added, and without checking the names
// (ResolveModules does both).
func ChosenModules(a Answers) []string {
	chosen := keptRecommended(Recommended(a), a.Modules.Disable)
	for _, m := range a.Modules.Enable {
		if !slices.Contains(chosen, m) {
			chosen = append(chosen, m)
		}
	}
	return chosen
}

// keptRecommended is the recommended modules not in disable.
func keptRecommended(recommended, disable []string) []string {
	var kept []string
	for _, m := range recommended {
		if !slices.Contains(disable, m) {
			kept = append(kept, m)
		}
	}
	return kept
}

// inMUC reports whether a module runs inside the MUC component rather than
// on VirtualHosts: a component-only module that depends on muc.
func inMUC(m Module) bool {
	return m.Needs&NeedsComponent != 0 && slices.Contains(m.Depends, "muc")
}

// ResolveModules turns the answers into the module set: the recommended set
// for the series and answers, minus modules.disable, plus modules.enable,
// plus the dependencies they pull in. It returns a Problem for every module
// it cannot use, naming the field.
func ResolveModules(a Answers) (ModuleSet, Problems) {
	c := Catalog()
	var set ModuleSet
	var p problems
	s := a.Prosody
	global := map[string]bool{}
	muc := map[string]bool{}
	add := func(m Module, reason string, follows []string) {
		e := EnabledModule{m, reason, followsSeries(m, follows)}
		if inMUC(m) {
			if !muc[m.Name] {
				muc[m.Name] = true
				set.MUC = append(set.MUC, e)
			}
			return
		}
		if !global[m.Name] {
			global[m.Name] = true
			set.Global = append(set.Global, e)
		}
	}

	recommended := Recommended(a)
	toEnable := map[string]bool{}
	for _, name := range a.Modules.Enable {
		toEnable[name] = true
	}
	disabled := map[string]bool{}
	for i, name := range a.Modules.Disable {
		field := fmt.Sprintf("modules.disable[%d]", i)
		_, known := c[name]
		switch {
		case name == "":
			p.add(field, "is empty; write a module name without \"mod_\", e.g. carbons")
		case disabled[name]:
			p.add(field, "%s is listed twice", quoted(name))
		case !known:
			p.add(field, "%s %s", quoted(name), c.why(name, s))
		case toEnable[name]:
			p.add(field, "%s is also in modules.enable; keep it in one list", quoted(name))
		case !slices.Contains(recommended, name) && !(a.Components.MUC != "" && slices.Contains(mucRecommended, name)):
			p.add(field, "%s is not in the recommended set for these answers, so there is nothing to disable (recommended: %s)", quoted(name), joinNames(recommended))
		default:
			if why := lockout(a, name); why != "" {
				p.add(field, "%s", why)
			}
		}
		disabled[name] = true
	}

	for _, name := range keptRecommended(recommended, a.Modules.Disable) {
		r := c.recommendation(name)
		add(c[name], r.reason, r.follows)
	}
	if a.Components.MUC != "" {
		for _, name := range mucRecommended {
			if !disabled[name] && c[name].Available(s) {
				add(c[name], "group chat archive", []string{"components.muc"})
			}
		}
	}

	enabled := map[string]bool{}
	for i, name := range a.Modules.Enable {
		field := fmt.Sprintf("modules.enable[%d]", i)
		m, known := c[name]
		if name == "" {
			p.add(field, "is empty; write a module name without \"mod_\", e.g. carbons")
			continue
		}
		if enabled[name] {
			p.add(field, "%s is listed twice", quoted(name))
			continue
		}
		enabled[name] = true
		if name == "turn_external" && a.TURN.Host == "" {
			p.add(field, "\"turn_external\" hands out credentials for a TURN server, but turn.host is \"\" (calls support off); set turn.host to the TURN server's name or address, which enables it for you")
			continue
		}
		if known && inMUC(m) && m.Available(s) {
			if a.Components.MUC == "" {
				p.add(field, "%s runs inside the group chat component, which is off (set components.muc)", quoted(name))
				continue
			}
			add(m, "you enabled it", nil)
			continue
		}
		if why := c.why(name, s); why != "" {
			p.add(field, "%s %s", quoted(name), why)
			continue
		}
		if m.Needs&NeedsHTTP != 0 && a.Ports.HTTPS == 0 {
			p.add(field, "%s is served over HTTPS, but ports.https is 0 (off)", quoted(name))
			continue
		}
		add(m, "you enabled it", nil)
	}

	// Pull in dependencies, transitively, in a stable order.
	implied := map[string]bool{}
	neededBy := map[string][]string{} // disabled module → enabled ones needing it
	for i := 0; i < len(set.Global)+len(set.MUC); i++ {
		var m EnabledModule
		if i < len(set.Global) {
			m = set.Global[i]
		} else {
			m = set.MUC[i-len(set.Global)]
		}
		for _, dep := range m.Depends {
			d, ok := c[dep]
			if global[dep] {
				// Needed by more than one: it follows each of them.
				if j := slices.IndexFunc(set.Global, func(e EnabledModule) bool { return e.Name == dep }); strings.HasPrefix(set.Global[j].Reason, "needed by ") {
					set.Global[j].Follows = union(set.Global[j].Follows, m.Follows)
				}
			}
			if !ok || global[dep] || muc[dep] || implied[dep] || dep == "muc" {
				continue
			}
			reason := "needed by " + m.Name
			if disabled[dep] {
				neededBy[dep] = append(neededBy[dep], m.Name)
				continue
			}
			if d.Implicit || d.AutoLoaded[s] {
				implied[dep] = true
				set.Implied = append(set.Implied, EnabledModule{d, reason, followsSeries(d, m.Follows)})
				continue
			}
			add(d, reason, m.Follows)
		}
	}

	for _, dep := range a.Modules.Disable {
		if users := neededBy[dep]; len(users) > 0 {
			p.add(fieldOf(a.Modules.Disable, dep, "modules.disable"), "%s is needed by %s, which %s enabled; disable those too, or keep it",
				quoted(dep), joinNames(users), map[bool]string{true: "is", false: "are"}[len(users) == 1])
			neededBy[dep] = nil
		}
	}

	// Conflicts.
	for _, m := range set.Global {
		for _, other := range m.Conflicts {
			if global[other] && m.Name < other {
				field := "modules.enable"
				if j := slices.Index(a.Modules.Enable, m.Name); j >= 0 {
					field = fmt.Sprintf("modules.enable[%d]", j)
				} else if j := slices.Index(a.Modules.Enable, other); j >= 0 {
					field = fmt.Sprintf("modules.enable[%d]", j)
				}
				p.add(field, "%q and %q conflict; enable one (put the other in modules.disable)", m.Name, other)
			}
		}
	}

	if !a.Federation {
		set.Disabled = append(set.Disabled, "s2s")
	}
	return set, p.list
}

// lockout says why disabling a recommended module would leave nobody able
// to log in, or "".
func lockout(a Answers, name string) string {
	switch {
	case name == "saslauth":
		return "\"saslauth\" is how clients log in (SASL); without it nobody can log in, so keep it"
	case name == "tls" && a.Ports.C2SDirectTLS == 0:
		return "\"tls\" encrypts client connections (STARTTLS), and Prosody lets nobody log in without encryption; keep it, or set ports.c2s_direct_tls (5223) so that clients use TLS from the start"
	}
	return ""
}

// recommendation returns the recommended set's entry for a module.
func (c ModuleCatalog) recommendation(name string) recommendation {
	for _, r := range recommended {
		if r.name == name {
			return r
		}
	}
	return recommendation{name: name, reason: "recommended"}
}

// followsSeries is follows, plus "prosody" when the module is not the same
// in every series (missing from one, or loaded by Prosody itself in one).
func followsSeries(m Module, follows []string) []string {
	for _, s := range AllSeries[1:] {
		if m.In[s] != m.In[AllSeries[0]] || m.AutoLoaded[s] != m.AutoLoaded[AllSeries[0]] {
			return union(follows, []string{"prosody"})
		}
	}
	return follows
}

// union is a followed by the names of b it lacks, as a new list.
func union(a, b []string) []string {
	out := slices.Clone(a)
	for _, n := range b {
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

func fieldOf(list []string, name, field string) string {
	if i := slices.Index(list, name); i >= 0 {
		return fmt.Sprintf("%s[%d]", field, i)
	}
	return field
}

func joinNames(names []string) string {
	out := ""
	for i, n := range names {
		if i > 0 {
			out += ", "
		}
		out += n
	}
	return out
}

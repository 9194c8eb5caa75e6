package config

import (
	"fmt"
	"sort"
	"strings"
	"sync"
)

// Series is a Prosody release line the wizard can target.
type Series string

// The Prosody series prosody-wizard targets: Debian bookworm ships 0.12.3,
// bookworm-backports ships 13.0.1.
const (
	Series012 Series = "0.12"
	Series13  Series = "13.0"
)

// AllSeries lists the supported series, oldest first.
var AllSeries = []Series{Series012, Series13}

// Origin says where a module comes from in one series.
type Origin int

// Where a module comes from. Community modules are usable only when Debian's
// prosody-modules package ships them (the generated image installs it).
const (
	Missing   Origin = iota // not available in this series
	Core                    // shipped with Prosody itself
	Community               // from Debian's prosody-modules package
)

// Need is something a module requires from the rest of the setup.
type Need uint8

// Needs a module may have.
const (
	NeedsHTTP      Need = 1 << iota // served by mod_http (the https port)
	NeedsArchive                    // an archive-capable store (internal and sql are)
	NeedsComponent                  // runs only as a Component, never in modules_enabled
)

// Module is one entry of the ModuleCatalog: what a Prosody module does, in
// which series it exists and what it pulls in.
type Module struct {
	Name    string // without "mod_"
	Summary string // one line, our own words
	Group   string // one of Groups
	// In says where the module comes from per series; a series absent from
	// the map means Missing.
	In map[Series]Origin
	// Depends lists modules loaded through module:depends (per Prosody's
	// source); the resolver pulls them in.
	Depends []string
	Needs   Need
	// AutoLoaded modules are loaded on every VirtualHost without being listed
	// (e.g. c2s, presence); listing them is pointless.
	AutoLoaded map[Series]bool
	// Implicit modules are loaded by Prosody itself through a dependency or an
	// option (http_errors, cron, auth_*, storage_*); they are never listed in
	// modules_enabled and cannot be chosen directly.
	Implicit bool
	// Conflicts names modules that must not be loaded together with this one.
	Conflicts []string
	// Broken, when set, says why the module cannot be used on Debian's
	// packages (e.g. a dependency that is not packaged); it is refused.
	Broken string
}

// Groups orders the module groups the way the wizard shows them.
var Groups = []string{
	"Core protocol",
	"Client experience",
	"Accounts",
	"Admin",
	"HTTP",
	"Components",
	"Services",
	"Network",
	"Debug",
	"Auth and storage",
}

// DocURL is the module's documentation page.
func (m Module) DocURL() string {
	if m.In[Series13] == Core || m.In[Series012] == Core {
		return "https://prosody.im/doc/modules/mod_" + m.Name
	}
	return "https://modules.prosody.im/mod_" + m.Name + ".html"
}

// Available reports whether the module can be used on series s.
func (m Module) Available(s Series) bool {
	return m.In[s] != Missing && m.Broken == ""
}

// ModuleCatalog is the set of modules prosody-wizard knows, by name.
type ModuleCatalog map[string]Module

// Catalog returns the built-in module catalog.
func Catalog() ModuleCatalog { return builtinCatalog() }

// builtinCatalog indexes catalogModules by name on first use rather than at
// package init, which every run (--version too) would pay for.
var builtinCatalog = sync.OnceValue(func() ModuleCatalog {
	mods := catalogModules()
	c := make(ModuleCatalog, len(mods))
	for _, m := range mods {
		if _, dup := c[m.Name]; dup {
			panic("config: module listed twice in the catalog: " + m.Name)
		}
		c[m.Name] = m
	}
	return c
})

// Names returns every module name in the catalog, sorted.
func (c ModuleCatalog) Names() []string {
	names := make([]string, 0, len(c))
	for n := range c {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Choosable returns the modules a person may enable on series s, grouped in
// the order of Groups, each group sorted by name.
func (c ModuleCatalog) Choosable(s Series) []Module {
	var out []Module
	for _, n := range c.Names() {
		m := c[n]
		if m.Available(s) && !m.Implicit && !m.AutoLoaded[s] && m.Needs&NeedsComponent == 0 {
			out = append(out, m)
		}
	}
	rank := map[string]int{}
	for i, g := range Groups {
		rank[g] = i
	}
	sort.SliceStable(out, func(i, j int) bool { return rank[out[i].Group] < rank[out[j].Group] })
	return out
}

// why explains in one phrase why module name cannot be enabled on series s,
// or returns "" when it can.
func (c ModuleCatalog) why(name string, s Series) string {
	m, ok := c[name]
	switch {
	case strings.HasPrefix(name, "mod_"):
		return fmt.Sprintf("write module names without \"mod_\": %s", quoted(strings.TrimPrefix(name, "mod_")))
	case strings.HasPrefix(name, "auth_") || strings.HasPrefix(name, "storage_"):
		return "is an authentication or storage module: Prosody loads it from its settings (storage follows database.driver), never from a module list"
	case !ok:
		if near := c.nearest(name); near != "" {
			return fmt.Sprintf("is not a module prosody-wizard knows (did you mean %s?)", quoted(near))
		}
		return "is not a module prosody-wizard knows; see the module list in README.md"
	case m.Broken != "":
		return "cannot be used: " + m.Broken
	case m.Needs&NeedsComponent != 0:
		return "runs as a component: set it under components instead"
	case m.Implicit:
		return "is loaded automatically when needed; do not list it"
	case m.AutoLoaded[s]:
		return fmt.Sprintf("is always loaded by Prosody %s; do not list it", s)
	case m.In[s] == Missing:
		var has []string
		for _, o := range AllSeries {
			if m.In[o] != Missing {
				has = append(has, string(o))
			}
		}
		return fmt.Sprintf("is not available in Prosody %s (it is in %s)", s, strings.Join(has, ", "))
	}
	return ""
}

// nearest returns a catalog name within edit distance 2 of name, if any.
func (c ModuleCatalog) nearest(name string) string {
	return nearestWord(name, c.Names())
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

package config

import (
	"bufio"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
)

// prosodyModulesDir is where Debian's prosody and prosody-modules install
// their modules.
const prosodyModulesDir = "/usr/lib/prosody/modules"

func TestCatalogDataConsistent(t *testing.T) {
	c := Catalog()
	groups := map[string]bool{}
	for _, g := range Groups {
		groups[g] = true
	}
	seen := map[string]bool{}
	mods := catalogModules()
	for i, m := range mods {
		if seen[m.Name] {
			t.Errorf("%s: listed twice", m.Name)
		}
		seen[m.Name] = true
		if i > 0 && mods[i-1].Name >= m.Name {
			t.Errorf("catalogModules not sorted by name: %q before %q", mods[i-1].Name, m.Name)
		}
		if m.Name == "" || strings.HasPrefix(m.Name, "mod_") || strings.ContainsAny(m.Name, " \t\n") {
			t.Errorf("%q: bad module name", m.Name)
		}
		if !groups[m.Group] {
			t.Errorf("%s: group %q is not one of Groups", m.Name, m.Group)
		}
		if strings.TrimSpace(m.Summary) == "" {
			t.Errorf("%s: empty summary", m.Name)
		}
		if strings.ContainsAny(m.Summary, "\r\n") {
			t.Errorf("%s: summary is not a single line", m.Name)
		}
		if m.Summary != strings.TrimSpace(m.Summary) {
			t.Errorf("%s: summary has surrounding spaces", m.Name)
		}
		if n := len([]rune(m.Summary)); n > 70 {
			t.Errorf("%s: summary is %d characters long, keep it under 70", m.Name, n)
		}
		var in []Series
		for s, o := range m.In {
			if s != Series012 && s != Series13 {
				t.Errorf("%s: unknown series %q in In", m.Name, s)
			}
			if o != Missing {
				in = append(in, s)
			}
		}
		if len(in) == 0 {
			t.Errorf("%s: available in no series", m.Name)
		}
		for s, auto := range m.AutoLoaded {
			if auto && m.In[s] != Core {
				t.Errorf("%s: autoloaded on %s but not a core module there", m.Name, s)
			}
		}
		if m.Needs&NeedsComponent != 0 {
			for s, auto := range m.AutoLoaded {
				if auto {
					t.Errorf("%s: a component module cannot be autoloaded on %s", m.Name, s)
				}
			}
		}
		for _, d := range m.Depends {
			dep, ok := c[d]
			switch {
			case d == m.Name:
				t.Errorf("%s: depends on itself", m.Name)
			case !ok:
				t.Errorf("%s: depends on %q, which is not in the catalog", m.Name, d)
			default:
				// Depends is shared by every series, so each dependency
				// must exist wherever the module does.
				for _, s := range in {
					if dep.In[s] == Missing {
						t.Errorf("%s: depends on %s, which is missing on %s", m.Name, d, s)
					}
				}
			}
		}
		if !sort.StringsAreSorted(m.Depends) {
			t.Errorf("%s: Depends not sorted: %v", m.Name, m.Depends)
		}
		for _, x := range m.Conflicts {
			other, ok := c[x]
			switch {
			case x == m.Name:
				t.Errorf("%s: conflicts with itself", m.Name)
			case !ok:
				t.Errorf("%s: conflicts with %q, which is not in the catalog", m.Name, x)
			case !slices.Contains(other.Conflicts, m.Name):
				t.Errorf("%s conflicts with %s but not the other way round", m.Name, x)
			}
			if slices.Contains(m.Depends, x) {
				t.Errorf("%s: both depends on and conflicts with %s", m.Name, x)
			}
		}
	}
}

// TestCatalogDataKnownFacts pins down facts the wizard relies on.
func TestCatalogDataKnownFacts(t *testing.T) {
	c := Catalog()
	auto := map[Series][]string{
		Series012: {"c2s", "iq", "message", "offline", "posix", "presence", "s2s", "s2s_auth_certs"},
		Series13:  {"c2s", "iq", "message", "offline", "presence", "s2s", "s2s_auth_certs"},
	}
	for _, s := range AllSeries {
		var got []string
		for _, n := range c.Names() {
			if c[n].AutoLoaded[s] {
				got = append(got, n)
			}
		}
		if strings.Join(got, " ") != strings.Join(auto[s], " ") {
			t.Errorf("autoloaded on %s: got %v, want %v", s, got, auto[s])
		}
	}
	tests := []struct {
		name   string
		series Series
		want   Origin
	}{
		{"cloud_notify", Series012, Community},
		{"cloud_notify", Series13, Core},
		{"http_altconnect", Series012, Missing},
		{"http_altconnect", Series13, Core},
		{"invites_register_web", Series012, Missing},
		{"invites_register_web", Series13, Community},
		{"password_policy", Series012, Missing},
		{"password_policy", Series13, Community},
		{"http_upload", Series13, Missing},
		{"vcard_muc", Series13, Missing},
		{"smacks", Series012, Core},
		{"account_activity", Series012, Missing},
		{"account_activity", Series13, Core},
	}
	for _, tt := range tests {
		if got := c[tt.name].In[tt.series]; got != tt.want {
			t.Errorf("%s on %s: origin %d, want %d", tt.name, tt.series, got, tt.want)
		}
	}
	for _, pair := range [][2]string{{"vcard", "vcard_legacy"}, {"pep", "pep_simple"}} {
		if !slices.Contains(c[pair[0]].Conflicts, pair[1]) || !slices.Contains(c[pair[1]].Conflicts, pair[0]) {
			t.Errorf("%s and %s must conflict both ways", pair[0], pair[1])
		}
	}
	for _, n := range []string{"muc", "muc_mam", "muc_moderation", "vcard_muc", "http_file_share", "proxy65", "pubsub", "http_upload", "http_upload_external", "component"} {
		if c[n].Needs&NeedsComponent == 0 {
			t.Errorf("%s must be marked NeedsComponent", n)
		}
	}
	for _, n := range []string{"mam", "muc_mam", "offline", "http_file_share"} {
		if c[n].Needs&NeedsArchive == 0 {
			t.Errorf("%s must be marked NeedsArchive", n)
		}
	}
	for _, n := range c.Names() {
		if (strings.HasPrefix(n, "auth_") || strings.HasPrefix(n, "storage_")) && !c[n].Implicit {
			t.Errorf("%s must be Implicit", n)
		}
	}
}

// installedSeries returns the Prosody series installed through dpkg, or
// skips the test (fails it when PW_REQUIRE_PROSODY=1) when there is none
// this catalog covers.
func installedSeries(t *testing.T) Series {
	t.Helper()
	required := os.Getenv("PW_REQUIRE_PROSODY") == "1"
	stop := func(format string, args ...any) {
		t.Helper()
		if required {
			t.Fatalf(format+" (PW_REQUIRE_PROSODY=1)", args...)
		}
		t.Skipf(format+"; set PW_REQUIRE_PROSODY=1 to make this a failure", args...)
	}
	if fi, err := os.Stat(prosodyModulesDir); err != nil || !fi.IsDir() {
		stop("Prosody is not installed: no %s", prosodyModulesDir)
	}
	v, err := dpkgVersion("prosody")
	if err != nil {
		stop("Prosody is not installed: %v", err)
	}
	switch {
	case strings.HasPrefix(v, "0.12"):
		return Series012
	case strings.HasPrefix(v, "13.0"):
		return Series13
	}
	stop("installed prosody %s is not a series the catalog covers", v)
	return ""
}

func dpkgVersion(pkg string) (string, error) {
	out, err := exec.Command("dpkg-query", "-W", "-f=${Version}", pkg).Output()
	if err != nil {
		return "", err
	}
	v := strings.TrimSpace(string(out))
	if v == "" {
		return "", os.ErrNotExist
	}
	return v, nil
}

// packageModules returns the loadable modules a dpkg package installed in
// prosodyModulesDir: module name → the files of the module (the main file
// first, then any other .lua file in its own directory). Prosody's
// pluginloader finds mod_X/X/mod_X.lua, mod_X/mod_X.lua, X/mod_X.lua and
// mod_X.lua; a mod_X/ directory without such a file (13.0's
// mod_debug_stanzas/, a library used by admin_shell) is not a module.
func packageModules(t *testing.T, pkg string) map[string][]string {
	t.Helper()
	out, err := exec.Command("dpkg", "-L", pkg).Output()
	if err != nil {
		t.Fatalf("dpkg -L %s: %v", pkg, err)
	}
	var files []string
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		if p := sc.Text(); strings.HasPrefix(p, prosodyModulesDir+"/") && strings.HasSuffix(p, ".lua") {
			files = append(files, p)
		}
	}
	mods := map[string][]string{}
	for _, p := range files {
		rel := strings.Split(strings.TrimPrefix(p, prosodyModulesDir+"/"), "/")
		base := rel[len(rel)-1]
		if !strings.HasPrefix(base, "mod_") {
			continue
		}
		name := strings.TrimSuffix(strings.TrimPrefix(base, "mod_"), ".lua")
		ok := false
		switch len(rel) {
		case 1:
			ok = true
		case 2:
			ok = rel[0] == "mod_"+name || rel[0] == name
		case 3:
			ok = rel[0] == "mod_"+name && rel[1] == name
		}
		if !ok {
			continue
		}
		mods[name] = []string{p}
		if len(rel) > 1 {
			// Libraries that the module loads with module:require live
			// beside it.
			dir := filepath.Dir(p)
			for _, q := range files {
				if q != p && filepath.Dir(q) == dir {
					mods[name] = append(mods[name], q)
				}
			}
		}
	}
	return mods
}

func TestCatalogMatchesInstalledProsody(t *testing.T) {
	s := installedSeries(t)
	c := Catalog()
	core := packageModules(t, "prosody")
	if len(core) == 0 {
		t.Fatal("dpkg -L prosody lists no module")
	}
	for _, name := range slices.Sorted(maps.Keys(core)) {
		m, ok := c[name]
		switch {
		case !ok:
			t.Errorf("core module %s of the installed Prosody %s is not in the catalog", name, s)
		case m.In[s] != Core:
			t.Errorf("%s: the installed Prosody %s ships it, but the catalog says origin %d there", name, s, m.In[s])
		}
	}
	for _, name := range c.Names() {
		if c[name].In[s] == Core && core[name] == nil {
			t.Errorf("%s: the catalog says it is core in %s, but the prosody package does not ship it", name, s)
		}
	}

	if _, err := dpkgVersion("prosody-modules"); err != nil {
		if os.Getenv("PW_REQUIRE_PROSODY") == "1" {
			t.Fatalf("prosody-modules is not installed: %v (PW_REQUIRE_PROSODY=1)", err)
		}
		t.Skipf("prosody-modules is not installed (%v): community modules not checked", err)
	}
	community := packageModules(t, "prosody-modules")
	for _, name := range c.Names() {
		m := c[name]
		if m.In[s] == Community {
			if community[name] == nil {
				t.Errorf("%s: the catalog says prosody-modules ships it for %s, but the installed package has no loadable mod_%s", name, s, name)
				continue
			}
			if _, err := os.Stat(community[name][0]); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		}
		// A packaged module may be Missing only when something it needs
		// is missing on this series (invites_register_web on 0.12).
		if m.In[s] == Missing && community[name] != nil && core[name] == nil && !unmetDependency(c, m, s) {
			t.Errorf("%s: prosody-modules ships it for %s, but the catalog says it is missing there", name, s)
		}
	}
}

func unmetDependency(c ModuleCatalog, m Module, s Series) bool {
	for _, d := range m.Depends {
		if c[d].In[s] == Missing {
			return true
		}
	}
	return false
}

// conditionalDepends lists dependencies that a core module's source names
// but that the catalog deliberately leaves out of Depends, with the reason.
// Depends is shared by all series, so a dependency of one series only is
// listed here too.
var conditionalDepends = map[string]map[string]string{
	"auth_internal_hashed": {"tokenauth": "13.0 only"},
	"bosh":                 {"http_altconnect": "13.0 only, a soft dependency on VirtualHosts"},
	"invites":              {"invites": "0.12: inside its prosodyctl command only"},
	"muc":                  {"vcard": "13.0 only, unless muc_vcard = false"},
	"register": {
		"register_ibr":       "only when allow_registration = true",
		"watchregistrations": "only when allow_registration = true",
	},
	"s2s":                     {"s2s_auth_dane_in": "13.0 only, when use_dane = true"},
	"server_contact_info":     {"server_info": "13.0 only; server_info does not exist in 0.12"},
	"tokenauth":               {"cron": "13.0 only (module:daily)"},
	"user_account_management": {"cron": "13.0 only (module:daily)"},
	"websocket":               {"http_altconnect": "13.0 only, a soft dependency on VirtualHosts"},
}

var (
	dependsCall = regexp.MustCompile(`module:depends\s*\(?\s*["']([A-Za-z0-9_]+)["']`)
	cronCall    = regexp.MustCompile(`module:(?:daily|hourly|weekly|cron)\s*\(`)
)

// sourceDepends returns the modules that Lua source text loads through
// module:depends with a literal name, plus cron when it schedules tasks.
func sourceDepends(src string) []string {
	set := map[string]bool{}
	for _, line := range strings.Split(src, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "--") {
			continue
		}
		if i := strings.Index(line, "--"); i >= 0 && !strings.ContainsAny(line[:i], `"'`) {
			line = line[:i]
		}
		for _, m := range dependsCall.FindAllStringSubmatch(line, -1) {
			set[m[1]] = true
		}
		if cronCall.MatchString(line) {
			set["cron"] = true
		}
	}
	return slices.Sorted(maps.Keys(set))
}

func TestSourceDepends(t *testing.T) {
	src := `
module:depends("http");
local mod_pep = module:depends "pep";
module:depends"csi"
	module:depends('adhoc', true);
-- module:depends("commented")
module:daily("Remove expired", function () end);
module:depends(variable_name);
`
	got := strings.Join(sourceDepends(src), " ")
	if want := "adhoc cron csi http pep"; got != want {
		t.Errorf("sourceDepends: got %q, want %q", got, want)
	}
}

func TestCatalogDependsMatchInstalledSource(t *testing.T) {
	s := installedSeries(t)
	c := Catalog()
	core := packageModules(t, "prosody")
	for _, name := range c.Names() {
		m := c[name]
		files := core[name]
		if m.In[s] != Core || files == nil {
			continue
		}
		t.Run(name, func(t *testing.T) {
			var src strings.Builder
			for _, f := range files {
				b, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				src.Write(b)
				src.WriteString("\n")
			}
			found := sourceDepends(src.String())
			for _, d := range found {
				if slices.Contains(m.Depends, d) {
					continue
				}
				if reason, ok := conditionalDepends[name][d]; ok {
					t.Logf("%s depends on %s: %s", name, d, reason)
					continue
				}
				t.Errorf("the %s source of %s depends on %s, which is neither in Depends nor in conditionalDepends", s, name, d)
			}
			for _, d := range m.Depends {
				if !slices.Contains(found, d) {
					t.Errorf("Depends lists %s, but the %s source of %s does not load it", d, s, name)
				}
			}
		})
	}
}

package config

import (
	"reflect"
	"slices"
	"testing"
)

func mustResolve(t *testing.T, src string) Setup {
	t.Helper()
	a, err := Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	s, ps := Resolve(a)
	if len(ps) > 0 {
		t.Fatalf("problems: %v", ps)
	}
	return s
}

func TestResolveWorksOutEachFact(t *testing.T) {
	s := mustResolve(t, `version: 1
domains: [münchen.de, example.net]
database: {driver: postgres}
components: {proxy65: proxy.münchen.de}
ports: {c2s_direct_tls: 5223}
`)
	wantHosts := []Host{
		{"münchen.de", "xn--mnchen-3ya.de", HostDomain, "domains[0]"},
		{"example.net", "example.net", HostDomain, "domains[1]"},
		{"conference.münchen.de", "conference.xn--mnchen-3ya.de", HostMUC, "components.muc"},
		{"upload.münchen.de", "upload.xn--mnchen-3ya.de", HostUpload, "components.upload"},
		{"proxy.münchen.de", "proxy.xn--mnchen-3ya.de", HostProxy65, "components.proxy65"},
	}
	if !reflect.DeepEqual(s.Hosts, wantHosts) {
		t.Errorf("hosts:\n got %+v\nwant %+v", s.Hosts, wantHosts)
	}
	if len(s.DomainHosts()) != 2 || len(s.ComponentHosts()) != 3 || !s.Primary().IDN() || s.DomainHosts()[1].IDN() {
		t.Errorf("domains %v, components %v", s.DomainHosts(), s.ComponentHosts())
	}
	if up, ok := s.Host(HostUpload); !ok || up.Name != "upload.münchen.de" {
		t.Errorf("upload host %v %v", up, ok)
	}
	wantPorts := []Port{
		{ServiceC2S, 5222, "client connections (STARTTLS)", false, "ports.c2s", nil, false},
		{ServiceC2SDirectTLS, 5223, "client connections (direct TLS)", true, "ports.c2s_direct_tls", nil, false},
		{ServiceS2S, 5269, "server-to-server (federation)", false, "ports.s2s", []string{"federation"}, false},
		{ServiceHTTPS, 5281, "HTTPS (file sharing, web clients)", true, "ports.https", []string{"proxy.kind"}, false}, // upload and web clients: neither alone; no proxy
		{ServiceProxy65, 5000, "file-transfer proxy (SOCKS5)", false, "ports.proxy65", []string{"components.proxy65"}, false},
	}
	if !reflect.DeepEqual(s.Ports, wantPorts) {
		t.Errorf("ports:\n got %+v\nwant %+v", s.Ports, wantPorts)
	}
	if s.Driver.Name != DriverPostgres || s.Driver.Service != "postgres" || s.DBPort != 5432 {
		t.Errorf("driver %+v, port %d", s.Driver, s.DBPort)
	}
	if s.Out != "./xn--mnchen-3ya.de" || s.TURNHost != "xn--mnchen-3ya.de" || !s.Compose() || s.Series() != Series13 {
		t.Errorf("out %q, TURN host %q, compose %v, series %q", s.Out, s.TURNHost, s.Compose(), s.Series())
	}
	if !slices.Contains(s.Modules.Names(), "bosh") {
		t.Errorf("modules %v lack bosh (web clients, HTTPS on)", s.Modules.Names())
	}
}

// TestResolveHTTPSFollowsModules: the HTTPS port is on only when something
// is served over it, which the resolved module set says.
func TestResolveHTTPSFollowsModules(t *testing.T) {
	for _, c := range []struct {
		src     string
		on      bool
		follows []string
	}{
		{base + "components: {upload: \"\"}\n", true, []string{"modules", "ports.https", "proxy.kind"}}, // web clients
		{base + "components: {upload: \"\"}\nmodules: {disable: [bosh, websocket]}\n", false, nil},
		{base + "components: {upload: \"\"}\nmodules: {disable: [bosh, websocket], enable: [http_openmetrics]}\n", true, []string{"modules", "proxy.kind"}},
		{base + "modules: {disable: [bosh, websocket]}\n", true, []string{"components.upload", "proxy.kind"}},
	} {
		s := mustResolve(t, c.src)
		i := slices.IndexFunc(s.Ports, func(p Port) bool { return p.Service == ServiceHTTPS })
		if on := i >= 0; on != c.on {
			t.Errorf("%s: https on %v, want %v", c.src, on, c.on)
		} else if on && !reflect.DeepEqual(s.Ports[i].Follows, c.follows) {
			t.Errorf("%s: https follows %q, want %q", c.src, s.Ports[i].Follows, c.follows)
		}
	}
}

// TestModulesFollowTheirAnswers: each module says which answers put it in
// the config, a dependency those of the modules needing it, so that the
// wizard can show what an answer changes.
func TestModulesFollowTheirAnswers(t *testing.T) {
	s := mustResolve(t, base+"registration: invite\nturn: {host: example.org}\n")
	want := map[string][]string{
		"roster":            nil,
		"dialback":          {"federation"},
		"account_activity":  {"prosody"},
		"cloud_notify":      {"prosody", "deploy"},
		"bosh":              {"ports.https"},
		"http":              {"ports.https"}, // needed by bosh and websocket
		"invites_register":  {"registration", "prosody"},
		"turn_external":     {"turn.host"},
		"external_services": {"turn.host"}, // needed by turn_external
	}
	got := map[string][]string{}
	for _, m := range s.Modules.Global {
		got[m.Name] = m.Follows
	}
	for name, follows := range want {
		if f, ok := got[name]; !ok || !reflect.DeepEqual(f, follows) {
			t.Errorf("%s follows %q (listed: %v), want %q", name, f, ok, follows)
		}
	}
}

func TestResolveReturnsValidatesProblems(t *testing.T) {
	a, _ := Parse([]byte(base + "owner: {uid: 0, gid: 0}\n"))
	s, ps := Resolve(a)
	if len(ps) == 0 || !reflect.DeepEqual(ps, Validate(a)) || len(s.Hosts) != 0 {
		t.Errorf("Resolve: %v, %+v; Validate: %v", ps, s, Validate(a))
	}
}

func TestDefaultOut(t *testing.T) {
	for _, c := range []struct{ deploy, primary, want string }{
		{DeployCompose, "example.org", "./example.org"},
		{DeployCompose, "münchen.de", "./xn--mnchen-3ya.de"},
		{DeployCompose, "", ""},
		{DeployHost, "example.org", "/"},
		{DeployHost, "", "/"},
	} {
		if got := DefaultOut(c.deploy, c.primary); got != c.want {
			t.Errorf("DefaultOut(%q, %q) = %q, want %q", c.deploy, c.primary, got, c.want)
		}
	}
}

// TestFieldChecks: the per-field checks the wizard calls say what
// validation says about the same value.
func TestFieldChecks(t *testing.T) {
	problem := func(src, field string) string {
		_, ps, _ := parseAndValidate(src)
		for _, p := range ps {
			if p.Field == field {
				return p.Message
			}
		}
		return ""
	}
	for _, c := range []struct {
		src, field, got string
	}{
		{withDomains(`"exa mple.org"`), "domains[0]", HostProblem("exa mple.org")},
		{withDomains(strings100dots), "domains[0]", HostProblem(strings100dots)},
		{with("admins: [bob]\n"), "admins[0]", AdminProblem("bob", []string{"example.org"})},
		{with("admins: [bob@example.net]\n"), "admins[0]", AdminProblem("bob@example.net", []string{"example.org"})},
		{with("owner: {uid: 0, gid: 0}\n"), "owner.uid", UIDProblem(0)},
		{with("owner: {uid: 5, gid: -7}\n"), "owner.gid", GIDProblem(-7)},
		{with("tls: {mode: letsencrypt, email: admin@}\n"), "tls.email", ACMEEmailProblem("admin@")},
		{with("tls: {mode: existing, key: k.pem}\n"), "tls.cert", TLSFileProblem("", TLSCertWhat)},
		{with("database: {driver: postgres, port: 70000}\n"), "database.port", DatabasePortProblem(70000, DriverPostgres)},
		{with("database: {driver: sqlite, name: a-b}\n"), "database.name", DatabaseNameProblem("a-b")},
	} {
		if c.got == "" || problem(c.src, c.field) != c.got {
			t.Errorf("%s: the check says %q, validation %q", c.field, c.got, problem(c.src, c.field))
		}
	}
	for _, ok := range []string{UIDProblem(-1), GIDProblem(0), UIDProblem(1000), DatabasePortProblem(0, DriverMySQL), ACMEEmailProblem("hostmaster@wizard-demo.net"), SecretProblem("a \"quoted\" $secret")} {
		if ok != "" {
			t.Errorf("refused: %s", ok)
		}
	}
}

var strings100dots = func() string {
	s := ""
	for range 100 {
		s += "a."
	}
	return s + "org"
}()

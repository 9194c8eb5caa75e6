package config

import (
	"reflect"
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
		{ServiceC2S, 5222, "client connections (STARTTLS)", false, "ports.c2s"},
		{ServiceC2SDirectTLS, 5223, "client connections (direct TLS)", true, "ports.c2s_direct_tls"},
		{ServiceS2S, 5269, "server-to-server (federation)", false, "ports.s2s"},
		{ServiceHTTPS, 5281, "HTTPS (file sharing, web clients)", true, "ports.https"},
		{ServiceProxy65, 5000, "file-transfer proxy (SOCKS5)", false, "ports.proxy65"},
	}
	if !reflect.DeepEqual(s.Ports, wantPorts) {
		t.Errorf("ports:\n got %+v\nwant %+v", s.Ports, wantPorts)
	}
	if s.Driver.Name != DriverPostgres || s.Driver.Service != "postgres" || s.DBPort != 5432 {
		t.Errorf("driver %+v, port %d", s.Driver, s.DBPort)
	}
	if s.TURNHost != "xn--mnchen-3ya.de" || !s.Compose() || s.Series() != Series13 {
		t.Errorf("TURN host %q, compose %v, series %q", s.TURNHost, s.Compose(), s.Series())
	}
	if !s.Modules.Has("bosh") {
		t.Errorf("modules %v lack bosh (web clients, HTTPS on)", s.Modules.Names())
	}
}

// TestResolveHTTPSFollowsModules: the HTTPS port is on only when something
// is served over it, which the resolved module set says.
func TestResolveHTTPSFollowsModules(t *testing.T) {
	for src, want := range map[string]bool{
		base + "components: {upload: \"\"}\n":                                                                    true, // web clients
		base + "components: {upload: \"\"}\nmodules: {disable: [bosh, websocket]}\n":                             false,
		base + "components: {upload: \"\"}\nmodules: {disable: [bosh, websocket], enable: [http_openmetrics]}\n": true,
	} {
		s := mustResolve(t, src)
		https := false
		for _, p := range s.Ports {
			https = https || p.Service == ServiceHTTPS
		}
		if https != want {
			t.Errorf("%s: https on %v, want %v", src, https, want)
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

package config

import (
	"bytes"
	"testing"
)

// TestProxyAbsentIsToday: without a proxy, or with kind: none, the answers
// are today's, and saving them leaves the proxy key out (the goldens of
// the answers files without one are byte-identical to before).
func TestProxyAbsentIsToday(t *testing.T) {
	plain, err := Parse([]byte(base))
	if err != nil {
		t.Fatal(err)
	}
	for _, src := range []string{base + "proxy: {kind: none}\n", base + "proxy: {kind: \" None \"}\n", base + "proxy:\n"} {
		a, err := Parse([]byte(src))
		if err != nil {
			t.Fatalf("%q: %v", src, err)
		}
		if a.Proxied() || a.Ports.HTTPS != 5281 || a.Proxy != (Proxy{}) {
			t.Errorf("%q: proxied %v, ports.https %d, proxy %+v; want today's", src, a.Proxied(), a.Ports.HTTPS, a.Proxy)
		}
		if !bytes.Equal(Marshal(a), Marshal(plain)) {
			t.Errorf("%q saves as\n%s\nwant\n%s", src, Marshal(a), Marshal(plain))
		}
	}
	if bytes.Contains(Marshal(plain), []byte("\nproxy:")) {
		t.Errorf("answers without a proxy save a proxy key:\n%s", Marshal(plain))
	}
}

// TestProxyPortIsTheProxys: with a proxy, ports.https left out is the
// proxy's 443; given, it is kept; the saved answers read back the same.
func TestProxyPortIsTheProxys(t *testing.T) {
	for _, c := range []struct {
		src  string
		want int
	}{
		{base + "proxy: {kind: nginx}\n", 443},
		{base + "proxy: {kind: Caddy}\nports: {https: 8443}\n", 8443},
	} {
		a, err := Parse([]byte(c.src))
		if err != nil {
			t.Fatal(err)
		}
		if !a.Proxied() || a.Ports.HTTPS != c.want {
			t.Errorf("%q: proxied %v, ports.https %d, want %d", c.src, a.Proxied(), a.Ports.HTTPS, c.want)
		}
		if p := Validate(a); len(p) > 0 {
			t.Errorf("%q: %v", c.src, p)
		}
		again, err := Parse(Marshal(a))
		if err != nil || again.Proxy != a.Proxy || again.Ports != a.Ports {
			t.Errorf("%q does not read back: %+v %v", c.src, again.Proxy, err)
		}
	}
}

// TestProxyPortsStayDirect: behind a proxy, Prosody's plain HTTP is the
// one internal port; no HTTPS port of Prosody's own, and the XMPP ports
// are as without one.
func TestProxyPortsStayDirect(t *testing.T) {
	a, err := Parse([]byte(base + "proxy: {kind: traefik}\nports: {c2s_direct_tls: 5223}\n"))
	if err != nil {
		t.Fatal(err)
	}
	s, p := Resolve(a)
	if len(p) > 0 {
		t.Fatal(p)
	}
	var internal, direct []Service
	for _, port := range s.Ports {
		if port.Internal {
			internal = append(internal, port.Service)
			if port.Number != HTTPPort || port.DirectTLS {
				t.Errorf("internal port %+v, want plain HTTP on %d", port, HTTPPort)
			}
		} else {
			direct = append(direct, port.Service)
		}
	}
	if len(internal) != 1 || internal[0] != ServiceHTTP {
		t.Errorf("internal ports %v, want [http]", internal)
	}
	if want := []Service{ServiceC2S, ServiceC2SDirectTLS, ServiceS2S}; len(direct) != 3 || direct[0] != want[0] || direct[1] != want[1] || direct[2] != want[2] {
		t.Errorf("direct ports %v, want %v", direct, want)
	}
}

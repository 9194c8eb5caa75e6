package ui

import (
	"testing"

	"prosody-wizard/config"
)

// TestProxyQuestionSetsTheAnswers: choosing a proxy in the wizard sets
// proxy.kind and moves ports.https from Prosody's default to the proxy's
// (and back); Traefik's own answers stay only with Traefik; with nothing
// served over HTTP the question is not asked and no proxy is set.
func TestProxyQuestionSetsTheAnswers(t *testing.T) {
	base := config.Defaults()
	base.Domains = []string{"example.org"}
	traefik := base
	traefik.Proxy = config.Proxy{Kind: config.ProxyTraefik, Network: "web"}
	traefik.Ports.HTTPS = config.ProxyHTTPSPort
	custom := base
	custom.Ports.HTTPS = 8443
	off := base
	off.Ports.HTTPS = 0
	for _, c := range []struct {
		name      string
		base      config.Answers
		choose    string
		wantKind  string
		wantHTTPS int
		wantNet   string
	}{
		{"nginx from the defaults", base, config.ProxyNginx, config.ProxyNginx, 443, ""},
		{"none stays today's", base, config.ProxyNone, "", 5281, ""},
		{"Traefik keeps its network", traefik, config.ProxyTraefik, config.ProxyTraefik, 443, "web"},
		{"Caddy after Traefik drops Traefik's answers", traefik, config.ProxyCaddy, config.ProxyCaddy, 443, ""},
		{"none after Traefik gives Prosody its port back", traefik, config.ProxyNone, "", 5281, ""},
		{"a port of one's own is kept", custom, config.ProxyNginx, config.ProxyNginx, 8443, ""},
		{"nothing on HTTP: no proxy", off, config.ProxyNginx, "", 0, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := fromAnswers(c.base, "")
			if asked := proxyStep.applies(d); asked != (c.base.Ports.HTTPS != 0) {
				t.Errorf("asked %v with ports.https %d", asked, c.base.Ports.HTTPS)
			}
			d.ProxyKind = c.choose
			a := d.toAnswers(c.base)
			if a.Proxy.Kind != c.wantKind || a.Ports.HTTPS != c.wantHTTPS || a.Proxy.Network != c.wantNet {
				t.Errorf("proxy %+v, ports.https %d; want kind %q, %d, network %q", a.Proxy, a.Ports.HTTPS, c.wantKind, c.wantHTTPS, c.wantNet)
			}
			if p := config.Validate(a); len(p) > 0 {
				t.Errorf("the wizard's answers are refused: %v", p)
			}
		})
	}
}

// TestProxyQuestionRefusesTraefikWithLetsEncrypt: the question says at
// once what validation would, in its words, under the question.
func TestProxyQuestionRefusesTraefikWithLetsEncrypt(t *testing.T) {
	d := fromAnswers(config.Defaults(), "")
	d.TLSMode = config.TLSLetsEncrypt
	valid := validProxyKind(d)
	if err := valid(config.ProxyTraefik); err == nil {
		t.Fatal("Traefik with Let's Encrypt is accepted")
	}
	if err := valid(config.ProxyNginx); err != nil {
		t.Errorf("nginx with Let's Encrypt is refused: %v", err)
	}
}

package config

import (
	"regexp"
	"strings"
	"sync"
)

// Reverse proxies that may front the web side (file sharing, BOSH,
// WebSocket). ProxyNone is today's setup: Prosody serves HTTPS itself.
const (
	ProxyNone    = "none"
	ProxyNginx   = "nginx"
	ProxyCaddy   = "caddy"
	ProxyTraefik = "traefik"
)

// Proxy is the reverse proxy a person already runs in front of the web
// side. With one, Prosody serves plain HTTP on the internal side only
// (loopback on a host, 127.0.0.1 of the host or Traefik's network for
// compose), trusts the proxy's X-Forwarded-* headers, and advertises the
// proxy's public https:// addresses; ports.https is then the proxy's
// public port (443 unless the answers say otherwise). The XMPP ports stay
// direct: STARTTLS and direct TLS are not HTTP, and an HTTP proxy cannot
// carry them. Added to schema version 1 after the first release; a file
// without the key, or with kind: none, gets byte-identical files to
// before, and the key is left out when the answers are saved.
type Proxy struct {
	Kind string `yaml:"kind,omitempty"` // none | nginx | caddy | traefik; "" = none
	// Network is the external Docker network Traefik shares with the
	// services it routes to (compose and traefik only); "" = "traefik".
	Network string `yaml:"network,omitempty"`
	// Entrypoint is Traefik's entry point for HTTPS; "" = "websecure".
	Entrypoint string `yaml:"entrypoint,omitempty"`
	// CertResolver is Traefik's certificate resolver for the web names;
	// "" = none (Traefik's default certificate, or one of its file provider).
	CertResolver string `yaml:"certresolver,omitempty"`
}

// ProxyKinds are the proxy kinds in the order the wizard offers them.
var ProxyKinds = []string{ProxyNone, ProxyNginx, ProxyCaddy, ProxyTraefik}

// The defaults of the Traefik answers left empty.
const (
	DefaultTraefikNetwork    = "traefik"
	DefaultTraefikEntrypoint = "websecure"
)

// ProxyHTTPSPort is ports.https's default with a reverse proxy: the proxy
// serves the web side on the standard HTTPS port.
const ProxyHTTPSPort = 443

// Proxied reports whether a reverse proxy fronts the web side: the one
// proxy.kind names, or a cluster's Ingress.
func (a Answers) Proxied() bool {
	return a.Proxy.Kind != "" && a.Proxy.Kind != ProxyNone || a.Deploy == DeployKubernetes
}

// ProxyName names what fronts the web side, for messages: the proxy
// kind, or "Ingress" in a cluster.
func (a Answers) ProxyName() string {
	if a.Deploy == DeployKubernetes {
		return "Ingress"
	}
	return a.Proxy.Kind
}

// TraefikNetwork is the external network Traefik shares with prosody.
func (p Proxy) TraefikNetwork() string { return orDefault(p.Network, DefaultTraefikNetwork) }

// TraefikEntrypoint is Traefik's entry point for HTTPS.
func (p Proxy) TraefikEntrypoint() string { return orDefault(p.Entrypoint, DefaultTraefikEntrypoint) }

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// normalizeProxy lower-cases the kind and turns "none" into "", so that
// answers saved without a proxy leave the key out (see Proxy).
func (p *Proxy) normalize() {
	p.Kind = strings.ToLower(strings.TrimSpace(p.Kind))
	if p.Kind == ProxyNone {
		p.Kind = ""
	}
	p.Network = strings.TrimSpace(p.Network)
	p.Entrypoint = strings.TrimSpace(p.Entrypoint)
	p.CertResolver = strings.TrimSpace(p.CertResolver)
}

// traefikName matches a Docker network, entry point or resolver name that
// is written into compose labels and Traefik rules without quoting.
var traefikName = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$`)
})

// TraefikNameProblem says what is wrong with a Traefik or Docker name
// (proxy.network, proxy.entrypoint, proxy.certresolver), or "".
func TraefikNameProblem(name string) string {
	if traefikName().MatchString(name) {
		return ""
	}
	return sprintf("%s is not allowed; use 1–63 letters, digits, dots, hyphens and underscores, starting with a letter or digit", quoted(name))
}

func validateProxy(p *problems, a Answers) {
	x := a.Proxy
	kind := x.Kind
	if kind == "" {
		kind = ProxyNone
	}
	oneOf(p, "proxy.kind", kind, "none, nginx, caddy or traefik", ProxyKinds...)
	traefik := x.Kind == ProxyTraefik
	for _, f := range []struct{ field, v string }{
		{"proxy.network", x.Network}, {"proxy.entrypoint", x.Entrypoint}, {"proxy.certresolver", x.CertResolver},
	} {
		switch {
		case f.v == "":
		case !traefik:
			p.add(f.field, "is only used with proxy.kind: traefik; remove it or change the kind")
		case f.field == "proxy.network" && a.Deploy != DeployCompose:
			p.add(f.field, "is only used with deploy: compose (the Docker network Traefik shares with prosody); a host install is reached on 127.0.0.1:5280")
		default:
			if msg := TraefikNameProblem(f.v); msg != "" {
				p.add(f.field, "%s", msg)
			}
		}
	}
	if !a.Proxied() || a.InCluster() {
		return
	}
	if a.Ports.HTTPS == 0 {
		p.add("proxy.kind", "is %s, but ports.https is 0: nothing is served over HTTP (no file sharing, no web clients) for a proxy to front; set ports.https (%d, the proxy's port) or proxy.kind: none", x.Kind, ProxyHTTPSPort)
	}
	if traefik && a.TLS.Mode == TLSLetsEncrypt {
		p.add("tls.mode", "letsencrypt %s", traefikLetsEncrypt)
	}
}

// traefikLetsEncrypt says why Traefik and tls.mode letsencrypt do not go
// together, and what to do instead.
const traefikLetsEncrypt = "needs port 80 for certbot's HTTP challenge, and Traefik (proxy.kind: traefik) holds it and cannot serve certbot's files; " +
	"use tls.mode: existing with the certificate Traefik obtains (exported from its acme.json, e.g. with traefik-certs-dumper) or one from certbot's DNS challenge"

// ProxyKindProblem says what is wrong with a proxy kind for the
// certificate mode, or "": the wizard's check of its question, in
// validation's words.
func ProxyKindProblem(kind, tlsMode string) string {
	if kind == ProxyTraefik && tlsMode == TLSLetsEncrypt {
		return "tls.mode letsencrypt " + traefikLetsEncrypt
	}
	return ""
}

package ui

import (
	"charm.land/huh/v2"

	"prosody-wizard/config"
)

// applyProxy sets the reverse proxy the draft chose. ports.https, which
// the wizard does not ask, follows the choice where it still has the
// other mode's default: Prosody's own 5281 without a proxy, the proxy's
// 443 with one (a cluster's Ingress counts as one: config.Proxied).
// Traefik's own answers stay only with Traefik; a cluster has no
// proxy.kind, whatever was chosen before the deployment.
func (d *draft) applyProxy(a *config.Answers, base config.Answers) {
	kind := d.ProxyKind
	if kind == config.ProxyNone || !d.HTTPSOn || d.Deploy == config.DeployKubernetes {
		kind = ""
	}
	a.Proxy = base.Proxy
	a.Proxy.Kind = kind
	if kind != config.ProxyTraefik {
		a.Proxy = config.Proxy{Kind: kind}
	}
	switch https := config.Defaults().Ports.HTTPS; {
	case a.Proxied() && a.Ports.HTTPS == https:
		a.Ports.HTTPS = config.ProxyHTTPSPort
	case !a.Proxied() && base.Proxied() && a.Ports.HTTPS == config.ProxyHTTPSPort:
		a.Ports.HTTPS = https
	}
}

// proxyStep asks which reverse proxy fronts the web side, when there is
// one to front.
var proxyStep = step{
	title:       "Reverse proxy",
	description: "If nginx, Caddy or Traefik already serves HTTPS on this machine, it can serve file sharing and web clients too; the XMPP ports stay direct.",
	// A cluster's Ingress takes its place (the deployment page asks).
	when: func(d *draft) bool { return d.HTTPSOn && d.Deploy != config.DeployKubernetes },
	fields: func(d *draft, _ config.Series) []huh.Field {
		return []huh.Field{huh.NewSelect[string]().Key("proxy.kind").Title("What serves HTTPS for Prosody?").
			Options(
				huh.NewOption("none: Prosody itself, on its own port", config.ProxyNone),
				huh.NewOption("nginx: Prosody's plain HTTP behind it (a snippet is written)", config.ProxyNginx),
				huh.NewOption("Caddy: Prosody's plain HTTP behind it (a snippet is written)", config.ProxyCaddy),
				huh.NewOption("Traefik: routed by labels or a file-provider config", config.ProxyTraefik),
			).Value(&d.ProxyKind).Validate(validProxyKind(d))}
	},
}

// validProxyKind checks the proxy question against the certificate mode
// chosen before it (config.ProxyKindProblem).
func validProxyKind(d *draft) func(string) error {
	return check(&d.ProxyKind, func(kind string) string { return config.ProxyKindProblem(kind, d.TLSMode) })
}

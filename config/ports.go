package config

import (
	"net/netip"
	"slices"
	"strings"
)

// activePorts lists the ports these answers and the resolved modules turn
// on, in a stable order.
func activePorts(a Answers, mods ModuleSet) []Port {
	ports := []Port{{Service: ServiceC2S, Number: a.Ports.C2S, Label: "client connections (STARTTLS)", Field: "ports.c2s"}}
	if a.Ports.C2SDirectTLS != 0 {
		ports = append(ports, Port{Service: ServiceC2SDirectTLS, Number: a.Ports.C2SDirectTLS, Label: "client connections (direct TLS)",
			DirectTLS: true, Field: "ports.c2s_direct_tls"})
	}
	if a.Federation {
		ports = append(ports, Port{Service: ServiceS2S, Number: a.Ports.S2S, Label: "server-to-server (federation)",
			Field: "ports.s2s", Follows: []string{"federation"}})
	}
	if http, follows := usesHTTP(a, mods); http && a.Proxied() {
		ports = append(ports, Port{Service: ServiceHTTP, Number: HTTPPort, Label: "plain HTTP for the reverse proxy (" + a.ProxyName() + ")",
			Field: "proxy.kind", Follows: union([]string{"ports.https"}, follows), Internal: true})
	} else if http {
		// Prosody serves HTTPS itself while no proxy does.
		ports = append(ports, Port{Service: ServiceHTTPS, Number: a.Ports.HTTPS, Label: "HTTPS (file sharing, web clients)",
			DirectTLS: true, Field: "ports.https", Follows: union(follows, []string{"proxy.kind"})})
	}
	if a.Components.Proxy65 != "" {
		ports = append(ports, Port{Service: ServiceProxy65, Number: a.Ports.Proxy65, Label: "file-transfer proxy (SOCKS5)",
			Field: "ports.proxy65", Follows: []string{"components.proxy65"}})
	}
	return ports
}

// usesHTTP reports whether anything in the setup is served over HTTPS: the
// upload component or a module of the resolved set that needs HTTP (web
// clients are recommended whenever ports.https is set); follows names the
// answers that decide it (see Port.Follows): the upload component when it
// alone needs HTTPS, the modules when only they do.
func usesHTTP(a Answers, mods ModuleSet) (http bool, follows []string) {
	if a.Ports.HTTPS == 0 {
		return false, nil
	}
	var served [][]string // what each module served over HTTPS follows
	for _, m := range mods.Global {
		if m.Needs&NeedsHTTP != 0 {
			served = append(served, m.Follows)
		}
	}
	switch {
	case a.Components.Upload != "" && len(served) > 0:
		return true, nil
	case a.Components.Upload != "":
		return true, []string{"components.upload"}
	case len(served) > 0:
		return true, union([]string{"modules"}, Common(served...))
	}
	return false, nil
}

// Common is the names every list has, in the first list's order: what a
// thing follows when it is there as long as any of several things is
// (a group of modules, a block of ports), each following its list.
func Common(lists ...[]string) []string {
	if len(lists) == 0 {
		return nil
	}
	var out []string
	for _, n := range lists[0] {
		in := true
		for _, l := range lists[1:] {
			in = in && slices.Contains(l, n)
		}
		if in {
			out = append(out, n)
		}
	}
	return out
}

// HTTPPort is Prosody's plain-HTTP port, which it binds on loopback whenever
// mod_http is loaded; behind a reverse proxy, the port the proxy forwards to.
const HTTPPort = 5280

func validatePorts(p *problems, a Answers, active []Port) {
	check := func(field string, v int, optional bool) {
		switch {
		case v == 0 && !optional:
			p.add(field, "must be a port between 1 and 65535")
		case v < 0 || v > 65535:
			p.add(field, "%d is not a port; use 1–65535 (0 turns the service off where it is optional)", v)
		}
	}
	check("ports.c2s", a.Ports.C2S, false)
	check("ports.c2s_direct_tls", a.Ports.C2SDirectTLS, true)
	check("ports.s2s", a.Ports.S2S, !a.Federation)
	check("ports.https", a.Ports.HTTPS, true)
	check("ports.proxy65", a.Ports.Proxy65, true)
	if a.Components.Upload != "" && a.Ports.HTTPS == 0 {
		p.add("ports.https", "is 0 (off), but components.upload serves files over HTTPS; set a port (5281) or turn the upload component off")
	}
	if a.Components.Proxy65 != "" && a.Ports.Proxy65 == 0 {
		p.add("ports.proxy65", "is 0 (off), but components.proxy65 is on; set a port (5000) or turn proxy65 off")
	}
	validatePortConflicts(p, a, active)
}

// certbotPort is the port certbot answers Let's Encrypt's HTTP-01
// challenge on: compose publishes it for the certbot service, and on a host
// "certbot --standalone" binds it while it runs.
const certbotPort = 80

// binding is one port the setup binds or publishes.
type binding struct {
	field string // the answer that sets it; "" for a port no answer changes
	port  int
	what  string // how a message names its holder
}

// bindings lists every port the setup binds, on this machine or published
// from compose (active: the ports it listens on): the fixed ones first
// (Prosody's loopback HTTP, certbot's 80, a local database on its default
// port), then the answers in schema order, so that a clash is reported on
// the answer a person can change.
func bindings(a Answers, active []Port) []binding {
	var b []binding
	switch {
	case slices.ContainsFunc(active, func(p Port) bool { return p.Service == ServiceHTTP }):
		b = append(b, binding{"", HTTPPort, "Prosody's plain-HTTP port, which the reverse proxy forwards to"})
	case slices.ContainsFunc(active, func(p Port) bool { return p.Service == ServiceHTTPS }):
		b = append(b, binding{"", HTTPPort, "Prosody's plain-HTTP port on loopback"})
	}
	// Behind a reverse proxy the proxy holds port 80 and serves certbot's
	// challenge files (see scaffold's webroot); certbot binds nothing.
	switch {
	case a.InCluster():
		// cert-manager answers the challenge through the Ingress.
	case a.TLS.Mode == TLSLetsEncrypt && a.Proxied():
		b = append(b, binding{"", certbotPort, "the reverse proxy's HTTP port, where it serves certbot's challenge files (tls.mode: letsencrypt)"})
	case a.TLS.Mode == TLSLetsEncrypt:
		b = append(b, binding{"", certbotPort, "the port certbot answers Let's Encrypt's HTTP challenge on (tls.mode: letsencrypt)"})
	}
	local := localDatabase(a)
	if local && a.Database.Port == 0 {
		b = append(b, binding{"", a.DBPort(), "the default port of the database on this host (database.host " + quoted(a.Database.Host) + ")"})
	}
	for _, ap := range active {
		if !ap.Internal { // the fixed entry above
			b = append(b, binding{ap.Field, ap.Number, ap.Field})
		}
	}
	if a.Proxied() && a.Ports.HTTPS != 0 {
		b = append(b, binding{"ports.https", a.Ports.HTTPS, "ports.https, the reverse proxy's HTTPS port"})
	}
	if a.TURN.Host != "" {
		b = append(b, binding{"turn.port", a.TURN.Port, "turn.port"})
	}
	if local && a.Database.Port != 0 {
		b = append(b, binding{"database.port", a.Database.Port, "database.port, the database on this host"})
	}
	return b
}

// localDatabase reports whether the database server runs on this machine
// next to Prosody (deploy: host with a loopback database.host), where it
// holds its port on the same addresses.
func localDatabase(a Answers) bool {
	if a.Deploy != DeployHost || !a.NetworkDB() {
		return false
	}
	h := strings.ToLower(strings.TrimSuffix(a.Database.Host, "."))
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	addr, err := netip.ParseAddr(h)
	return err == nil && addr.Unmap().IsLoopback()
}

// validatePortConflicts reports every port two services would share, once,
// on the later one; and, with a compose TURN server (on the host network),
// every port inside its media relay range.
func validatePortConflicts(p *problems, a Answers, active []Port) {
	bs := bindings(a, active)
	used := map[int]string{}
	clashed := map[string]bool{}
	for _, b := range bs {
		if b.port <= 0 || b.port > 65535 {
			continue
		}
		if other, dup := used[b.port]; dup && b.field != "" {
			p.add(b.field, "%d is also %s; each service needs its own port", b.port, other)
			clashed[b.field] = true
			continue
		}
		used[b.port] = b.what
	}
	if a.Deploy != DeployCompose || a.TURN.Host == "" {
		return
	}
	for _, b := range bs {
		if b.field != "" && !clashed[b.field] && b.port >= TURNRelayMin && b.port <= TURNRelayMax {
			p.add(b.field, "%d is inside the relay range %d–%d the TURN server uses for media (coturn runs on the host network); choose a port outside it", b.port, TURNRelayMin, TURNRelayMax)
		}
	}
}

// LocalDatabase reports whether the database server runs on this machine
// next to Prosody: deploy: host with a loopback database.host.
func LocalDatabase(a Answers) bool { return localDatabase(a) }

package scaffold

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"prosody-wizard/config"
)

// Reverse-proxy mode (answers proxy.kind): the person's nginx, Caddy or
// Traefik serves the web side (file sharing, BOSH, WebSocket) over HTTPS
// and forwards it to Prosody's plain HTTP; the XMPP ports stay direct.
// The snippet for the proxy is a file of the setup (Traefik on compose:
// labels in compose.yaml), each naming the upstream it expects.

// proxyDir holds the proxy's snippet, beside compose.yaml or in
// /etc/prosody; the end-to-end suite reads the files by these names.
const proxyDir = "reverse-proxy"

// The snippet files, by proxy kind; Traefik on compose has labels in
// compose.yaml instead of a file.
var proxyFiles = map[string]string{
	config.ProxyNginx:   "nginx.conf",
	config.ProxyCaddy:   "Caddyfile",
	config.ProxyTraefik: "traefik.yaml",
}

// ProxySnippet is the path of the proxy's snippet for these answers,
// relative to the output folder, or "" when there is none (no proxy, or
// Traefik on compose, whose labels are in compose.yaml).
func ProxySnippet(a config.Answers) string {
	if !a.Proxied() || a.InCluster() || a.Proxy.Kind == config.ProxyTraefik && a.Deploy == config.DeployCompose {
		return ""
	}
	if a.Deploy == config.DeployHost {
		return path.Join(hostConfigDir, proxyDir, proxyFiles[a.Proxy.Kind])
	}
	return path.Join(proxyDir, proxyFiles[a.Proxy.Kind])
}

// uploadSizeLimit is http_file_share_size_limit, the largest file a
// client may share (100 MiB); a proxy's body limit matches it.
const uploadSizeLimit = 104857600

// UploadSizeLimit is the largest shared file, in bytes.
func (s *setup) UploadSizeLimit() int { return uploadSizeLimit }

// UploadSizeLimitMiB is the largest shared file in MiB, for people.
func (s *setup) UploadSizeLimitMiB() int { return uploadSizeLimit >> 20 }

// acmeWebroot is the folder on the proxy's machine from which the proxy
// serves /.well-known/acme-challenge/ on port 80, and into which certbot
// (Prosody's, and the proxy's own) writes its challenge files: certbot's
// webroot. A fixed path on the host, because the proxy needs an absolute
// one and the starter repo may be anywhere; it is the one certbot's
// documentation uses for --webroot.
const acmeWebroot = "/var/www/letsencrypt"

// AcmeWebroot is certbot's webroot folder (see acmeWebroot).
func (s *setup) AcmeWebroot() string { return acmeWebroot }

// Proxied reports whether a reverse proxy fronts the web side.
func (s *setup) Proxied() bool { return s.Answers.Proxied() }

// ProxyKind is the reverse proxy's kind ("nginx", "caddy", "traefik").
func (s *setup) ProxyKind() string { return s.Answers.Proxy.Kind }

// ProxyLabel is the proxy's name as a person writes it.
func (s *setup) ProxyLabel() string {
	if s.Kubernetes() {
		return "the cluster's Ingress"
	}
	switch s.Answers.Proxy.Kind {
	case config.ProxyNginx:
		return "nginx"
	case config.ProxyCaddy:
		return "Caddy"
	case config.ProxyTraefik:
		return "Traefik"
	}
	return ""
}

// ProxySnippet is the snippet's path in the output folder ("" for labels
// in compose.yaml).
func (s *setup) ProxySnippet() string { return ProxySnippet(s.Answers) }

// ProxySnippetAt is where the snippet is on the machine: under /etc/prosody
// for a host install, in the repo for compose.
func (s *setup) ProxySnippetAt() string {
	if s.Compose() {
		return s.ProxySnippet()
	}
	return "/" + s.ProxySnippet()
}

// HTTPPort is Prosody's plain-HTTP port, which the proxy forwards to.
func (s *setup) HTTPPort() int { return config.HTTPPort }

// Upstream is the address the proxy forwards to: Prosody's plain HTTP on
// the host's loopback (a host install, or compose publishing it there),
// or the prosody service on Traefik's network.
func (s *setup) Upstream() string {
	if s.Kubernetes() {
		return fmt.Sprintf("%s:%d", kubeHTTPSvc, config.HTTPPort)
	}
	if s.Compose() && s.Answers.Proxy.Kind == config.ProxyTraefik {
		return fmt.Sprintf("prosody:%d", config.HTTPPort)
	}
	return fmt.Sprintf("127.0.0.1:%d", config.HTTPPort)
}

// HTTPInterfaces is http_interfaces: loopback on a host; every interface
// in a container, whose own network only the host's loopback (published
// there) or Traefik's network reaches.
func (s *setup) HTTPInterfaces() []string {
	if s.Container() {
		return []string{"*"}
	}
	return []string{"127.0.0.1", "::1"}
}

// TrustedProxies is trusted_proxies: the addresses the proxy's requests
// come from. On a host, loopback. In a container, nginx's or Caddy's
// requests through the published port arrive from the Docker network's
// gateway, and Traefik's from its address on the shared network, both in
// the private ranges Docker allocates networks from; nothing outside the
// host reaches port 5280 there.
func (s *setup) TrustedProxies() []string {
	if s.Kubernetes() {
		return kubeTrustedProxies
	}
	if s.Compose() {
		return []string{"127.0.0.1", "::1", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"}
	}
	return []string{"127.0.0.1", "::1"}
}

// PublishHTTP is compose's port mapping for Prosody's plain HTTP: on the
// host's loopback only, for nginx or Caddy on the host; "" for Traefik,
// which reaches the container over its network.
func (s *setup) PublishHTTP() string {
	if s.Answers.Proxy.Kind == config.ProxyTraefik {
		return ""
	}
	return fmt.Sprintf("127.0.0.1:%d:%d", config.HTTPPort, config.HTTPPort)
}

// ProxySite is one host name the proxy serves for Prosody, and what of it:
// a VirtualHost's web clients (BOSH, WebSocket, by path: the rest of the
// name may be the person's website), or the upload component's whole host.
type ProxySite struct {
	// Name is the host name in DNS form, as proxies and certificates take it.
	Name string
	// Paths are the path prefixes forwarded to Prosody; none: all of it.
	Paths []string
	// Upload: the file-sharing host, whose bodies are as large as a file.
	Upload bool
}

// WebSocketPath is the WebSocket endpoint's path, which needs the upgrade.
const WebSocketPath = "/xmpp-websocket"

// The paths of Prosody's web clients' endpoints (mod_bosh, mod_websocket).
var webClientPaths = []struct{ module, path string }{
	{"bosh", "/http-bind"},
	{"websocket", WebSocketPath},
}

// ProxySites are the names the proxy serves: each VirtualHost with the web
// client endpoints its modules serve, then the upload host.
func (s *setup) ProxySites() []ProxySite {
	var paths []string
	mods := s.Modules.Names()
	for _, w := range webClientPaths {
		if slices.Contains(mods, w.module) {
			paths = append(paths, w.path)
		}
	}
	var sites []ProxySite
	if len(paths) > 0 {
		for _, d := range s.DomainHosts() {
			sites = append(sites, ProxySite{Name: d.ASCII, Paths: paths})
		}
	}
	if up, ok := s.Host(config.HostUpload); ok {
		sites = append(sites, ProxySite{Name: up.ASCII, Upload: true})
	}
	return sites
}

// IsWebSocket reports whether path is the WebSocket endpoint's.
func (s *setup) IsWebSocket(path string) bool { return path == WebSocketPath }

// ProxyNames are the names of the proxy's sites.
func (s *setup) ProxyNames() []string {
	var names []string
	for _, site := range s.ProxySites() {
		names = append(names, site.Name)
	}
	return names
}

// AcmeNames are the names the proxy answers HTTP-01 challenges for on
// port 80: with tls.mode letsencrypt every name of Prosody's certificate
// (certbot's webroot), else the proxy's own names.
func (s *setup) AcmeNames() []string {
	if s.Answers.TLS.Mode == config.TLSLetsEncrypt {
		return s.CertHosts()
	}
	return s.ProxyNames()
}

// PublicURL is a host's address on the proxy: https, on ports.https
// (left out when it is 443).
func (s *setup) PublicURL(asciiHost string) string {
	u := "https://" + asciiHost
	if s.Answers.Ports.HTTPS != 443 {
		u += fmt.Sprintf(":%d", s.Answers.Ports.HTTPS)
	}
	return u + "/"
}

// WebClients reports whether a VirtualHost serves BOSH or WebSocket, whose
// public address http_external_url names in proxy mode.
func (s *setup) WebClients() bool {
	mods := s.Modules.Names()
	return slices.ContainsFunc(webClientPaths, func(w struct{ module, path string }) bool { return slices.Contains(mods, w.module) })
}

// NginxCert and NginxKey are the certificate files nginx serves its names
// with. On a host, Prosody's own (shared files): they exist from the first
// run, cover every name, and with tls.mode letsencrypt the deploy hook
// replaces them at each renewal (and reloads nginx). In a compose repo,
// whose files nginx cannot name by an absolute path, nginx's own from
// certbot (NginxCertCommand).
func (s *setup) NginxCert() string {
	if !s.Compose() {
		return path.Join(etcProsody, s.CertFile())
	}
	return s.nginxLineage() + "/fullchain.pem"
}

// NginxKey is the private key of NginxCert.
func (s *setup) NginxKey() string {
	if !s.Compose() {
		return path.Join(etcProsody, s.KeyFile())
	}
	return s.nginxLineage() + "/privkey.pem"
}

// nginxLineage is certbot's folder of nginx's own certificate, named
// after the first name it covers.
func (s *setup) nginxLineage() string {
	first := s.Primary().ASCII
	if names := s.ProxyNames(); len(names) > 0 {
		first = names[0]
	}
	return "/etc/letsencrypt/live/" + first
}

// NginxCertCommand gets nginx's own certificate for its names (compose):
// certbot's nginx plugin answers the challenge in nginx itself and reloads
// it after each renewal, so it works before the snippet is enabled (whose
// ssl_certificate lines name files that do not exist yet).
func (s *setup) NginxCertCommand() string {
	words := []string{"sudo", "certbot", "certonly", "--nginx"}
	for _, n := range s.ProxyNames() {
		words = append(words, "-d", n)
	}
	return ShellCommand(words...)
}

// TraefikRouter is the name of the Traefik router and service for the
// setup: the compose project's name, unique among the repos one Traefik
// routes to.
func (s *setup) TraefikRouter() string { return s.ProjectName() + "-prosody" }

// TraefikRule is the router's rule: each VirtualHost's web client paths
// and the upload host. One host per Host() and every matcher joined with
// ||: the syntax Traefik v2 and v3 both read.
func (s *setup) TraefikRule() string {
	rule := ""
	or := func(m string) {
		if rule != "" {
			rule += " || "
		}
		rule += m
	}
	for _, site := range s.ProxySites() {
		host := "Host(`" + site.Name + "`)"
		if len(site.Paths) == 0 {
			or(host)
			continue
		}
		paths := ""
		for i, p := range site.Paths {
			if i > 0 {
				paths += " || "
			}
			paths += "PathPrefix(`" + p + "`)"
		}
		or(host + " && (" + paths + ")")
	}
	return rule
}

// proxySnippet adds the reverse proxy's snippet, if the setup has a file
// for it (see ProxySnippet), in its folder; nothing in it is secret.
func proxySnippet(p *Plan, s *setup, uid, gid int) {
	snippet := s.ProxySnippet()
	if snippet == "" {
		return
	}
	p.dir(path.Dir(snippet), 0o755, uid, gid)
	p.file(snippet, 0o644, uid, gid, render(path.Base(snippet), s))
}

// proxyNotes adds the reverse proxy's next steps and warnings.
func proxyNotes(s *setup, next, warn []string) ([]string, []string) {
	if !s.Proxied() || s.Kubernetes() {
		return next, warn
	}
	if s.Answers.TLS.Mode == config.TLSLetsEncrypt {
		next = append(next, "make certbot's webroot, which "+s.ProxyLabel()+" serves on port 80: "+ShellCommand("sudo", "mkdir", "-p", acmeWebroot))
	}
	switch {
	case s.Answers.Proxy.Kind == config.ProxyNginx && s.Compose():
		next = append(next, "get nginx's certificate for "+strings.Join(s.ProxyNames(), ", ")+" (before enabling the snippet, which names it): "+s.NginxCertCommand())
		next = append(next, "install a copy of the nginx snippet owned by root (from this folder, again whenever it changes), then check and reload nginx: "+
			s.ProxyInstallCommand()+" && sudo nginx -t && sudo systemctl reload nginx")
	case s.Answers.Proxy.Kind == config.ProxyNginx:
		next = append(next, "enable the nginx snippet, then check and reload nginx: "+
			s.ProxyInstallCommand()+" && nginx -t && systemctl reload nginx")
	case s.Answers.Proxy.Kind == config.ProxyCaddy:
		what := "import the Caddy snippet"
		if s.Compose() {
			what = "install a copy of the Caddy snippet owned by root (from this folder, again whenever it changes): " + s.ProxyInstallCommand() + " ; then import it"
		}
		next = append(next, what+" at the top level of /etc/caddy/Caddyfile (import "+s.ProxyConfigAt()+"), then check and reload Caddy: "+
			s.sudo()+"caddy validate --config /etc/caddy/Caddyfile && "+s.sudo()+"systemctl reload caddy")
	case s.Answers.Proxy.Kind == config.ProxyTraefik && s.Compose():
		next = append(next, "make Traefik's network if it does not exist, and attach Traefik to it: "+ShellCommand("docker", "network", "create", s.Answers.Proxy.TraefikNetwork()))
	case s.Answers.Proxy.Kind == config.ProxyTraefik:
		next = append(next, "have Traefik's file provider read "+s.ProxySnippetAt()+" (providers.file.filename in traefik.yml), with Traefik in the host's network")
	}
	if s.Compose() && s.Answers.TLS.Mode == config.TLSLetsEncrypt {
		// certbot.sh retries hourly; once the proxy serves the webroot,
		// a restart tries at once.
		next = append(next, "with "+s.ProxyLabel()+" serving the webroot, have the certbot service ask for Prosody's certificate now rather than at its next hourly try: docker compose restart certbot")
	}
	var urls []string
	for _, n := range s.ProxyNames() {
		urls = append(urls, s.PublicURL(n))
	}
	warn = append(warn, fmt.Sprintf("%s serves the web side at %s on port %d/tcp (and 80 for redirects): Prosody's plain HTTP port %d stays closed to the world; the XMPP ports stay direct",
		s.ProxyLabel(), strings.Join(urls, ", "), s.Answers.Ports.HTTPS, config.HTTPPort))
	return next, warn
}

// ProxyConfigAt is where the proxy reads the snippet: for nginx a file in
// sites-enabled, for Caddy the file its Caddyfile imports. On a host that
// is the snippet in /etc/prosody (nginx: through a link), which belongs
// to root. A compose repo's copy belongs to the repo's owner instead, and
// nginx's master process, which runs as root, would take whatever that
// user writes there (an access_log line opens any file as root): so the
// proxy reads a copy root installs (ProxyInstallCommand), made again when
// the snippet changes.
func (s *setup) ProxyConfigAt() string {
	name := "prosody-" + s.Primary().ASCII
	switch {
	case s.Answers.Proxy.Kind == config.ProxyNginx:
		return "/etc/nginx/sites-enabled/" + name + ".conf"
	case s.Compose():
		return "/etc/caddy/" + name + ".caddy"
	}
	return s.ProxySnippetAt()
}

// ProxyInstallCommand puts the snippet where the proxy reads it (see
// ProxyConfigAt): a copy owned by root from a compose repo (run in the
// repo's folder), a link on a host (nginx); "" for a host's Caddy, which
// imports the snippet where it is.
func (s *setup) ProxyInstallCommand() string {
	switch {
	case s.Compose():
		return ShellCommand("sudo", "install", "-m", "0644", "-o", "root", "-g", "root", s.ProxySnippet(), s.ProxyConfigAt())
	case s.Answers.Proxy.Kind == config.ProxyNginx:
		return ShellCommand("ln", "-s", s.ProxySnippetAt(), s.ProxyConfigAt())
	}
	return ""
}

// sudo is "sudo " for a compose repo's commands, run by a person, and ""
// for a host install's, whose next steps run as root.
func (s *setup) sudo() string {
	if s.Compose() {
		return "sudo "
	}
	return ""
}

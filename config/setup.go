package config

// Setup is a valid setup: the answers and every fact derived from them,
// worked out once by Resolve. scaffold plans its files from it and derives
// none of these facts again.
type Setup struct {
	// Answers are the answers, normalised (see Normalize) and valid.
	Answers Answers
	// Modules is the resolved module set (ResolveModules).
	Modules ModuleSet
	// Ports are the ports the setup listens on, in a stable order.
	Ports []Port
	// Hosts are the VirtualHosts, in answers order, then the components
	// that are on: muc, upload, proxy65.
	Hosts []Host
	// Driver is the storage driver's record (see Drivers).
	Driver Driver
	// DBPort is the database server's port: the answer, or the driver's
	// default; 0 without a server.
	DBPort int
	// TURNHost is the TURN server in DNS form (A-labels) or as an IP
	// address; "" when calls support is off.
	TURNHost string
	// Out is the output folder when none is given (see DefaultOut).
	Out string
}

// HostKind is what a host of the setup is.
type HostKind string

// Host kinds: a VirtualHost (a domain with accounts) or a component.
const (
	HostDomain  HostKind = "domain"
	HostMUC     HostKind = "muc"     // group chats
	HostUpload  HostKind = "upload"  // file sharing over HTTPS
	HostProxy65 HostKind = "proxy65" // the file-transfer proxy
)

// Host is one host name of the setup, in both the forms it is written in.
type Host struct {
	// Name is the name as Prosody and JIDs carry it: Unicode (U-labels).
	Name string
	// ASCII is the name as DNS records and certificate SANs carry it
	// (A-labels, "xn--").
	ASCII string
	Kind  HostKind
	// Field is the answer that names it ("domains[1]", "components.muc"),
	// for messages.
	Field string
}

// IDN reports whether the host is an internationalised name, whose two
// forms differ.
func (h Host) IDN() bool { return h.Name != h.ASCII }

// Service is a network service of Prosody, by the name Prosody gives it:
// its ports are the option <service>_ports, its TLS settings <service>_ssl.
type Service string

// The services a setup may listen on.
const (
	ServiceC2S          Service = "c2s"            // clients, STARTTLS
	ServiceC2SDirectTLS Service = "c2s_direct_tls" // clients, TLS from the start (XEP-0368)
	ServiceS2S          Service = "s2s"            // other servers
	ServiceHTTPS        Service = "https"          // file sharing, BOSH, WebSocket
	ServiceHTTP         Service = "http"           // the same in plain HTTP, for a reverse proxy
	ServiceProxy65      Service = "proxy65"        // the file-transfer proxy (SOCKS5)
)

// Port is a port the setup listens on.
type Port struct {
	Service   Service
	Number    int
	Label     string // what a person would call it
	DirectTLS bool   // TLS from the first byte, no STARTTLS
	// Field is the answer that sets it ("ports.c2s").
	Field string
	// Follows names the other answers that decide whether it is on:
	// "federation" for s2s (see EnabledModule.Follows).
	Follows []string
	// Internal: only the reverse proxy reaches it (Prosody's plain HTTP
	// behind proxy.kind); it is neither opened nor published to the world.
	Internal bool
}

// Primary is the primary domain's host, the first VirtualHost.
func (s Setup) Primary() Host { return s.Hosts[0] }

// Series is the Prosody series the setup targets.
func (s Setup) Series() Series { return s.Answers.Prosody }

// Compose reports whether the setup is a compose starter repo.
func (s Setup) Compose() bool { return s.Answers.Deploy == DeployCompose }

// Kubernetes reports whether the setup is a kustomize base for a cluster.
func (s Setup) Kubernetes() bool { return s.Answers.InCluster() }

// Container reports whether Prosody runs in the image the Dockerfile
// builds (compose or a cluster).
func (s Setup) Container() bool { return s.Answers.Container() }

// DomainHosts are the VirtualHosts, in answers order.
func (s Setup) DomainHosts() []Host { return s.Hosts[:len(s.Answers.Domains)] }

// ComponentHosts are the components that are on, in answers order.
func (s Setup) ComponentHosts() []Host { return s.Hosts[len(s.Answers.Domains):] }

// Host returns the component of kind k, if it is on.
func (s Setup) Host(k HostKind) (Host, bool) {
	for _, h := range s.ComponentHosts() {
		if h.Kind == k {
			return h, true
		}
	}
	return Host{}, false
}

// DefaultOut is the output folder when none is given: a compose repo in
// ./<the primary domain in DNS form>, a host install at the root. It is ""
// for a compose repo without a primary domain yet.
func DefaultOut(deploy, primary string) string {
	if primary == "" {
		return outFolder(deploy, "")
	}
	return outFolder(deploy, ALabel(primary))
}

// outFolder is DefaultOut for the primary domain in DNS form.
func outFolder(deploy, primaryASCII string) string {
	switch {
	case deploy == DeployHost:
		return "/"
	case primaryASCII == "":
		return ""
	}
	return "./" + primaryASCII
}

// Resolve validates answers (normalised, as Parse returns them) and works
// out, once, everything downstream needs: the module set, the ports, each
// host's names, the storage driver, the output folder. Any problem, each
// naming its field, returns them all and a zero Setup.
func Resolve(a Answers) (Setup, Problems) {
	mods, modProblems := ResolveModules(a)
	ports := activePorts(a, mods)
	hosts := hostsOf(a)
	var p problems
	if a.Version != Version {
		p.add("version", "%d is not supported; this prosody-wizard reads version %d", a.Version, Version)
	}
	oneOf(&p, "prosody", string(a.Prosody), `"0.12" (Debian bookworm) or "13.0" (bookworm-backports)`, string(Series012), string(Series13))
	oneOf(&p, "deploy", a.Deploy, "compose, host or kubernetes", DeployKinds...)
	oneOf(&p, "registration", a.Registration, "closed, invite or open", RegistrationClosed, RegistrationInvite, RegistrationOpen)
	validateDomains(&p, a, hosts)
	validateAdmins(&p, a)
	validateContact(&p, a)
	validateComponents(&p, a, hosts)
	validateTLS(&p, a, hosts)
	validateDatabase(&p, a)
	validatePorts(&p, a, ports)
	validateOwner(&p, a)
	validateTURN(&p, a)
	validateProxy(&p, a)
	validateKubernetes(&p, a)
	if a.Prosody == Series012 || a.Prosody == Series13 {
		p.list = append(p.list, modProblems...)
	}
	if len(p.list) > 0 {
		return Setup{}, p.list
	}
	driver, _ := LookupDriver(a.Database.Driver)
	s := Setup{
		Answers: a,
		Modules: mods,
		Ports:   ports,
		Hosts:   hosts,
		Driver:  driver,
		DBPort:  a.DBPort(),
		Out:     outFolder(a.Deploy, hosts[0].ASCII),
	}
	if a.TURN.Host != "" {
		s.TURNHost = ALabel(a.TURN.Host)
	}
	return s, nil
}

// Validate returns Resolve's problems: every one at once, each naming its
// field and saying what is allowed. None means scaffold can plan the setup.
func Validate(a Answers) Problems {
	_, p := Resolve(a)
	return p
}

// hostsOf lists the hosts the answers name: the domains, then the
// components that are on. Names that validation refuses are listed too,
// as they are.
func hostsOf(a Answers) []Host {
	hosts := make([]Host, 0, len(a.Domains)+3)
	add := func(name string, kind HostKind, field string) {
		hosts = append(hosts, Host{Name: name, ASCII: ALabel(name), Kind: kind, Field: field})
	}
	for i, d := range a.Domains {
		add(d, HostDomain, sprintf("domains[%d]", i))
	}
	for _, c := range []struct {
		name  string
		kind  HostKind
		field string
	}{
		{a.Components.MUC, HostMUC, "components.muc"},
		{a.Components.Upload, HostUpload, "components.upload"},
		{a.Components.Proxy65, HostProxy65, "components.proxy65"},
	} {
		if c.name != "" {
			add(c.name, c.kind, c.field)
		}
	}
	return hosts
}

// Package config knows what a Prosody setup is: the answers a person gives
// (schema version 1, see README.md), their defaults, their validation and the
// catalog of Prosody modules. It has no terminal and touches no files except
// the answers file itself.
package config

// Version is the answers schema version this build reads and writes.
const Version = 1

// Deploy kinds.
const (
	DeployCompose = "compose" // a starter repo with compose.yaml
	DeployHost    = "host"    // /etc/prosody and /var/lib/prosody on this machine
)

// Registration policies.
const (
	RegistrationClosed = "closed" // accounts are made by an admin
	RegistrationInvite = "invite" // sign-up with an invitation (XEP-0401)
	RegistrationOpen   = "open"   // anyone may register in-band
)

// TLS modes.
const (
	TLSSelfSigned  = "self-signed"
	TLSExisting    = "existing"
	TLSLetsEncrypt = "letsencrypt"
)

// Storage drivers.
const (
	DriverInternal = "internal"
	DriverSQLite   = "sqlite"
	DriverPostgres = "postgres"
	DriverMySQL    = "mysql"
)

// Answers is everything a person decides about their Prosody setup: the
// answers file, version 1. Load reads it and Marshal writes it (the plan
// carries it as answers.yaml); Validate checks it; scaffold.Plan turns it
// into files.
type Answers struct {
	Version      int        `yaml:"version"`
	Prosody      Series     `yaml:"prosody"`
	Deploy       string     `yaml:"deploy"`
	Domains      []string   `yaml:"domains"`
	Admins       []string   `yaml:"admins"`
	Contact      Contact    `yaml:"contact"`
	Registration string     `yaml:"registration"`
	Federation   bool       `yaml:"federation"`
	TLS          TLS        `yaml:"tls"`
	Database     Database   `yaml:"database"`
	Components   Components `yaml:"components"`
	TURN         TURN       `yaml:"turn"`
	Modules      Modules    `yaml:"modules"`
	Ports        Ports      `yaml:"ports"`
	Owner        Owner      `yaml:"owner"`
	// Proxy is the reverse proxy in front of the web side, if any; left
	// out of a saved file when there is none (see Proxy).
	Proxy Proxy `yaml:"proxy,omitempty"`
	// Kubernetes are the answers of deploy: kubernetes; left out of a
	// saved file when empty (see Kubernetes).
	Kubernetes Kubernetes `yaml:"kubernetes,omitempty"`
}

// TLS says where the server's certificates come from.
type TLS struct {
	Mode  string `yaml:"mode"`
	Cert  string `yaml:"cert"`  // existing: PEM certificate chain file
	Key   string `yaml:"key"`   // existing: PEM private key file
	Email string `yaml:"email"` // letsencrypt: ACME account e-mail
}

// Database is the storage backend.
type Database struct {
	Driver   string `yaml:"driver"`
	Host     string `yaml:"host"` // postgres/mysql; "" = the compose service
	Port     int    `yaml:"port"` // 0 = the driver's default port
	Name     string `yaml:"name"`
	User     string `yaml:"user"`
	Password string `yaml:"password"` // "" = generated
}

// Components are the Prosody components by host name; "" turns one off.
type Components struct {
	MUC     string `yaml:"muc"`
	Upload  string `yaml:"upload"`
	Proxy65 string `yaml:"proxy65"`
}

// TURN is the TURN server that helps audio and video calls through NAT
// (XEP-0215): Prosody hands clients short-lived credentials derived from a
// secret it shares with the TURN server. Added to schema version 1 after the
// first release; files without the key get the default.
type TURN struct {
	Host   string `yaml:"host"`   // "" = off; absent = the primary domain
	Port   int    `yaml:"port"`   // 3478
	Secret string `yaml:"secret"` // "" = generated (compose: kept in .env)
}

// DefaultTURNHost is the TURN host when the answers do not say: the
// primary domain's address, where a compose repo runs its own coturn and
// a host install gets coturn's config to run it with (calls through NAT
// are part of the compliance suites' A/V profile, XEP-0479).
func DefaultTURNHost(primary string) string { return primary }

// DefaultTURNHostFor is turn.host's default for a kind of deployment:
// DefaultTURNHost, but none in a cluster, which runs no TURN server (its
// media relay range does not fit a Service); one elsewhere is named with
// turn.host.
func DefaultTURNHostFor(deploy, primary string) string {
	if deploy == DeployKubernetes {
		return ""
	}
	return DefaultTURNHost(primary)
}

// Modules adjusts the recommended module set.
type Modules struct {
	Enable  []string `yaml:"enable"`
	Disable []string `yaml:"disable"`
}

// Ports are the published ports; 0 turns an optional service off.
type Ports struct {
	C2S          int `yaml:"c2s"`
	C2SDirectTLS int `yaml:"c2s_direct_tls"` // XEP-0368; default 5223, 0 = off
	S2S          int `yaml:"s2s"`
	HTTPS        int `yaml:"https"`
	Proxy65      int `yaml:"proxy65"`
}

// Owner is who owns the files and runs prosody; -1 means "choose".
type Owner struct {
	UID int `yaml:"uid"`
	GID int `yaml:"gid"`
}

// Defaults returns the answers of a secure, modern server before any domain
// is known. Component hosts are derived from the primary domain by
// DefaultComponents once it is.
func Defaults() Answers {
	return Answers{
		Version:      Version,
		Prosody:      Series13,
		Deploy:       DeployCompose,
		Domains:      []string{},
		Admins:       []string{},
		Registration: RegistrationClosed,
		Federation:   true,
		TLS:          TLS{Mode: TLSSelfSigned},
		Database:     Database{Driver: DriverInternal, Name: "prosody", User: "prosody"},
		Modules:      Modules{Enable: []string{}, Disable: []string{}},
		TURN:         TURN{Port: 3478},
		Contact:      Contact{Abuse: []string{}, Admin: []string{}, Security: []string{}, Support: []string{}},
		Ports:        Ports{C2S: 5222, C2SDirectTLS: 5223, S2S: 5269, HTTPS: 5281, Proxy65: 5000},
		Owner:        Owner{UID: -1, GID: -1},
	}
}

// DefaultComponents returns the default component hosts for a primary domain:
// group chat on conference.<domain>, file sharing on upload.<domain>, no
// proxy65.
func DefaultComponents(primary string) Components {
	if primary == "" {
		return Components{}
	}
	return Components{MUC: "conference." + primary, Upload: "upload." + primary}
}

// Primary returns the primary domain (the first), or "".
func (a Answers) Primary() string {
	if len(a.Domains) == 0 {
		return ""
	}
	return a.Domains[0]
}

// DBPort returns the database port, filling in the driver's default.
func (a Answers) DBPort() int {
	if a.Database.Port != 0 {
		return a.Database.Port
	}
	d, _ := LookupDriver(a.Database.Driver)
	return d.Port
}

// NetworkDB reports whether the storage is a database server.
func (a Answers) NetworkDB() bool {
	d, _ := LookupDriver(a.Database.Driver)
	return d.Network
}

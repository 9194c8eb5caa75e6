package scaffold

import (
	"fmt"
	"strings"

	"prosody-wizard/config"
)

// setup is everything the templates need, derived once from valid answers.
type setup struct {
	A          config.Answers
	Series     config.Series
	Primary    string
	Compose    bool
	Modules    config.ModuleSet
	Ports      []config.ActivePort
	UID, GID   int
	DBPassword string // the resolved database password (generated when empty)
	TURNSecret string // the resolved TURN secret (generated when empty)
	CertName   string // base name of the certificate files in certs/
}

// Runtime paths, the same in the container and on a Debian host.
const (
	etcProsody    = "/etc/prosody"
	varLibProsody = "/var/lib/prosody"
	// dbPasswordEnv carries the database password from .env into the
	// container; the config reads it as ENV_PROSODY_DB_PASSWORD.
	dbPasswordEnv = "PROSODY_DB_PASSWORD"
	// turnSecretEnv carries the TURN secret the same way.
	turnSecretEnv = "PROSODY_TURN_SECRET"
)

func newSetup(a config.Answers, in Inputs, dbPassword, turnSecret string) (*setup, error) {
	mods, problems := config.ResolveModules(a)
	if len(problems) > 0 {
		return nil, problems
	}
	return &setup{
		A:          a,
		Series:     a.Prosody,
		Primary:    a.Primary(),
		Compose:    a.Deploy == config.DeployCompose,
		Modules:    mods,
		Ports:      config.ActivePorts(a),
		UID:        in.Owner.UID,
		GID:        in.Owner.GID,
		DBPassword: dbPassword,
		TURNSecret: turnSecret,
		CertName:   a.Primary(),
	}, nil
}

// ConfigFile is prosody.cfg.lua's path at run time.
func (s *setup) ConfigFile() string { return etcProsody + "/prosody.cfg.lua" }

// PidFile is where prosody writes its pid: in the data folder, which it owns.
func (s *setup) PidFile() string { return varLibProsody + "/prosody.pid" }

// AllowRegistration is the allow_registration value.
func (s *setup) AllowRegistration() bool { return s.A.Registration == config.RegistrationOpen }

// RegistrationNote explains the registration policy in the config.
func (s *setup) RegistrationNote() string {
	switch s.A.Registration {
	case config.RegistrationOpen:
		return "open; anyone can create an account\n-- from their client. Read https://prosody.im/doc/public_servers first."
	case config.RegistrationInvite:
		return "by invitation only. Admins create invite\n-- links (XEP-0401); a new user signs up with one."
	}
	return "closed; an admin creates accounts with\n-- prosodyctl adduser."
}

// ModuleGroup is one commented block of modules_enabled.
type ModuleGroup struct {
	Name  string
	Lines []string
}

// ModuleGroups lays out modules_enabled by catalog group, each module with
// its summary as a trailing comment.
func (s *setup) ModuleGroups() []ModuleGroup {
	width := 0
	for _, m := range s.Modules.Global {
		width = max(width, len(LuaString(m.Name))+1)
	}
	var groups []ModuleGroup
	for _, g := range config.Groups {
		var lines []string
		for _, m := range s.Modules.Global {
			if m.Group != g {
				continue
			}
			item := LuaString(m.Name) + ";"
			note := m.Summary
			if strings.HasPrefix(m.Reason, "needed by ") {
				note += " (" + m.Reason + ")"
			}
			lines = append(lines, fmt.Sprintf("%-*s -- %s", width, item, note))
		}
		if len(lines) > 0 {
			groups = append(groups, ModuleGroup{Name: g, Lines: lines})
		}
	}
	return groups
}

// PortLines are the *_ports options of the enabled services.
func (s *setup) PortLines() []string {
	var lines []string
	for _, p := range s.Ports {
		name := strings.TrimPrefix(p.Field, "ports.") + "_ports"
		lines = append(lines, fmt.Sprintf("%s = %s -- %s", name, LuaValue([]int{p.Port}), p.Service))
	}
	return lines
}

// StorageBackend is the storage option's value.
func (s *setup) StorageBackend() string {
	if s.A.Database.Driver == config.DriverInternal {
		return "internal"
	}
	return "sql"
}

// StorageNote explains the storage choice.
func (s *setup) StorageNote() string {
	switch s.A.Database.Driver {
	case config.DriverSQLite:
		return "one SQLite file in the data folder (LuaDBI driver\n-- \"SQLite3\", Debian package lua-dbi-sqlite3)."
	case config.DriverPostgres:
		return "PostgreSQL (LuaDBI driver \"PostgreSQL\", Debian package\n-- lua-dbi-postgresql). Prosody creates its tables on first start."
	case config.DriverMySQL:
		return "MySQL or MariaDB (LuaDBI driver \"MySQL\", Debian package\n-- lua-dbi-mysql). Prosody creates its tables on first start."
	}
	return "plain files in the data folder, one per user and store."
}

// LuaField is one key = value of a Lua table. The template lays the table
// out (separators, comments); Value is written by lua, so a value never
// shapes the Lua around it.
type LuaField struct {
	Key   string
	Value any    // string, int or LuaExpr
	Note  string // a trailing comment, or ""
}

// SQL is the sql = { … } table's fields, or nothing for internal storage.
func (s *setup) SQL() []LuaField {
	d := s.A.Database
	switch d.Driver {
	case config.DriverInternal:
		return nil
	case config.DriverSQLite:
		return []LuaField{{Key: "driver", Value: "SQLite3"}, {Key: "database", Value: d.Name + ".sqlite", Note: "in the data folder"}}
	}
	driver := "PostgreSQL"
	if d.Driver == config.DriverMySQL {
		driver = "MySQL"
	}
	password := LuaField{Key: "password", Value: s.DBPassword}
	if s.Compose {
		password = LuaField{Key: "password", Value: LuaExpr("ENV_" + dbPasswordEnv), Note: "from .env, through compose.yaml"}
	}
	return []LuaField{
		{Key: "driver", Value: driver},
		{Key: "database", Value: d.Name},
		{Key: "username", Value: d.User},
		password,
		{Key: "host", Value: s.DBHost()},
		{Key: "port", Value: s.A.DBPort()},
	}
}

// DBHost is the database server's host: the answer, or the compose service.
func (s *setup) DBHost() string {
	if s.A.Database.Host != "" {
		return s.A.Database.Host
	}
	return s.DBService()
}

// DBService is the compose service name of the database, or "".
func (s *setup) DBService() string {
	if !s.Compose || s.A.Database.Host != "" {
		return ""
	}
	switch s.A.Database.Driver {
	case config.DriverPostgres:
		return "postgres"
	case config.DriverMySQL:
		return "mariadb"
	}
	return ""
}

// CertNote says where this setup's certificate comes from.
func (s *setup) CertNote() string {
	switch s.A.TLS.Mode {
	case config.TLSExisting:
		return "Here: the certificate\n-- and key you gave (tls.cert, tls.key), copied as " + s.CertName + ".crt/.key."
	case config.TLSLetsEncrypt:
		return "Here: a self-signed\n-- placeholder until Let's Encrypt issues the real certificate."
	}
	return "Here: one self-signed\n-- certificate (" + s.CertName + ".crt) for every host below. Clients will\n-- warn about it; replace it with a real one for production."
}

// HostView is one VirtualHost or Component section.
type HostView struct {
	Name, Module, Comment, Doc string
	Lines                      []string
}

// VirtualHosts lays out the VirtualHost sections. A component is found by
// clients of the domain it is a direct subdomain of; every other VirtualHost
// links it with disco_items, so that all users discover all services.
func (s *setup) VirtualHosts() []HostView {
	var hosts []HostView
	for _, d := range s.A.Domains {
		h := HostView{Name: d}
		var items []string
		for _, c := range s.Components() {
			if config.ParentDomain(c.Name) != d {
				items = append(items, fmt.Sprintf("{ %s, %s };", LuaString(c.Name), LuaString(c.Comment)))
			}
		}
		if len(items) > 0 {
			h.Lines = append(h.Lines, "-- Services of other hosts that users of "+d+" should find too.", "disco_items = {")
			for _, it := range items {
				h.Lines = append(h.Lines, "\t"+it)
			}
			h.Lines = append(h.Lines, "}")
		}
		hosts = append(hosts, h)
	}
	return hosts
}

// Components lays out the Component sections.
func (s *setup) Components() []HostView {
	var out []HostView
	a := s.A
	if a.Components.MUC != "" {
		lines := []string{}
		if len(s.Modules.MUC) > 0 {
			names := make([]string, len(s.Modules.MUC))
			for i, m := range s.Modules.MUC {
				names[i] = m.Name
			}
			lines = append(lines, "modules_enabled = "+LuaValue(names)+" -- rooms keep their history (XEP-0313)")
		}
		lines = append(lines,
			"-- Only accounts of "+config.ParentDomain(a.Components.MUC)+" (and admins) may create rooms.",
			`restrict_room_creation = "local"`,
		)
		out = append(out, HostView{Name: a.Components.MUC, Module: "muc", Comment: "Group chats (XEP-0045)",
			Doc: "https://prosody.im/doc/modules/mod_muc", Lines: lines})
	}
	if a.Components.Upload != "" {
		out = append(out, HostView{Name: a.Components.Upload, Module: "http_file_share", Comment: "File sharing (XEP-0363): clients upload files here and send links",
			Doc: "https://prosody.im/doc/modules/mod_http_file_share", Lines: []string{
				"-- The address clients fetch files from; change it if a reverse proxy",
				"-- serves HTTPS on another name or port.",
				"http_external_url = " + LuaString(s.uploadURL()),
				"http_file_share_size_limit = " + LuaValue(100*1024*1024) + " -- 100 MiB per file",
				"http_file_share_daily_quota = " + LuaValue(1024*1024*1024) + " -- 1 GiB per user and day",
			}})
	}
	if a.Components.Proxy65 != "" {
		out = append(out, HostView{Name: a.Components.Proxy65, Module: "proxy65", Comment: "File-transfer proxy (XEP-0065) for clients that cannot connect directly",
			Doc: "https://prosody.im/doc/modules/mod_proxy65", Lines: []string{
				"-- The public name clients connect to; it needs a DNS record.",
				"proxy65_address = " + LuaString(config.ALabel(a.Components.Proxy65)),
				"-- Only accounts of these domains may use it.",
				"proxy65_acl = " + LuaValue(a.Domains),
			}})
	}
	return out
}

func (s *setup) uploadURL() string {
	u := "https://" + config.ALabel(s.A.Components.Upload)
	if s.A.Ports.HTTPS != 443 {
		u += fmt.Sprintf(":%d", s.A.Ports.HTTPS)
	}
	return u + "/"
}

// Hosts returns every host name the certificate must cover: VirtualHosts,
// then components.
func (s *setup) Hosts() []string {
	hosts := append([]string{}, s.A.Domains...)
	for _, c := range s.Components() {
		hosts = append(hosts, c.Name)
	}
	return hosts
}

// TURNHost is the TURN server's name in DNS form.
func (s *setup) TURNHost() string { return config.ALabel(s.A.TURN.Host) }

// TURNSecretLua is turn_external_secret's value: from the environment in a
// compose repo, the secret itself on a host (the file is root:prosody 0640).
func (s *setup) TURNSecretLua() any {
	if s.Compose {
		return LuaExpr("ENV_" + turnSecretEnv)
	}
	return s.TURNSecret
}

// TURNSecretEnv is the environment variable carrying the TURN secret.
func (s *setup) TURNSecretEnv() string { return turnSecretEnv }

// TURNRelay is the UDP port range coturn relays media on.
func (s *setup) TURNRelay() string {
	return fmt.Sprintf("%d-%d", config.TURNRelayMin, config.TURNRelayMax)
}

// TURNRelayMin and TURNRelayMax bound that range, for coturn's config.
func (s *setup) TURNRelayMin() int { return config.TURNRelayMin }
func (s *setup) TURNRelayMax() int { return config.TURNRelayMax }

// DirectTLSServices are the enabled services whose ports start with TLS.
func (s *setup) DirectTLSServices() []string {
	var services []string
	for _, p := range s.Ports {
		switch p.Field {
		case "ports.c2s_direct_tls":
			services = append(services, "c2s_direct_tls")
		case "ports.https":
			services = append(services, "https")
		}
	}
	return services
}

// CertFile and KeyFile are the certificate files, relative to the config's
// folder (as Prosody resolves them).
func (s *setup) CertFile() string { return "certs/" + s.CertName + ".crt" }
func (s *setup) KeyFile() string  { return "certs/" + s.CertName + ".key" }

// CertHosts are the host names the certificate must name, in DNS form.
func (s *setup) CertHosts() []string {
	hosts := s.Hosts()
	names := make([]string, len(hosts))
	for i, h := range hosts {
		names[i] = config.ALabel(h)
	}
	return names
}

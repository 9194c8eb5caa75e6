package scaffold

import (
	"fmt"
	"strings"

	"prosody-wizard/config"
)

// setup is everything the templates read: the resolved setup, whose facts
// config.Resolve worked out once, and what a plan adds to it.
type setup struct {
	config.Setup
	UID, GID   int    // the resolved owner
	DBPassword string // the resolved database password (generated when empty)
	TURNSecret string // the resolved TURN secret (generated when empty)
	CertName   string // base name of the certificate files in certs/
}

// Runtime paths, the same in the container and on a Debian host.
const (
	etcProsody   = "/etc/prosody"
	varLibProsdy = "/var/lib/prosody"
	// dbPasswordEnv carries the database password from .env into the
	// container; the config reads it as ENV_PROSODY_DB_PASSWORD.
	dbPasswordEnv = "PROSODY_DB_PASSWORD"
	// turnSecretEnv carries the TURN secret the same way.
	turnSecretEnv = "PROSODY_TURN_SECRET"
)

func newSetup(cfg config.Setup, in Inputs, dbPassword, turnSecret string) *setup {
	return &setup{
		Setup:      cfg,
		UID:        in.Owner.UID,
		GID:        in.Owner.GID,
		DBPassword: dbPassword,
		TURNSecret: turnSecret,
		CertName:   cfg.Primary().Name,
	}
}

// ConfigFile is prosody.cfg.lua's path at run time.
func (s *setup) ConfigFile() string { return etcProsody + "/prosody.cfg.lua" }

// PidFile is where prosody writes its pid: in the data folder, which it owns.
func (s *setup) PidFile() string { return varLibProsdy + "/prosody.pid" }

// AllowRegistration is the allow_registration value.
func (s *setup) AllowRegistration() bool { return s.Answers.Registration == config.RegistrationOpen }

// RegistrationNote explains the registration policy in the config.
func (s *setup) RegistrationNote() string {
	switch s.Answers.Registration {
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
		name := string(p.Service) + "_ports"
		lines = append(lines, fmt.Sprintf("%s = %s -- %s", name, LuaValue([]int{p.Number}), p.Label))
	}
	return lines
}

// StorageNote says where the data is kept and, for SQL, which LuaDBI
// driver and Debian package reach it.
func (s *setup) StorageNote() string {
	d := s.Driver
	if d.LuaDBI == "" {
		return d.About + "."
	}
	note := d.About + ` (LuaDBI driver "` + d.LuaDBI + `", Debian package ` + d.Package + ")."
	if d.Network {
		note += " Prosody creates its tables on first start."
	}
	return note
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
	d, db := s.Answers.Database, s.Driver
	switch {
	case db.LuaDBI == "":
		return nil
	case !db.Network:
		return []LuaField{{Key: "driver", Value: db.LuaDBI}, {Key: "database", Value: d.Name + ".sqlite", Note: "in the data folder"}}
	}
	password := LuaField{Key: "password", Value: s.DBPassword}
	if s.Compose() {
		password = LuaField{Key: "password", Value: LuaExpr("ENV_" + dbPasswordEnv), Note: "from .env, through compose.yaml"}
	}
	return []LuaField{
		{Key: "driver", Value: db.LuaDBI},
		{Key: "database", Value: d.Name},
		{Key: "username", Value: d.User},
		password,
		{Key: "host", Value: s.DBHost()},
		{Key: "port", Value: s.DBPort},
	}
}

// DBHost is the database server's host: the answer, or the compose service.
func (s *setup) DBHost() string {
	if s.Answers.Database.Host != "" {
		return s.Answers.Database.Host
	}
	return s.DBService()
}

// DBService is the compose service that runs the database server, or "".
func (s *setup) DBService() string {
	if !s.Compose() || s.Answers.Database.Host != "" {
		return ""
	}
	return s.Driver.Service
}

// CertNote says where this setup's certificate comes from.
func (s *setup) CertNote() string {
	switch s.Answers.TLS.Mode {
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
	for _, d := range s.DomainHosts() {
		h := HostView{Name: d.Name}
		var items []string
		for _, c := range s.Components() {
			if config.ParentDomain(c.Name) != d.Name {
				items = append(items, fmt.Sprintf("{ %s, %s };", LuaString(c.Name), LuaString(c.Comment)))
			}
		}
		if len(items) > 0 {
			h.Lines = append(h.Lines, "-- Services of other hosts that users of "+d.Name+" should find too.", "disco_items = {")
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
	for _, c := range s.ComponentHosts() {
		switch c.Kind {
		case config.HostMUC:
			lines := []string{}
			if len(s.Modules.MUC) > 0 {
				names := make([]string, len(s.Modules.MUC))
				for i, m := range s.Modules.MUC {
					names[i] = m.Name
				}
				lines = append(lines, "modules_enabled = "+LuaValue(names)+" -- rooms keep their history (XEP-0313)")
			}
			lines = append(lines,
				"-- Only accounts of "+config.ParentDomain(c.Name)+" (and admins) may create rooms.",
				`restrict_room_creation = "local"`,
			)
			out = append(out, HostView{Name: c.Name, Module: "muc", Comment: "Group chats (XEP-0045)",
				Doc: "https://prosody.im/doc/modules/mod_muc", Lines: lines})
		case config.HostUpload:
			out = append(out, HostView{Name: c.Name, Module: "http_file_share", Comment: "File sharing (XEP-0363): clients upload files here and send links",
				Doc: "https://prosody.im/doc/modules/mod_http_file_share", Lines: []string{
					"-- The address clients fetch files from; change it if a reverse proxy",
					"-- serves HTTPS on another name or port.",
					"http_external_url = " + LuaString(s.uploadURL(c)),
					"http_file_share_size_limit = " + LuaValue(100*1024*1024) + " -- 100 MiB per file",
					"http_file_share_daily_quota = " + LuaValue(1024*1024*1024) + " -- 1 GiB per user and day",
				}})
		case config.HostProxy65:
			out = append(out, HostView{Name: c.Name, Module: "proxy65", Comment: "File-transfer proxy (XEP-0065) for clients that cannot connect directly",
				Doc: "https://prosody.im/doc/modules/mod_proxy65", Lines: []string{
					"-- The public name clients connect to; it needs a DNS record.",
					"proxy65_address = " + LuaString(c.ASCII),
					"-- Only accounts of these domains may use it.",
					"proxy65_acl = " + LuaValue(s.Answers.Domains),
				}})
		}
	}
	return out
}

func (s *setup) uploadURL(upload config.Host) string {
	u := "https://" + upload.ASCII
	if s.Answers.Ports.HTTPS != 443 {
		u += fmt.Sprintf(":%d", s.Answers.Ports.HTTPS)
	}
	return u + "/"
}

// TURNSecretLua is turn_external_secret's value: from the environment in a
// compose repo, the secret itself on a host (the file is root:prosody 0640).
func (s *setup) TURNSecretLua() any {
	if s.Compose() {
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
		if p.DirectTLS {
			services = append(services, string(p.Service))
		}
	}
	return services
}

// CertFile and KeyFile are the certificate files, relative to the config's
// folder (as Prosody resolves them).
func (s *setup) CertFile() string { return "certs/" + s.CertName + ".crt" }
func (s *setup) KeyFile() string  { return "certs/" + s.CertName + ".key" }

// CertHosts are the host names the certificate must name, in DNS form:
// every VirtualHost, then the components.
func (s *setup) CertHosts() []string {
	names := make([]string, len(s.Hosts))
	for i, h := range s.Hosts {
		names[i] = h.ASCII
	}
	return names
}

package scaffold

import (
	"bytes"
	"embed"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"text/template"

	"prosody-wizard/config"
)

//go:embed templates/*.tmpl
var templateFS embed.FS

// templates holds every generated text file's template. Variables come from
// setup (see setup.go, where each is documented); every value that lands in
// Lua goes through lua, every YAML scalar through yaml, every .env value
// through env, every shell word of a script or a command line through sh.
// They are parsed on first use, not at package init, so that runs which
// render nothing (--version, --help) do not pay for them.
var templates = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("").Funcs(template.FuncMap{
		"lua":    LuaValue,
		"luakey": luaKey,
		"yaml":   yamlString,
		"sh":     ShellQuote,
		"env":    DotenvValue,
	}).ParseFS(templateFS, "templates/*.tmpl"))
})

// render executes one template with the setup.
func render(name string, s *setup) []byte {
	var buf bytes.Buffer
	if err := templates().ExecuteTemplate(&buf, name+".tmpl", s); err != nil {
		panic(fmt.Sprintf("scaffold: template %s: %v", name, err))
	}
	out := buf.Bytes()
	if !bytes.HasSuffix(out, []byte("\n")) {
		out = append(out, '\n')
	}
	return out
}

// yamlString writes a YAML double-quoted scalar. Go's quoting is a subset of
// YAML's double-quoted escapes (\n, \", \\, \xXX, \uXXXX).
func yamlString(s string) string { return strconv.Quote(s) }

// ProjectName is the compose project name: the primary domain in DNS form,
// dots as hyphens (compose allows only [a-z0-9_-]).
func (s *setup) ProjectName() string {
	return strings.ReplaceAll(config.ALabel(s.Primary), ".", "-")
}

// UserSpec is compose's user: numeric uid:gid.
func (s *setup) UserSpec() string { return fmt.Sprintf("%d:%d", s.UID, s.GID) }

// DBPasswordEnv is the environment variable carrying the database password.
func (s *setup) DBPasswordEnv() string { return dbPasswordEnv }

// C2SPort is the client port the healthcheck watches.
func (s *setup) C2SPort() int { return s.A.Ports.C2S }

// ComposePort is one published port in compose.yaml.
type ComposePort struct{ Compose, Service string }

// ComposePorts publishes every active port on the same number.
func (s *setup) ComposePorts() []ComposePort {
	out := make([]ComposePort, len(s.Ports))
	for i, p := range s.Ports {
		out[i] = ComposePort{Compose: fmt.Sprintf("%d:%d", p.Port, p.Port), Service: p.Service}
	}
	return out
}

// DBLabel names the database server for people.
func (s *setup) DBLabel() string {
	switch s.A.Database.Driver {
	case config.DriverPostgres:
		return "PostgreSQL"
	case config.DriverMySQL:
		return "MariaDB"
	}
	return ""
}

// DebianPackages are the extra packages the image needs: the LuaDBI driver.
func (s *setup) DebianPackages() []string {
	switch s.A.Database.Driver {
	case config.DriverSQLite:
		return []string{"lua-dbi-sqlite3"}
	case config.DriverPostgres:
		return []string{"lua-dbi-postgresql"}
	case config.DriverMySQL:
		return []string{"lua-dbi-mysql"}
	}
	return nil
}

// FirstUser is the account the README suggests creating first.
func (s *setup) FirstUser() string {
	if len(s.A.Admins) > 0 {
		return s.A.Admins[0]
	}
	return "admin@" + s.Primary
}

// InviteCommand creates an invitation on the primary domain.
func (s *setup) InviteCommand() string {
	if s.Series == config.Series012 {
		return ShellCommand("prosodyctl", "mod_invites", "generate", s.Primary)
	}
	return ShellCommand("prosodyctl", "shell", "invite", "create_account", s.Primary)
}

// Documentation addresses used in DNS examples (RFC 5737, RFC 3849).
const (
	exampleIPv4 = "203.0.113.10"
	exampleIPv6 = "2001:db8::10"
)

// DNSRecords lists the records a public server of this setup needs, in zone
// file syntax: addresses for every domain, components pointing at the
// primary, and the SRV records for clients and servers.
func (s *setup) DNSRecords() []string {
	primary := config.ALabel(s.Primary) + "."
	var rr []string
	rec := func(name, typ, data string) {
		rr = append(rr, fmt.Sprintf("%-40s 3600 IN %-5s %s", name, typ, data))
	}
	// Every domain gets addresses: a domain is its zone's apex, where a
	// CNAME is not allowed. Components point at the primary domain.
	for _, d := range s.A.Domains {
		rec(config.ALabel(d)+".", "A", exampleIPv4)
		rec(config.ALabel(d)+".", "AAAA", exampleIPv6)
	}
	for _, h := range s.Hosts()[len(s.A.Domains):] {
		rec(config.ALabel(h)+".", "CNAME", primary)
	}
	for _, d := range s.A.Domains {
		name := config.ALabel(d) + "."
		rec("_xmpp-client._tcp."+name, "SRV", fmt.Sprintf("0 5 %d %s", s.A.Ports.C2S, primary))
		if s.A.Ports.C2SDirectTLS != 0 {
			rec("_xmpps-client._tcp."+name, "SRV", fmt.Sprintf("0 5 %d %s", s.A.Ports.C2SDirectTLS, primary))
		}
	}
	if s.A.Federation {
		for _, h := range s.Hosts() {
			if h == s.A.Components.Upload || h == s.A.Components.Proxy65 {
				continue // reached over HTTPS or SOCKS5, not s2s
			}
			rec("_xmpp-server._tcp."+config.ALabel(h)+".", "SRV", fmt.Sprintf("0 5 %d %s", s.A.Ports.S2S, primary))
		}
	}
	return rr
}

package scaffold

import (
	"bytes"
	"embed"
	"fmt"
	"slices"
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
// The templates write all the syntax around those values themselves; wrap
// fills prose into comment lines that start the way a template says, pad
// lines up columns, and markline and mark … endmark say which answers
// produced the lines they mark (see Marks). They are parsed on first use,
// not at package init, so that runs which render nothing (--version,
// --help) do not pay for them.
var templates = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("").Funcs(template.FuncMap{
		"lua":      LuaValue,
		"yaml":     yamlString,
		"sh":       ShellQuote,
		"env":      DotenvValue,
		"wrap":     Wrap,
		"pad":      pad,
		"markline": markLine,
		"mark":     mark,
		"endmark":  endMark,
	}).ParseFS(templateFS, "templates/*.tmpl"))
})

// render executes one template with the setup: the file's text and its
// marks.
func render(name string, s *setup) text {
	var buf bytes.Buffer
	if err := templates().ExecuteTemplate(&buf, name+".tmpl", s); err != nil {
		panic(fmt.Sprintf("scaffold: template %s: %v", name, err))
	}
	out, marks, err := unmark(buf.Bytes())
	if err != nil {
		panic(fmt.Sprintf("scaffold: template %s: %v", name, err))
	}
	if !bytes.HasSuffix(out, []byte("\n")) {
		out = append(out, '\n')
	}
	return text{out, marks}
}

// yamlString writes a YAML double-quoted scalar. Go's quoting is a subset of
// YAML's double-quoted escapes (\n, \", \\, \xXX, \uXXXX).
func yamlString(s string) string { return strconv.Quote(s) }

// ProjectName is the compose project name: the primary domain in DNS form,
// dots as hyphens (compose allows only [a-z0-9_-]).
func (s *setup) ProjectName() string {
	return strings.ReplaceAll(s.Primary().ASCII, ".", "-")
}

// UserSpec is compose's user: numeric uid:gid.
func (s *setup) UserSpec() string { return fmt.Sprintf("%d:%d", s.UID, s.GID) }

// The images compose.yaml takes from a registry besides the database's
// (config.Driver.Image); the comment above each image line there says why
// that tag.
const (
	certbotImage = "certbot/certbot:v5.8.0"
	coturnImage  = "coturn/coturn:4.6.3"
)

// CertbotImage and CoturnImage are the certbot and coturn services' images.
func (s *setup) CertbotImage() string { return certbotImage }
func (s *setup) CoturnImage() string  { return coturnImage }

// PulledImage is an image of a compose service that is not built here.
type PulledImage struct {
	// Ref is the image and its tag.
	Ref string
	// Pinned: the tag is one version, which "docker compose pull" never
	// moves; otherwise a release line, whose point releases it fetches.
	Pinned bool
}

// PulledImages are the images "docker compose pull" updates, in the order
// of compose.yaml's services.
func (s *setup) PulledImages() []PulledImage {
	var images []PulledImage
	if s.Answers.TLS.Mode == config.TLSLetsEncrypt {
		images = append(images, PulledImage{certbotImage, true})
	}
	if s.Answers.TURN.Host != "" {
		images = append(images, PulledImage{coturnImage, true})
	}
	if s.DBService() != "" {
		images = append(images, PulledImage{s.Driver.Image, false})
	}
	return images
}

// DBPasswordEnv is the environment variable carrying the database password.
func (s *setup) DBPasswordEnv() string { return dbPasswordEnv }

// C2SPort is the client port the healthcheck watches.
func (s *setup) C2SPort() int { return s.Answers.Ports.C2S }

// DebianPackages are the extra packages the image needs: the LuaDBI
// driver, and during a storage move out of SQLite SQLite's too, which
// prosody-migrator reads the old data with (a run after the move drops
// it again).
func (s *setup) DebianPackages() []string {
	var pkgs []string
	if s.Driver.Package != "" {
		pkgs = append(pkgs, s.Driver.Package)
	}
	if s.Move != nil && s.Move.From.Package != "" && s.Move.From.Package != s.Driver.Package {
		pkgs = append(pkgs, s.Move.From.Package)
	}
	return pkgs
}

// FirstAccount is the command that makes the first account, the first
// admin (see FirstAccount).
func (s *setup) FirstAccount() AccountCommand { return FirstAccount(s.Setup) }

// InviteCommand creates an invitation on the primary domain, run where
// the first account's command runs (AccountCommand.Wrapper): the README's
// and the next steps' alike.
func (s *setup) InviteCommand() string {
	return ShellCommand(append(slices.Clone(s.FirstAccount().Wrapper), inviteWords(s)...)...)
}

// inviteWords are prosodyctl's words that create an invitation to sign up
// on the primary domain, under any free name.
func inviteWords(s *setup) []string {
	if s.Series() == config.Series012 {
		return []string{"prosodyctl", "mod_invites", "generate", s.Primary().Name}
	}
	return []string{"prosodyctl", "shell", "invite", "create_account", s.Primary().Name}
}

// inviteStep is the next step that invites someone (see InviteCommand).
func inviteStep(s *setup, account AccountCommand) string {
	what := fmt.Sprintf("invite someone (registration is by invitation; each link makes one account on %s", s.Primary().Name)
	if account.Running {
		what += ", once Prosody runs"
	}
	return what + "): " + s.InviteCommand()
}

// Documentation addresses used in DNS examples (RFC 5737, RFC 3849); in a
// cluster, the XMPP Service has addresses of its own.
const (
	exampleIPv4     = "203.0.113.10"
	exampleIPv6     = "2001:db8::10"
	exampleXMPPIPv4 = "203.0.113.11"
	exampleXMPPIPv6 = "2001:db8::11"
)

// XMPPTarget is the name a cluster's SRV records point at, whose
// addresses are the XMPP Service's: xmpp.<primary domain>.
func (s *setup) XMPPTarget() string { return "xmpp." + s.Primary().ASCII }

// DNSRecords lists the records a public server of this setup needs, in zone
// file syntax: addresses for every domain, components pointing at the
// primary, and the SRV records for clients and servers.
func (s *setup) DNSRecords() []string {
	a := s.Answers
	primary := s.Primary().ASCII + "."
	target := primary // where the SRV records point
	var rr []string
	rec := func(name, typ, data string) {
		rr = append(rr, fmt.Sprintf("%-40s 3600 IN %-5s %s", name, typ, data))
	}
	// Every domain gets addresses: a domain is its zone's apex, where a
	// CNAME is not allowed. Components point at the primary domain.
	for _, d := range s.DomainHosts() {
		rec(d.ASCII+".", "A", exampleIPv4)
		rec(d.ASCII+".", "AAAA", exampleIPv6)
	}
	for _, h := range s.ComponentHosts() {
		if h.Kind == config.HostProxy65 && s.Kubernetes() {
			// SOCKS5 on the XMPP Service, not the Ingress.
			rec(h.ASCII+".", "CNAME", s.XMPPTarget()+".")
			continue
		}
		rec(h.ASCII+".", "CNAME", primary)
	}
	if s.Kubernetes() {
		// The domains' addresses are the Ingress's (web clients, file
		// sharing, Let's Encrypt's checks); the XMPP ports are on
		// another address, the Service's, which the SRV records name.
		target = s.XMPPTarget() + "."
		rec(target, "A", exampleXMPPIPv4)
		rec(target, "AAAA", exampleXMPPIPv6)
	}
	for _, d := range s.DomainHosts() {
		name := d.ASCII + "."
		rec("_xmpp-client._tcp."+name, "SRV", fmt.Sprintf("0 5 %d %s", a.Ports.C2S, target))
		if a.Ports.C2SDirectTLS != 0 {
			rec("_xmpps-client._tcp."+name, "SRV", fmt.Sprintf("0 5 %d %s", a.Ports.C2SDirectTLS, target))
		}
	}
	if a.Federation {
		for _, h := range s.Hosts {
			if h.Kind == config.HostUpload || h.Kind == config.HostProxy65 {
				continue // reached over HTTPS or SOCKS5, not s2s
			}
			rec("_xmpp-server._tcp."+h.ASCII+".", "SRV", fmt.Sprintf("0 5 %d %s", a.Ports.S2S, target))
		}
	}
	return rr
}

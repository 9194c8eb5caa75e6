package scaffold

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

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
	// NextSteps and Warnings are the plan's notes (see notes), for the
	// file a host install keeps them in.
	NextSteps, Warnings []string
	// Move is the storage move whose migrator configuration the plan
	// writes, or nil (see storageMove).
	Move *StorageMove
	// Transition is what this re-run changes on the running server, or
	// nil (see transition).
	Transition *Transition
	// localFiles are a cluster's own config files (LocalConfigFiles).
	localFiles []string
}

// NotesPath is where a host install keeps its notes, at run time.
func (s *setup) NotesPath() string { return etcProsody + "/" + hostNotesFile }

// Step is one next step as a file lists it: what it does, and the command
// that does it ("" when there is none).
type Step struct {
	What, Command string
	Number        int
}

// Item is the step as a numbered Markdown list item: the number, what it
// does wrapped, and a colon when a command follows.
func (st Step) Item() string {
	text := fmt.Sprintf("%d. %s", st.Number, st.What)
	if st.Command != "" {
		text += ":"
	}
	return strings.TrimPrefix(Wrap(notesWidth, "   ", text), "   ")
}

// notesWidth is how wide NEXT-STEPS.md's prose may be.
const notesWidth = 78

// WrapItem writes a warning as a Markdown list item, wrapped.
func (s *setup) WrapItem(text string) string {
	return strings.TrimPrefix(Wrap(notesWidth, "  ", "- "+text), "  ")
}

// SplitStep splits a next step, "what: command", into what it does and
// the command ("" when the step has none).
func SplitStep(step string) (what, command string) {
	what, command, ok := strings.Cut(step, ": ")
	if !ok {
		return step, ""
	}
	return what, command
}

// Steps are the next steps, split and numbered.
func (s *setup) Steps() []Step {
	steps := make([]Step, len(s.NextSteps))
	for i, n := range s.NextSteps {
		what, cmd := SplitStep(n)
		steps[i] = Step{What: what, Command: cmd, Number: i + 1}
	}
	return steps
}

// NotesHoldPassword: the next steps hold the database password (the
// command that creates its user).
func (s *setup) NotesHoldPassword() bool { return s.Driver.Network && !s.Container() }

// hostNotesFile is the file beside a host install's config that keeps the
// next steps, the warnings and the DNS records.
const hostNotesFile = "NEXT-STEPS.md"

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

// OwnConfigDir is the folder of the person's own config files, relative
// to the config's folder (as Include resolves it).
func (s *setup) OwnConfigDir() string { return OwnConfigDir }

// OwnConfigExample is the example file's name in OwnConfigDir.
func (s *setup) OwnConfigExample() string { return ownConfigExample }

// PidFile is where prosody writes its pid: in the data folder, which it owns.
func (s *setup) PidFile() string { return varLibProsody + "/prosody.pid" }

// AllowRegistration is the allow_registration value.
func (s *setup) AllowRegistration() bool { return s.Answers.Registration == config.RegistrationOpen }

// InvitesRegister: mod_invites_register is loaded, so invitation links
// create accounts (on 13.0 always, for the first admin's; see
// config.Recommended).
func (s *setup) InvitesRegister() bool {
	return slices.Contains(s.Modules.Names(), "invites_register")
}

// ContactInfo are the contact addresses contact_info publishes, by kind,
// the kinds without addresses left out; Contact says whether it is
// written at all.
func (s *setup) ContactInfo() []config.ContactList {
	var lists []config.ContactList
	for _, l := range s.Answers.Contact.Lists() {
		if len(l.URIs) > 0 {
			lists = append(lists, l)
		}
	}
	return lists
}

// Contact: mod_server_contact_info is loaded, and contact_info says what
// it publishes (also when that is nothing: the person emptied it, and
// Prosody would otherwise publish the admins).
func (s *setup) Contact() bool {
	return slices.Contains(s.Modules.Names(), "server_contact_info")
}

// ModuleGroup is the modules of modules_enabled in one catalog group.
type ModuleGroup struct {
	Name    string
	Modules []ModuleLine
	// Follows are the answers its heading follows: those every module of
	// the group follows (see config.EnabledModule.Follows).
	Follows []string
}

// ModuleLine is one module of modules_enabled: its name and what its
// comment says.
type ModuleLine struct {
	Name string
	// Note says what the module does, and which module needs it when it
	// is there as a dependency.
	Note string
	// Follows are the answers that put it there (besides modules).
	Follows []string
}

// ModuleGroups are the global modules, by catalog group in the order of
// config.Groups; groups without modules are left out.
func (s *setup) ModuleGroups() []ModuleGroup {
	var groups []ModuleGroup
	for _, g := range config.Groups {
		var mods []ModuleLine
		var follows [][]string
		for _, m := range s.Modules.Global {
			if m.Group != g {
				continue
			}
			note := m.Summary
			if strings.HasPrefix(m.Reason, "needed by ") {
				note += " (" + m.Reason + ")"
			}
			mods = append(mods, ModuleLine{Name: m.Name, Note: note, Follows: m.Follows})
			follows = append(follows, m.Follows)
		}
		if len(mods) > 0 {
			groups = append(groups, ModuleGroup{Name: g, Modules: mods, Follows: config.Common(follows...)})
		}
	}
	return groups
}

// ModuleColumn is the column modules_enabled lines its comments up at: past
// the widest module name as lua quotes it, followed by sep.
func (s *setup) ModuleColumn(sep string) int {
	width := 0
	for _, m := range s.Modules.Global {
		width = max(width, utf8.RuneCountInString(LuaString(m.Name)+sep))
	}
	return width
}

// MUCModules are the names of the modules enabled inside the MUC component.
func (s *setup) MUCModules() []string {
	names := make([]string, len(s.Modules.MUC))
	for i, m := range s.Modules.MUC {
		names[i] = m.Name
	}
	return names
}

// MUCFollows are the answers the MUC component's modules follow.
func (s *setup) MUCFollows() []string {
	var follows []string
	for _, m := range s.Modules.MUC {
		follows = append(follows, m.Follows...)
	}
	return follows
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

// EnvFollows are the answers compose.yaml's environment block follows:
// the database driver when only the database password is there, the TURN
// host when only the TURN secret is.
func (s *setup) EnvFollows() []string {
	var follows [][]string
	if s.Driver.Network {
		follows = append(follows, []string{"database.driver"})
	}
	if s.Answers.TURN.Host != "" {
		follows = append(follows, []string{"turn.host"})
	}
	return config.Common(follows...)
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

// VirtualHost is one VirtualHost section.
type VirtualHost struct {
	config.Host
	// Disco are the components its users would not find on their own,
	// which it lists in disco_items (see VirtualHosts).
	Disco []Component
}

// DiscoFollows are the answers disco_items is there for: a component's
// when it lists only that one.
func (h VirtualHost) DiscoFollows() []string { return componentFollows(h.Disco) }

// componentFollows are the answers a block listing these components
// follows: the field of the one component it lists, else none (turning one
// off leaves the others).
func componentFollows(cs []Component) []string {
	fields := make([][]string, len(cs))
	for i, c := range cs {
		fields[i] = []string{c.Field}
	}
	return config.Common(fields...)
}

// VirtualHosts are the VirtualHost sections. A component is found by
// clients of the domain it is a direct subdomain of; every other
// VirtualHost lists it in disco_items, so that all users discover all
// services.
func (s *setup) VirtualHosts() []VirtualHost {
	var hosts []VirtualHost
	for _, d := range s.DomainHosts() {
		h := VirtualHost{Host: d}
		for _, c := range s.Components() {
			if config.ParentDomain(c.Name) != d.Name {
				h.Disco = append(h.Disco, c)
			}
		}
		hosts = append(hosts, h)
	}
	return hosts
}

// Component is one Component section: the host, the Prosody module that
// serves it, what it is for and where its documentation is.
type Component struct {
	config.Host
	Module, About, Doc string
	// URL is the address clients fetch shared files from (upload only).
	URL string
}

// Parent is the domain the component is a direct subdomain of.
func (c Component) Parent() string { return config.ParentDomain(c.Name) }

// componentKinds says, per kind of component, the module that serves it,
// what it is for and its documentation.
var componentKinds = map[config.HostKind]Component{
	config.HostMUC: {Module: "muc", About: "Group chats (XEP-0045)",
		Doc: "https://prosody.im/doc/modules/mod_muc"},
	config.HostUpload: {Module: "http_file_share", About: "File sharing (XEP-0363): clients upload files here and send links",
		Doc: "https://prosody.im/doc/modules/mod_http_file_share"},
	config.HostProxy65: {Module: "proxy65", About: "File-transfer proxy (XEP-0065) for clients that cannot connect directly",
		Doc: "https://prosody.im/doc/modules/mod_proxy65"},
}

// ComponentFollows are the answers the Components heading follows.
func (s *setup) ComponentFollows() []string { return componentFollows(s.Components()) }

// Components are the Component sections, in the order of the hosts.
func (s *setup) Components() []Component {
	out := make([]Component, 0, 3)
	for _, h := range s.ComponentHosts() {
		c := componentKinds[h.Kind]
		c.Host = h
		if h.Kind == config.HostUpload {
			c.URL = s.uploadURL(h)
		}
		out = append(out, c)
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

// TURNSecretEnv is the environment variable carrying the TURN secret.
func (s *setup) TURNSecretEnv() string { return turnSecretEnv }

// TURNConfig and TURNDropIn are a host install's coturn config and the
// systemd drop-in that runs coturn with it, from the root.
func (s *setup) TURNConfig() string { return hostTURNConfig }
func (s *setup) TURNDropIn() string { return hostTURNDropIn }

// TURNRelay is the UDP port range coturn relays media on.
func (s *setup) TURNRelay() string {
	return fmt.Sprintf("%d-%d", config.TURNRelayMin, config.TURNRelayMax)
}

// TURNRelayMin and TURNRelayMax bound that range, for coturn's config.
func (s *setup) TURNRelayMin() int { return config.TURNRelayMin }
func (s *setup) TURNRelayMax() int { return config.TURNRelayMax }

// DirectTLSPorts are the ports that start with TLS.
func (s *setup) DirectTLSPorts() []config.Port {
	var ports []config.Port
	for _, p := range s.Ports {
		if p.DirectTLS {
			ports = append(ports, p)
		}
	}
	return ports
}

// DirectTLSFollows are the answers the comment on the direct TLS ports
// follows: those every such port follows.
func (s *setup) DirectTLSFollows() []string {
	var follows [][]string
	for _, p := range s.DirectTLSPorts() {
		follows = append(follows, append([]string{p.Field}, p.Follows...))
	}
	return config.Common(follows...)
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

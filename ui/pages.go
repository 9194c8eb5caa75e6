package ui

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"charm.land/huh/v2"

	"prosody-wizard/config"
)

// step is one question group of a page. In the terminal UI a page is one
// huh form whose steps are groups (hidden when they do not apply); in
// accessible mode every step is its own plain form, asked only when it
// applies. when is read at the moment a step is reached, so follow-up
// questions see the answers just given.
type step struct {
	title, description string
	when               func(d *draft) bool // nil: always
	fields             func(d *draft, series config.Series) []huh.Field
}

// page is one screen of the wizard.
type page struct {
	name  string // welcome, domains, tls, database, modules, components, deployment, review
	title string
	steps []step
	// previewFile is the file the preview shows on this page, one of
	// previewFiles (the second stands for the deployment's file). It
	// highlights the lines the focused question's answer produced (the
	// plan marks them by the answers file's name for the answer, which is
	// each question's key), or the page's questions' when that one
	// produced none there.
	previewFile string
	// accessibleSteps, when set, replace steps for the plain prompts.
	accessibleSteps []step
}

// moduleOptions lists modules as "name  summary" options, the selected
// ones checked (the accessible prompts' numbered list).
func moduleOptions(mods []config.Module, selected []string) []huh.Option[string] {
	opts := make([]huh.Option[string], len(mods))
	for i, m := range mods {
		opts[i] = huh.NewOption(fmt.Sprintf("%-20s %s", m.Name, m.Summary), m.Name).
			Selected(slices.Contains(selected, m.Name))
	}
	return opts
}

func (s step) applies(d *draft) bool { return s.when == nil || s.when(d) }

// pages are the wizard's pages in order; review is built by the model.
var pages = []page{
	{
		name: "welcome", title: "Welcome", previewFile: "prosody.cfg.lua",
		steps: []step{{
			title: "prosody-wizard",
			description: "From nothing to a working, secure Prosody XMPP server. Answer a few questions; " +
				"the files they produce appear in the preview as you go: beside the questions on a terminal " +
				"100 columns wide or more, on ctrl+p on a narrower one. esc goes back, ctrl+c quits " +
				"without writing anything.",
			fields: func(d *draft, _ config.Series) []huh.Field {
				return []huh.Field{
					huh.NewSelect[string]().Key("prosody").Title("Prosody version").
						Description("13.0 is current (Debian bookworm-backports); 0.12 is Debian bookworm's.").
						Options(huh.NewOption("13.0", string(config.Series13)), huh.NewOption("0.12", string(config.Series012))).
						Value(&d.Series),
				}
			},
		}},
	},
	{
		name: "domains", title: "Domains and accounts", previewFile: "prosody.cfg.lua",
		steps: []step{{
			title:       "Domains and accounts",
			description: "Each domain is a VirtualHost: accounts look like user@domain.",
			fields: func(d *draft, _ config.Series) []huh.Field {
				// follow refreshes the admins field as the domain is typed.
				admins := d.followed(huh.NewInput().Key("admins").Title("Admins").Description("Accounts allowed to administer the server"),
					&d.Admins, nil).Validate(validAdmins(d))
				// follow refreshes the abuse address as the admins are typed.
				abuse := d.followed(huh.NewInput().Key("contact").Title("Abuse contact").
					Description("Where people report spam or abuse (XEP-0157): mailto:, xmpp: or https: addresses, separated by spaces"),
					&d.Abuse, nil).Placeholder("(none)").Validate(validContact(&d.Abuse))
				return []huh.Field{
					huh.NewInput().Key("domains").Title("Domain").Description("The primary domain, e.g. example.org").
						Placeholder("example.org").Value(&d.Primary).Validate(validPrimary(d)),
					huh.NewInput().Key("domains").Title("More domains").Description("Optional, separated by spaces").
						Value(&d.MoreDomains).Validate(validMoreDomains(d)),
					admins,
					abuse,
					huh.NewSelect[string]().Key("registration").Title("Registration").
						Options(
							huh.NewOption("closed: admins create accounts", config.RegistrationClosed),
							huh.NewOption("invite: sign-up with an invitation link", config.RegistrationInvite),
							huh.NewOption("open: anyone can register", config.RegistrationOpen),
						).Value(&d.Registration),
					huh.NewConfirm().Key("federation").Title("Federation").Description("Talk to accounts on other XMPP servers?").
						Affirmative("Yes").Negative("No").Value(&d.Federation),
				}
			},
		}},
	},
	{
		name: "tls", title: "Certificates", previewFile: "prosody.cfg.lua",
		steps: []step{
			{
				title:       "Certificates",
				description: "One certificate covers every domain and component.",
				fields: func(d *draft, _ config.Series) []huh.Field {
					return []huh.Field{huh.NewSelect[string]().Key("tls.mode").Title("Where does the certificate come from?").
						Options(tlsOptions(d.Deploy)...).Value(&d.TLSMode)}
				},
			},
			{
				title: "Your certificate files",
				when:  func(d *draft) bool { return d.TLSMode == config.TLSExisting },
				fields: func(d *draft, _ config.Series) []huh.Field {
					return []huh.Field{
						huh.NewInput().Key("tls.cert").Title("Certificate chain (PEM)").Placeholder("/etc/letsencrypt/live/example.org/fullchain.pem").
							Value(&d.Cert).Validate(check(&d.Cert, func(s string) string { return config.TLSFileProblem(s, config.TLSCertWhat) })),
						huh.NewInput().Key("tls.key").Title("Private key (PEM)").Placeholder("/etc/letsencrypt/live/example.org/privkey.pem").
							Value(&d.Key).Validate(check(&d.Key, func(s string) string { return config.TLSFileProblem(s, config.TLSKeyWhat) })),
					}
				},
			},
			{
				title: "Let's Encrypt",
				when:  func(d *draft) bool { return d.TLSMode == config.TLSLetsEncrypt },
				fields: func(d *draft, _ config.Series) []huh.Field {
					return []huh.Field{huh.NewInput().Key("tls.email").Title("E-mail for the ACME account").Placeholder("admin@example.org").
						Value(&d.Email).Validate(check(&d.Email, config.ACMEEmailProblem))}
				},
			},
		},
	},
	{
		name: "database", title: "Storage", previewFile: "prosody.cfg.lua",
		steps: []step{
			{
				title: "Storage",
				fields: func(d *draft, _ config.Series) []huh.Field {
					return []huh.Field{huh.NewSelect[string]().Key("database.driver").Title("Where does Prosody keep its data?").
						Options(
							huh.NewOption("internal: plain files (simplest)", config.DriverInternal),
							huh.NewOption("sqlite: one SQLite file", config.DriverSQLite),
							huh.NewOption("postgres: PostgreSQL", config.DriverPostgres),
							huh.NewOption("mysql: MySQL or MariaDB", config.DriverMySQL),
						).Value(&d.Driver)}
				},
			},
			{
				title: "Database connection",
				when:  func(d *draft) bool { return d.networkDriver() },
				fields: func(d *draft, _ config.Series) []huh.Field {
					return []huh.Field{
						huh.NewInput().Key("database.host").Title("Host").Description(dbHostDescription(d.Deploy)).Placeholder(dbHostPlaceholder(d.Deploy)).Value(&d.DBHost).Validate(validDBHost(d)),
						huh.NewInput().Key("database.port").Title("Port").Placeholder("(the default)").Value(&d.DBPort).Validate(validDBPort(d)),
						huh.NewInput().Key("database.name").Title("Database").Value(&d.DBName).Validate(check(&d.DBName, config.DatabaseNameProblem)),
						huh.NewInput().Key("database.user").Title("User").Value(&d.DBUser).Validate(check(&d.DBUser, config.DatabaseNameProblem)),
						passwordInput(d).Key("database.password").Title("Password").Placeholder("(generated)").Value(&d.DBPassword).Validate(validSecret),
					}
				},
			},
		},
	},
	{
		// The terminal UI asks with its own list (modules.go): every
		// module in one scrolling list, searched across groups.
		name: "modules", title: "Modules", previewFile: "prosody.cfg.lua",
		// Plain prompts: one numbered list (a screen reader reads it once).
		accessibleSteps: []step{{
			title:       "Modules",
			description: "The recommended set is on; what they need is added. Type numbers to turn modules on or off, several on a line if you like.",
			fields: func(d *draft, series config.Series) []huh.Field {
				opts := moduleOptions(config.Catalog().Choosable(series), d.Modules)
				return []huh.Field{huh.NewMultiSelect[string]().Key("modules").Title("Modules").Options(opts...).Value(&d.Modules)}
			},
		}},
	},
	{
		name: "components", title: "Services", previewFile: "prosody.cfg.lua",
		steps: []step{{
			title:       "Services",
			description: "Each runs on a host name of its own; leave one empty to turn it off.",
			fields: func(d *draft, _ config.Series) []huh.Field {
				return []huh.Field{
					huh.NewInput().Key("components.muc").Title("Group chats (MUC)").Placeholder("(off)").Value(&d.MUC).Validate(validComponent(d, &d.MUC)),
					huh.NewInput().Key("components.upload").Title("File sharing").Placeholder("(off)").Value(&d.Upload).Validate(validComponent(d, &d.Upload)),
					huh.NewInput().Key("components.proxy65").Title("File-transfer proxy").Placeholder("(off)").Value(&d.Proxy65).Validate(validComponent(d, &d.Proxy65)),
					huh.NewInput().Key("turn.host").Title("TURN for calls").Description(turnDescription(d.Deploy)).Placeholder("(off)").
						Value(&d.TURN).Validate(validTURNHost(&d.TURN)),
				}
			},
		}, proxyStep},
	},
	{
		// The preview shows the deployment's file: compose.yaml, or a
		// cluster's StatefulSet (deploymentFile).
		name: "deployment", title: "Deployment", previewFile: previewFiles[1],
		// The output folder and the owner follow the kind of deployment
		// (a host install goes to /), so they are asked once it is
		// chosen, after a cluster's own questions; accessible mode builds
		// each step when it asks it.
		steps: []step{
			{
				title: "Deployment",
				fields: func(d *draft, _ config.Series) []huh.Field {
					return []huh.Field{
						huh.NewSelect[string]().Key("deploy").Title("How will Prosody run?").
							Options(
								huh.NewOption("compose: a starter repo for Docker Compose", config.DeployCompose),
								huh.NewOption("host: /etc/prosody on this machine (Debian's prosody)", config.DeployHost),
								huh.NewOption("kubernetes: a kustomize base (kubectl apply -k)", config.DeployKubernetes),
							).Value(&d.Deploy),
					}
				},
			},
			kubernetesStep,
			ingressClassStep,
			{
				title: "Where the files go",
				fields: func(d *draft, _ config.Series) []huh.Field {
					return []huh.Field{
						d.followed(huh.NewInput().Title("Output folder"), &d.Out, func() string { return outDescription(d.Deploy) }).
							Validate(validOut(d)),
						huh.NewInput().Key("owner").Title("Owner uid").Placeholder("(automatic)").Value(&d.UID).Validate(validID(config.UIDProblem)),
						huh.NewInput().Key("owner").Title("Owner gid").Placeholder("(automatic)").Value(&d.GID).Validate(validID(config.GIDProblem)),
					}
				},
			},
		},
	},
}

// fieldPages maps each question's key (the answers file's name for what
// it asks) to the index of the page that asks it, worked out once from the
// pages themselves.
var fieldPages = sync.OnceValue(func() map[string]int {
	keys := map[string]int{}
	for i, p := range pages {
		d := fromAnswers(config.Defaults(), "")
		for _, s := range p.steps {
			for _, f := range s.fields(d, config.Series13) {
				if k := f.GetKey(); k != "" {
					if _, seen := keys[k]; !seen {
						keys[k] = i
					}
				}
			}
		}
	}
	return keys
})

// pageOf is the index of the page that asks about a problem's field (a
// path such as "domains[1]" or "owner.uid"), or -1 when no page does.
func pageOf(field string) int {
	for k, i := range fieldPages() {
		if field == k || strings.HasPrefix(field, k+"[") || strings.HasPrefix(field, k+".") {
			return i
		}
	}
	return -1
}

// passwordInput hides what is typed, except in accessible mode, where huh
// can only read hidden input from a terminal and piped answers must work.
func passwordInput(d *draft) *huh.Input {
	in := huh.NewInput()
	if !d.accessible {
		in = in.EchoMode(huh.EchoModePassword)
	}
	return in
}

// tlsOptions are the certificate modes offered for a kind of deployment
// (asked before it; the page is built with the current answer): a
// cluster's certificate comes from cert-manager, so existing files are
// not offered there (validation says why, should the answers have them).
func tlsOptions(deploy string) []huh.Option[string] {
	opts := []huh.Option[string]{huh.NewOption("self-signed: made now (fine to start; clients warn)", config.TLSSelfSigned)}
	if deploy != config.DeployKubernetes {
		opts = append(opts, huh.NewOption("existing: files I already have", config.TLSExisting))
	}
	return append(opts, huh.NewOption("letsencrypt: free certificates (placeholder until issued)", config.TLSLetsEncrypt))
}

// outDescription says what the output folder is for a kind of deployment.
func outDescription(deploy string) string {
	switch deploy {
	case config.DeployHost:
		return "/ installs into this machine (/etc/prosody…); another folder must hold a copy of a Debian system (for testing)"
	case config.DeployKubernetes:
		return "The repo's folder (the kustomize base and the Dockerfile)"
	}
	return "The starter repo's folder"
}

// dbHostDescription says what the database host is for a kind of
// deployment (asked later; the page is built with the current answer): a
// compose repo can run the database itself, a host install and a cluster
// need one.
func dbHostDescription(deploy string) string {
	switch deploy {
	case config.DeployHost:
		return "The database server's name or address (a host install needs one)"
	case config.DeployKubernetes:
		return "The database server's name or address as the pod reaches it (a cluster needs one)"
	}
	return "Empty for a database service in compose.yaml"
}

// dbHostPlaceholder is an example of the database host (compose: what
// empty means).
func dbHostPlaceholder(deploy string) string {
	switch deploy {
	case config.DeployHost:
		return "localhost"
	case config.DeployKubernetes:
		return "postgres.db.svc.cluster.local"
	}
	return "(the compose service)"
}

// turnDescription says who runs the TURN server for a kind of deployment
// (as the next steps the wizard prints do).
func turnDescription(deploy string) string {
	switch deploy {
	case config.DeployHost:
		return "coturn's config is written beside Prosody's; NEXT-STEPS.md says how to run it (Debian: apt-get install coturn)"
	case config.DeployKubernetes:
		return "A cluster runs no TURN server; name one that runs elsewhere, or leave it off"
	}
	return "compose runs coturn for it; a host install gets coturn's config; a cluster runs none"
}

// The questions check their answers with config's own per-field checks,
// the ones validation runs, so the wizard refuses exactly what the answers
// file would. Checks across fields (a domain given twice, owner uid
// without gid) are left to validation, which the review shows.

// check makes a validator from one of config's checks, given the trimmed
// answer. current is the value the field is bound to: in accessible mode
// an empty line keeps it, so an empty answer is checked as that value.
func check(current *string, problem func(string) string) func(string) error {
	return func(s string) error {
		if strings.TrimSpace(s) == "" {
			s = *current
		}
		if msg := problem(strings.TrimSpace(s)); msg != "" {
			return errors.New(msg)
		}
		return nil
	}
}

// validPrimary checks the primary domain (config.HostProblem).
func validPrimary(d *draft) func(string) error {
	return check(&d.Primary, func(s string) string { return config.HostProblem(config.NormalizeDomain(s)) })
}

// validMoreDomains checks the domains after the primary, each name and
// none given twice (config.DomainsProblems).
func validMoreDomains(d *draft) func(string) error {
	return check(&d.MoreDomains, func(s string) string {
		var list []string
		if p := strings.TrimSpace(d.Primary); p != "" {
			list = append(list, config.NormalizeDomain(p))
		}
		first := len(list)
		for _, w := range words(opt(s)) {
			list = append(list, config.NormalizeDomain(w))
		}
		for _, msg := range config.DomainsProblems(list)[first:] {
			if msg != "" {
				return msg
			}
		}
		return ""
	})
}

// components are the component hosts in the order validation checks them,
// with the answers file's names for them.
func (d *draft) components() []struct {
	value *string
	field string
} {
	return []struct {
		value *string
		field string
	}{{&d.MUC, "components.muc"}, {&d.Upload, "components.upload"}, {&d.Proxy65, "components.proxy65"}}
}

// validComponent checks a component's host name (config.ComponentProblem)
// against the domains and the components before it; empty (or "-") turns
// the component off.
func validComponent(d *draft, current *string) func(string) error {
	return check(current, func(s string) string {
		name := config.NormalizeDomain(opt(s))
		if name == "" {
			return ""
		}
		used := map[string]string{}
		for i, dom := range d.domains() {
			used[config.NormalizeDomain(dom)] = fmt.Sprintf("domains[%d]", i)
		}
		for _, c := range d.components() {
			if c.value == current {
				break
			}
			other := config.NormalizeDomain(opt(*c.value))
			if _, dup := used[other]; other != "" && !dup && config.DomainProblem(other) == "" {
				used[other] = c.field
			}
		}
		return config.ComponentProblem(name, used)
	})
}

// validTURNHost checks a TURN host, a domain name or an IP address; empty
// turns calls support off.
func validTURNHost(current *string) func(string) error {
	return check(current, func(s string) string {
		if opt(s) == "" {
			return ""
		}
		return config.TURNHostProblem(config.NormalizeTURNHost(s))
	})
}

// validAdmins checks each admin's JID against the domains given so far,
// and none listed twice (config.AdminsProblems).
func validAdmins(d *draft) func(string) error {
	return check(&d.Admins, func(s string) string {
		domains := d.domains()
		for i := range domains {
			domains[i] = config.NormalizeDomain(domains[i])
		}
		var jids []string
		for _, w := range words(opt(s)) {
			jids = append(jids, config.NormalizeJID(w))
		}
		for _, msg := range config.AdminsProblems(jids, domains) {
			if msg != "" {
				return msg
			}
		}
		return ""
	})
}

// validContact checks contact addresses as typed (config.ContactURIProblem),
// none listed twice; empty means none.
func validContact(current *string) func(string) error {
	return check(current, func(s string) string {
		seen := map[string]bool{}
		for _, w := range words(opt(s)) {
			u := config.NormalizeContactURI(w)
			if msg := config.ContactURIProblem(u); msg != "" {
				return msg
			}
			if seen[u] {
				return fmt.Sprintf("%q is listed twice", u)
			}
			seen[u] = true
		}
		return ""
	})
}

// validDBHost checks the database server's name for the deployment chosen
// so far (deploy is asked later; the review checks the final one).
func validDBHost(d *draft) func(string) error {
	return check(&d.DBHost, func(s string) string { return config.DatabaseHostProblem(opt(s), d.Deploy) })
}

// validOut checks the output folder for the deployment chosen.
func validOut(d *draft) func(string) error {
	return check(&d.Out, func(s string) string { return config.OutProblem(s, d.Deploy) })
}

// validDBPort checks the database port; empty is the driver's default.
func validDBPort(d *draft) func(string) error {
	return optionalNumber("a port between 1 and 65535, or empty for the default",
		func(n int) string { return config.DatabasePortProblem(n, d.Driver) })
}

// validSecret checks a password as typed (spaces are part of it).
func validSecret(s string) error {
	if msg := config.SecretProblem(s); msg != "" {
		return errors.New(msg)
	}
	return nil
}

// validID checks owner.uid or owner.gid with config's check; empty
// chooses automatically.
func validID(problem func(int) string) func(string) error {
	return optionalNumber("a number, or empty for automatic", problem)
}

// optionalNumber checks a number typed into an optional field with
// config's check for it; empty keeps the automatic value.
func optionalNumber(want string, problem func(int) string) func(string) error {
	return func(s string) error {
		s = opt(s)
		if s == "" {
			return nil
		}
		n, err := strconv.Atoi(s)
		if err != nil {
			return errors.New(want)
		}
		if msg := problem(n); msg != "" {
			return errors.New(msg)
		}
		return nil
	}
}

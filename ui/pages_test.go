package ui

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"prosody-wizard/config"
)

// TestQuestionsCheckAsConfigDoes: each question refuses what validation
// refuses, with validation's words, where the two used to disagree.
func TestQuestionsCheckAsConfigDoes(t *testing.T) {
	d := fromAnswers(config.Defaults(), "")
	d.Primary, d.Driver = "example.org", config.DriverPostgres
	longHost := strings.Repeat("a-b.", 60) + "example.org"
	for _, c := range []struct {
		what string
		v    func(string) error
		in   string
		want string // config's message, when it refuses
	}{
		{"uid 0 (root)", validID(config.UIDProblem), "0", config.UIDProblem(0)},
		{"e-mail without a domain", check(&d.Email, config.ACMEEmailProblem), "admin@", config.ACMEEmailProblem("admin@")},
		{"e-mail on a reserved domain", check(&d.Email, config.ACMEEmailProblem), "a@example.org", config.ACMEEmailProblem("a@example.org")},
		{"database port too high", validDBPort(d), "70000", config.DatabasePortProblem(70000, config.DriverPostgres)},
		{"database name", check(&d.DBName, config.DatabaseNameProblem), "my-db", config.DatabaseNameProblem("my-db")},
		{"password with a control character", validSecret, "a\x07b", config.SecretProblem("a\x07b")},
		{"admin elsewhere", validAdmins(d), "admin@example.net", config.AdminProblem("admin@example.net", []string{"example.org"})},
		{"component name too long for its data folder", validComponent(d, &d.MUC), longHost, config.HostProblem(longHost)},
	} {
		if c.want == "" {
			t.Fatalf("%s: config accepts %q", c.what, c.in)
		}
		if err := c.v(c.in); err == nil || err.Error() != c.want {
			t.Errorf("%s: %q gives %v, want %q", c.what, c.in, err, c.want)
		}
	}
	for _, c := range []struct {
		what string
		v    func(string) error
		in   string
	}{
		{"uid -1 (choose)", validID(config.UIDProblem), "-1"},
		{"gid 0", validID(config.GIDProblem), "0"},
		{"database port 0 (the default)", validDBPort(d), "0"},
		{"password with quotes and spaces", validSecret, ` a "b" $c `},
		{"admin in upper case", validAdmins(d), "Admin@EXAMPLE.org"},
		{"component off", validComponent(d, &d.MUC), "-"},
	} {
		if err := c.v(c.in); err != nil {
			t.Errorf("%s: %q gives %v, want it accepted", c.what, c.in, err)
		}
	}
}

// question is one typed question of the wizard, for comparing its check
// with validation.
type question struct {
	name   string
	setup  func(d *draft)           // the other answers it depends on
	set    func(d *draft, v string) // puts a typed answer into the draft
	check  func(d *draft) func(string) error
	fields func(path string) bool // validation's fields for this question
	values []string
	// ownWords are answers the question refuses in its own words: an
	// empty domain is "empty" under its question, where validation says
	// the answers have no domain.
	ownWords []string
}

// fieldIs matches validation's field path for one answer.
func fieldIs(name string) func(string) bool { return func(p string) bool { return p == name } }

// indexedFrom matches name[i] for i >= from (and name itself when from is 0).
func indexedFrom(name string, from int) func(string) bool {
	return func(p string) bool {
		if p == name {
			return from == 0
		}
		var i int
		if _, err := fmt.Sscanf(p, name+"[%d]", &i); err != nil {
			return false
		}
		return i >= from && p == fmt.Sprintf("%s[%d]", name, i)
	}
}

// TestQuestionsRefuseWhatValidationRefuses: for each typed question and a
// set of answers, the question refuses an answer exactly when validation
// (config.Validate, on the answers the wizard would produce) reports a
// problem for that question's field, in validation's words. The other
// answers are the defaults with the domain example.org. Problems that
// depend on answers asked later (whether Let's Encrypt can issue for a
// domain, the owner uid without a gid) are the review's and not tested
// here; the database host is checked for the deploy chosen so far.
func TestQuestionsRefuseWhatValidationRefuses(t *testing.T) {
	longHost := strings.Repeat("a-b.", 60) + "example.org"
	postgres := func(deploy string) func(d *draft) {
		return func(d *draft) { d.Driver, d.Deploy = config.DriverPostgres, deploy }
	}
	tlsMode := func(mode string) func(d *draft) { return func(d *draft) { d.TLSMode = mode } }
	cluster := func(ingress bool) func(d *draft) {
		return func(d *draft) { d.Deploy, d.KubeIngress = config.DeployKubernetes, ingress }
	}
	hosts := []string{"", "-", "chat.example.org", "Chat.EXAMPLE.org", "example.org", "bad..x", "exa mple.org",
		"-x.example.org", longHost, "bücher.example", "a\u202eb.example.org", "1.2.3.4"}
	ids := []string{"", "-1", "0", "1", "1000", "-2", "2147483646", "2147483647"}
	names := []string{"prosody", "", "my-db", "_x", "1abc", "Prosody_2", strings.Repeat("a", 63), strings.Repeat("a", 64), "a b"}
	questions := []question{
		{name: "domain", set: func(d *draft, v string) { d.Primary = v }, check: validPrimary, fields: indexedFrom("domains", 0),
			values: []string{"example.org", "", "exa mple..org", "Example.ORG", "bücher.example", "a..b", "-a.org", longHost,
				"localhost", "example.org.", "xn--bcher-kva.example", "1.2.3.4", "a_b.org", "exa\u202emple.org",
				strings.Repeat("a", 64) + ".org"}, ownWords: []string{""}},
		{name: "more domains", set: func(d *draft, v string) { d.MoreDomains = v }, check: validMoreDomains, fields: indexedFrom("domains", 1),
			values: []string{"", "-", "example.net", "example.net, example.com", "example.org", "EXAMPLE.org", "bad..x",
				"example.net example.net", "example.net bad..x", longHost, "bücher.example xn--bcher-kva.example"}},
		{name: "admins", set: func(d *draft, v string) { d.Admins = v }, check: validAdmins, fields: indexedFrom("admins", 0),
			values: []string{"", "-", "admin@example.org", "Admin@EXAMPLE.org", "admin@example.net", "admin", "@example.org",
				"a@example.org a@example.org", "a@example.org,A@example.org", `x"y@example.org`, "a/b@example.org",
				"admin@example.org/phone", "a\u202eb@example.org"}},
		{name: "certificate", setup: tlsMode(config.TLSExisting), set: func(d *draft, v string) { d.Cert, d.Key = v, "/k.pem" },
			check: func(d *draft) func(string) error {
				return check(&d.Cert, func(s string) string { return config.TLSFileProblem(s, config.TLSCertWhat) })
			}, fields: fieldIs("tls.cert"),
			values: []string{"", "/certs/fullchain.pem", "rel/path.pem", strings.Repeat("a", 5000), "a\u202eb.pem"}},
		{name: "key", setup: tlsMode(config.TLSExisting), set: func(d *draft, v string) { d.Key, d.Cert = v, "/c.pem" },
			check: func(d *draft) func(string) error {
				return check(&d.Key, func(s string) string { return config.TLSFileProblem(s, config.TLSKeyWhat) })
			}, fields: fieldIs("tls.key"),
			values: []string{"", "/certs/privkey.pem", strings.Repeat("a", 5000), "a\u202eb.pem"}},
		{name: "acme e-mail", setup: tlsMode(config.TLSLetsEncrypt), set: func(d *draft, v string) { d.Email = v },
			check:  func(d *draft) func(string) error { return check(&d.Email, config.ACMEEmailProblem) },
			fields: fieldIs("tls.email"),
			values: []string{"", "admin@example.org", "admin@prosody.im", "admin@", "not an e-mail", "a@b@prosody.im",
				"Admin <admin@prosody.im>", "admin@localhost", strings.Repeat("a", 250) + "@prosody.im"}},
		{name: "database host (compose)", setup: postgres(config.DeployCompose), set: func(d *draft, v string) { d.DBHost = v },
			check: validDBHost, fields: fieldIs("database.host"),
			values: []string{"", "-", "db", "db.example.org", "10.0.0.1", "::1", "bad host", "a_b", "db\u202e"}},
		{name: "database host (host)", setup: postgres(config.DeployHost), set: func(d *draft, v string) { d.DBHost = v },
			check: validDBHost, fields: fieldIs("database.host"), values: []string{"", "-", "localhost", "10.0.0.1"}},
		{name: "database host (kubernetes)", setup: postgres(config.DeployKubernetes), set: func(d *draft, v string) { d.DBHost = v },
			check: validDBHost, fields: fieldIs("database.host"), values: []string{"", "-", "pg.db.svc.cluster.local", "bad host"}},
		{name: "database port", setup: postgres(config.DeployCompose), set: func(d *draft, v string) { d.DBPort = v },
			check: validDBPort, fields: fieldIs("database.port"),
			values: []string{"", "-", "0", "5432", "65535", "65536", "-1", "70000"}},
		{name: "database name", setup: postgres(config.DeployCompose), set: func(d *draft, v string) { d.DBName = v },
			check:  func(d *draft) func(string) error { return check(&d.DBName, config.DatabaseNameProblem) },
			fields: fieldIs("database.name"), values: names},
		{name: "database user", setup: postgres(config.DeployCompose), set: func(d *draft, v string) { d.DBUser = v },
			check:  func(d *draft) func(string) error { return check(&d.DBUser, config.DatabaseNameProblem) },
			fields: fieldIs("database.user"), values: names},
		{name: "database password", setup: postgres(config.DeployCompose), set: func(d *draft, v string) { d.DBPassword = v },
			check:  func(*draft) func(string) error { return validSecret },
			fields: fieldIs("database.password"),
			values: []string{"", "secret", ` a "b" $c `, "a\x07b", "a\nb", "a\x00b", strings.Repeat("x", 1024), strings.Repeat("x", 1025)}},
		{name: "group chats", set: func(d *draft, v string) { d.MUC = v }, check: func(d *draft) func(string) error { return validComponent(d, &d.MUC) },
			fields: fieldIs("components.muc"), values: append(hosts, "conference.example.org", "upload.example.org")},
		{name: "file sharing", set: func(d *draft, v string) { d.Upload = v }, check: func(d *draft) func(string) error { return validComponent(d, &d.Upload) },
			fields: fieldIs("components.upload"), values: append(hosts, "conference.example.org", "upload.example.org")},
		{name: "file-transfer proxy", set: func(d *draft, v string) { d.Proxy65 = v }, check: func(d *draft) func(string) error { return validComponent(d, &d.Proxy65) },
			fields: fieldIs("components.proxy65"), values: append(hosts, "conference.example.org", "upload.example.org", "proxy.example.org")},
		{name: "TURN host", set: func(d *draft, v string) { d.TURN = v }, check: func(d *draft) func(string) error { return validTURNHost(&d.TURN) },
			fields: fieldIs("turn.host"), values: append(hosts, "::1", "2001:db8::1", "turn.example.org")},
		{name: "image", setup: cluster(false), set: func(d *draft, v string) { d.KubeImage = v },
			check: func(d *draft) func(string) error { return validOptional(&d.KubeImage, config.ImageProblem) }, fields: fieldIs("kubernetes.image"),
			values: []string{"", "-", "prosody", "Prosody", "a b", "$(id)", "'x'", "reg.example.org/p:1;id", "ghcr.io/Team/prosody",
				"registry.example.org:5000/team/prosody:13.0", "prosody@sha256:" + strings.Repeat("a", 64), "prosody:" + strings.Repeat("1", 129),
				strings.Repeat("a", 256), "localhost:5000/p‮"}},
		{name: "namespace", setup: cluster(false), set: func(d *draft, v string) { d.KubeNamespace = v },
			check: validNamespace, fields: fieldIs("kubernetes.namespace"),
			values: []string{"", "-", "prosody", "Chat", "x.y", "a b", "$(id)", "-x", "x-", "x_y", strings.Repeat("a", 63), strings.Repeat("a", 64)}},
		{name: "storage class", setup: cluster(false), set: func(d *draft, v string) { d.KubeStorageClass = v },
			check: func(d *draft) func(string) error { return validOptional(&d.KubeStorageClass, config.ClassProblem) }, fields: fieldIs("kubernetes.storage_class"),
			values: []string{"", "-", "fast", "fast.ssd", "Fast", "a b", "$(id)", "a..b", "-a", strings.Repeat("a", 254)}},
		{name: "ingress class", setup: cluster(true), set: func(d *draft, v string) { d.KubeIngressClass = v },
			check: func(d *draft) func(string) error { return validOptional(&d.KubeIngressClass, config.ClassProblem) }, fields: fieldIs("kubernetes.ingress_class"),
			values: []string{"", "-", "nginx", "traefik.example.org", "Nginx", "a b", "$(id)", "nginx;id"}},
		{name: "owner uid", set: func(d *draft, v string) { d.UID = v }, check: func(*draft) func(string) error { return validID(config.UIDProblem) },
			fields: fieldIs("owner.uid"), values: ids},
		{name: "owner gid", set: func(d *draft, v string) { d.GID = v }, check: func(*draft) func(string) error { return validID(config.GIDProblem) },
			fields: fieldIs("owner.gid"), values: ids},
	}
	for _, q := range questions {
		t.Run(q.name, func(t *testing.T) {
			for _, v := range q.values {
				d := fromAnswers(config.Defaults(), "")
				d.Primary, d.MUC, d.Upload = "example.org", "conference.example.org", "upload.example.org"
				d.seenPrimary = d.Primary
				if q.setup != nil {
					q.setup(d)
				}
				q.set(d, v)
				var refused []string
				for _, p := range config.Validate(d.toAnswers(config.Defaults())) {
					if q.fields(p.Field) {
						refused = append(refused, p.Message)
					}
				}
				err := q.check(d)(v)
				switch {
				case err == nil && len(refused) > 0:
					t.Errorf("%q: the question takes it, validation refuses it: %q", v, refused)
				case err != nil && len(refused) == 0:
					t.Errorf("%q: the question refuses it (%v), validation takes it", v, err)
				case err != nil && !slices.Contains(q.ownWords, v) && !slices.ContainsFunc(refused, func(m string) bool { return strings.HasPrefix(m, err.Error()) }):
					t.Errorf("%q: the question says %q, validation %q", v, err, refused)
				}
			}
		})
	}
	// Text the answers cannot hold as a number is the question's own
	// refusal: validation never sees it.
	d := fromAnswers(config.Defaults(), "")
	for _, c := range []func(string) error{validID(config.UIDProblem), validID(config.GIDProblem), validDBPort(d)} {
		if c("abc") == nil || c("1.5") == nil {
			t.Error("a number question takes text")
		}
	}
}

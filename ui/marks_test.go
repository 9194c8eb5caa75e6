package ui

import (
	"fmt"
	"slices"
	"testing"
	"testing/cryptotest"

	"github.com/spf13/afero"

	"prosody-wizard/config"
	"prosody-wizard/internal/testkit"
	"prosody-wizard/scaffold"
)

// questionChanges answer each question of the wizard differently, as a
// person would in its field, by the question's key. Every question with a
// key needs at least one (TestPreviewHighlightsWhatEachQuestionChanges).
var questionChanges = map[string][]func(d *draft){
	"prosody": {func(d *draft) {
		d.Series = map[string]string{string(config.Series13): string(config.Series012), string(config.Series012): string(config.Series13)}[d.Series]
	}},
	"domains": {
		func(d *draft) { d.Primary = "example.com" },
		func(d *draft) { d.MoreDomains = "example.net chat.example.com" },
		func(d *draft) { d.MoreDomains = "" },
	},
	"admins": {
		func(d *draft) { d.Admins = "boss@" + d.Primary },
		func(d *draft) { d.Admins = "" },
	},
	"contact": {
		func(d *draft) { d.Abuse = "mailto:abuse@" + d.Primary },
		func(d *draft) { d.Abuse = "" },
	},
	"registration": {
		func(d *draft) { d.Registration = config.RegistrationClosed },
		func(d *draft) { d.Registration = config.RegistrationInvite },
		func(d *draft) { d.Registration = config.RegistrationOpen },
	},
	"federation": {func(d *draft) { d.Federation = !d.Federation }},
	"tls.mode": {
		func(d *draft) { d.TLSMode = config.TLSSelfSigned },
		func(d *draft) { d.TLSMode, d.Email = config.TLSLetsEncrypt, "hostmaster@example.org" },
		func(d *draft) {
			d.TLSMode, d.Cert, d.Key = config.TLSExisting, "/certs/fullchain.pem", "/certs/privkey.pem"
		},
	},
	"tls.cert":  {func(d *draft) { d.Cert = "/certs/other.pem" }},
	"tls.key":   {func(d *draft) { d.Key = "/certs/other-key.pem" }},
	"tls.email": {func(d *draft) { d.Email = "other@example.org" }},
	"database.driver": {
		func(d *draft) { d.Driver = config.DriverInternal },
		func(d *draft) { d.Driver = config.DriverSQLite },
		func(d *draft) { d.Driver = config.DriverPostgres },
		func(d *draft) { d.Driver = config.DriverMySQL },
	},
	"database.host":     {func(d *draft) { d.DBHost = "db.example.org" }, func(d *draft) { d.DBHost = "" }},
	"database.port":     {func(d *draft) { d.DBPort = "6543" }},
	"database.name":     {func(d *draft) { d.DBName = "xmpp" }},
	"database.user":     {func(d *draft) { d.DBUser = "xmpp" }},
	"database.password": {func(d *draft) { d.DBPassword = "another-password" }},
	// The module lists edit Modules, which applySelection turns into choices.
	"modules": {
		func(d *draft) { d.Modules = append(d.Modules, "announce", "motd") },
		func(d *draft) {
			d.Modules = slices.DeleteFunc(d.Modules, func(m string) bool { return m == "bosh" || m == "websocket" })
		},
		func(d *draft) { d.Modules = slices.DeleteFunc(d.Modules, func(m string) bool { return m == "vcard4" }) },
	},
	"components.muc":     {func(d *draft) { d.MUC = "" }, func(d *draft) { d.MUC = "rooms." + d.Primary }},
	"components.upload":  {func(d *draft) { d.Upload = "" }, func(d *draft) { d.Upload = "files." + d.Primary }},
	"components.proxy65": {func(d *draft) { d.Proxy65 = "" }, func(d *draft) { d.Proxy65 = "proxy." + d.Primary }},
	"turn.host":          {func(d *draft) { d.TURN = "" }, func(d *draft) { d.TURN = "turn." + d.Primary }},
	"proxy.kind": {
		func(d *draft) { d.ProxyKind = config.ProxyNginx },
		func(d *draft) { d.ProxyKind = config.ProxyCaddy },
		func(d *draft) {
			if d.TLSMode != config.TLSLetsEncrypt {
				d.ProxyKind = config.ProxyTraefik
			}
		},
	},
	"deploy": {func(d *draft) {
		d.Deploy = map[string]string{config.DeployCompose: config.DeployHost, config.DeployHost: config.DeployCompose}[d.Deploy]
	}},
	// A cluster's questions (only asked for deploy: kubernetes).
	"kubernetes.image":         {func(d *draft) { d.KubeImage = "registry.example.org/prosody:" + d.Series }},
	"kubernetes.namespace":     {func(d *draft) { d.KubeNamespace = "chat" }},
	"kubernetes.service":       {func(d *draft) { d.KubeService = config.ServiceNodePort }},
	"kubernetes.storage_class": {func(d *draft) { d.KubeStorageClass = "fast" }},
	"kubernetes.ingress":       {func(d *draft) { d.KubeIngress = !d.KubeIngress }},
	"kubernetes.ingress_class": {func(d *draft) { d.KubeIngress, d.KubeIngressClass = true, "nginx" }},
	// The uid and gid questions: config wants both or neither.
	"owner": {func(d *draft) { d.UID, d.GID = "1234", "1234" }, func(d *draft) { d.UID, d.GID = "1234", "1000" }},
}

// unshown are the questions whose answers land in files the preview does
// not show (certificates, certbot.sh), or that it masks (the database
// password: see TestPreviewMasksSecrets), so no change of theirs can be
// seen.
var unshown = []string{"tls.cert", "tls.key", "tls.email", "database.password",
	// A cluster's answers but the image land in manifests beside the
	// StatefulSet (kustomization.yaml, the Services, the volume claim,
	// the Ingress).
	"kubernetes.namespace", "kubernetes.service", "kubernetes.storage_class", "kubernetes.ingress", "kubernetes.ingress_class"}

// marksRig plans drafts as the wizard does, with pinned inputs and
// certificate files to point tls.cert and tls.key at.
func marksRig(t *testing.T, start config.Answers) Options {
	source := afero.NewMemMapFs()
	for _, pair := range [][2]string{{"/certs/fullchain.pem", "/certs/privkey.pem"}, {"/certs/other.pem", "/certs/other-key.pem"}} {
		writePair(t, source, pair[0], pair[1], []string{"example.org", "example.com", "example.net", "chat.example.com",
			"conference.example.org", "upload.example.org", "proxy.example.org", "rooms.example.org", "files.example.org"})
	}
	return Options{
		Answers: start,
		Plan: func(a config.Answers, _ string) (scaffold.Plan, error) {
			cryptotest.SetGlobalRandom(t, 1)
			in := scaffold.Inputs{Now: flowNow, Owner: config.Owner{UID: 1000, GID: 1000}, Source: source}
			if a.Owner.UID >= 0 {
				in.Owner = a.Owner
			}
			return planAnswers(a, in)
		},
	}
}

// previewOf is the preview of a draft, planned as the wizard plans it.
func previewOf(opts Options, d draft) *preview {
	m := NewModel(opts)
	m.d = &d
	m.refreshPreview()
	return &m.preview
}

// TestPreviewHighlightsWhatEachQuestionChanges: for each question of the
// wizard (each field of each page, in the terminal and the accessible
// layout), answered differently from a few starting points, every line
// of prosody.cfg.lua and compose.yaml that reads differently, or is there
// before or after only, is one the preview highlights for that question,
// before or after. The preview finds those lines in the plan's marks,
// by the question's key: this proves the keys name what the plan marks,
// and that the marks cover what each question changes. Blank lines are
// left out (see scaffold.Marks).
func TestPreviewHighlightsWhatEachQuestionChanges(t *testing.T) {
	starts := map[string]config.Answers{}
	for _, name := range []string{"minimal", "full-postgres", "host", "letsencrypt", "mysql", "sqlite-012", "kubernetes", "kubernetes-postgres"} {
		a := loadAnswers(t, name)
		a.Database.Password = "pinned-password" // not generated anew for each plan
		if a.TURN.Host != "" {
			a.TURN.Secret = "pinned-secret"
		}
		starts[name] = a
	}
	changed := map[string]int{} // key → changes that changed a previewed file
	unkeyed := map[string]int{} // page → questions without a key
	for _, p := range pages {
		for _, s := range append(slices.Clone(p.steps), p.accessibleSteps...) {
			for _, f := range s.fields(&draft{}, config.Series13) {
				key := f.GetKey()
				if key == "" {
					unkeyed[p.name]++
					continue
				}
				if len(questionChanges[key]) == 0 {
					t.Errorf("%s: no change for the question with key %q", p.name, key)
				}
			}
		}
	}
	if want := map[string]int{"deployment": 1}; fmt.Sprint(unkeyed) != fmt.Sprint(want) {
		t.Errorf("questions without a key, by page: %v; only the output folder (not an answer) may have none", unkeyed)
	}
	for name, start := range starts {
		opts := marksRig(t, start)
		base := *fromAnswers(start, "")
		base.selectModules(start)
		before := previewOf(opts, base)
		if len(before.problems) > 0 {
			t.Fatalf("%s: %v", name, before.problems)
		}
		for key, changes := range questionChanges {
			for i, change := range changes {
				d := base
				d.Modules = slices.Clone(base.Modules)
				change(&d)
				if key == "modules" {
					d.applySelection(start)
				}
				after := previewOf(opts, d)
				if len(after.problems) > 0 {
					continue // that answer does not make sense here
				}
				t.Run(fmt.Sprintf("%s/%s/%d", name, key, i), func(t *testing.T) {
					for tab, file := range previewFiles {
						if before.marks[tab] == nil || after.marks[tab] == nil {
							continue // no such file: its stand-in carries no marks
						}
						gone, added := testkit.ChangedLines(before.files[tab], after.files[tab])
						if len(gone)+len(added) > 0 {
							changed[key]++
						}
						checkLit(t, file+" before", before, tab, key, gone)
						checkLit(t, file+" after", after, tab, key, added)
					}
				})
			}
		}
	}
	for key := range questionChanges {
		if changed[key] == 0 && !slices.Contains(unshown, key) {
			t.Errorf("no answer to the %s question changed the preview: the test proves nothing for it", key)
		}
	}
}

func checkLit(t *testing.T, what string, pv *preview, tab int, key string, lines []int) {
	t.Helper()
	lit := pv.lit(tab, []string{key}, nil)
	for _, n := range lines {
		if !lit[n] {
			t.Errorf("%s: line %d %q changed, but the preview does not highlight it for %s", what, n+1, pv.files[tab][n], key)
		}
	}
}

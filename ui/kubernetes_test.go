package ui

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"prosody-wizard/config"
	"prosody-wizard/scaffold"
)

// parseAnswers reads answers from YAML, failing the test on a problem.
func parseAnswers(t *testing.T, yaml string) config.Answers {
	t.Helper()
	a, err := config.Parse([]byte(yaml))
	if err != nil {
		t.Fatalf("%v\n%s", err, yaml)
	}
	return a
}

// kubeAnswers is a cluster's answers file with every kubernetes key set.
const kubeAnswers = `version: 1
deploy: kubernetes
domains: [example.org]
admins: [admin@example.org]
database: {driver: postgres, host: pg.db.svc.cluster.local, password: pinned-password}
turn: {host: turn.example.org, secret: pinned-secret}
kubernetes:
  namespace: chat
  image: registry.example.org:5000/team/prosody:13.0
  service: NodePort
  ingress: true
  ingress_class: nginx
  storage_class: fast.ssd
`

// TestKubernetesQuestionsApply: a cluster's questions are asked for a
// cluster only, the Ingress class only with an Ingress; the reverse-proxy
// question and existing certificate files are not offered to a cluster.
func TestKubernetesQuestionsApply(t *testing.T) {
	for _, c := range []struct {
		deploy  string
		ingress bool
		cluster bool // the cluster's questions
		class   bool // the Ingress class
		proxy   bool // the reverse-proxy question
	}{
		{config.DeployCompose, false, false, false, true},
		{config.DeployCompose, true, false, false, true},
		{config.DeployHost, true, false, false, true},
		{config.DeployKubernetes, false, true, false, false},
		{config.DeployKubernetes, true, true, true, false},
	} {
		d := fromAnswers(config.Defaults(), "")
		d.Deploy, d.KubeIngress = c.deploy, c.ingress
		got := []bool{kubernetesStep.applies(d), ingressClassStep.applies(d), proxyStep.applies(d)}
		if want := []bool{c.cluster, c.class, c.proxy}; !slices.Equal(got, want) {
			t.Errorf("%s, ingress %v: cluster, class, proxy asked %v, want %v", c.deploy, c.ingress, got, want)
		}
		var modes []string
		for _, o := range tlsOptions(c.deploy) {
			modes = append(modes, o.Value)
		}
		if existing := slices.Contains(modes, config.TLSExisting); existing == (c.deploy == config.DeployKubernetes) {
			t.Errorf("%s: certificate modes %v", c.deploy, modes)
		}
	}
}

// TestDeployOptionsFit: each deployment's option is whole on a terminal
// 60 columns wide (the select's bar and cursor take four).
func TestDeployOptionsFit(t *testing.T) {
	d := fromAnswers(config.Defaults(), "")
	var deploy []option
	for _, s := range pages[slices.IndexFunc(pages, func(p page) bool { return p.name == "deployment" })].steps {
		for _, f := range s.fields(d, config.Series13) {
			if f.GetKey() == "deploy" {
				deploy = fieldOptions(f)
			}
		}
	}
	var values []string
	for _, o := range deploy {
		values = append(values, o.value)
		if w := ansi.StringWidth(o.label) + 4; w > (&Model{width: 60}).formWidth() {
			t.Errorf("%q is %d cells with its cursor, wider than the questions at 60 columns", o.label, w)
		}
	}
	if !slices.Equal(values, config.DeployKinds) {
		t.Errorf("deploy options %v, want config's %v", values, config.DeployKinds)
	}
}

// focusedKey is the key of the focused question.
func (d *driver) focusedKey() (key string) {
	d.with(func(m *Model) {
		if f := m.form.GetFocusedField(); f != nil {
			key = f.GetKey()
		}
	})
	return key
}

// TestKubernetesQuestionsOnScreen: choosing kubernetes asks the cluster's
// questions after the deployment, and a wrong image is refused under its
// question in config's words; the Ingress class follows a yes; compose
// goes straight to the output folder. The preview is off (no Plan): the
// scaffold's cluster files are not the wizard's to test.
func TestKubernetesQuestionsOnScreen(t *testing.T) {
	toDeploy := func(t *testing.T, downs int) *driver {
		opts, _ := flowOptions(config.Defaults())
		opts.Plan = nil
		d := newDriver(t, opts, 80, 24)
		d.enter()
		d.typeText("example.org")
		d.enterUntil("deployment", 30)
		for range downs {
			d.down()
		}
		d.enter()
		return d
	}
	t.Run("compose", func(t *testing.T) {
		d := toDeploy(t, 0)
		if key := d.focusedKey(); key != "" { // the output folder has none
			t.Errorf("after compose: %q asked, want the output folder", key)
		}
	})
	t.Run("kubernetes", func(t *testing.T) {
		d := toDeploy(t, 2)
		view := ansi.Strip(d.render())
		if key := d.focusedKey(); key != "kubernetes.image" || !strings.Contains(view, "Your cluster") ||
			!strings.Contains(view, "(prosody-wizard/prosody:13.0)") || !strings.Contains(view, "push it to your registry") {
			t.Fatalf("after kubernetes: %q asked; want the image, its default and where it comes from:\n%s", key, view)
		}
		d.typeText("Registry.example.org/Prosody")
		d.enterRefused()
		if want := config.ImageProblem("Registry.example.org/Prosody"); !strings.Contains(compact(ansi.Strip(d.render())), compact(want)) {
			t.Errorf("the image's error is not on screen (%q):\n%s", want, d.render())
		}
		d.ctrl('u')
		d.typeText("registry.example.org/prosody:13.0")
		var asked []string
		for range 4 {
			d.enter()
			asked = append(asked, d.focusedKey())
		}
		if want := []string{"kubernetes.namespace", "kubernetes.service", "kubernetes.storage_class", "kubernetes.ingress"}; !slices.Equal(asked, want) {
			t.Errorf("asked %q, want %q", asked, want)
		}
		d.send(tea.KeyPressMsg{Code: tea.KeyLeft}) // Yes
		d.enter()
		if key := d.focusedKey(); key != "kubernetes.ingress_class" {
			t.Errorf("after an Ingress: %q asked, want its class", key)
		}
		d.enter()
		if key := d.focusedKey(); key != "" || !strings.Contains(d.render(), "kustomize base and the Dockerfile") {
			t.Errorf("after the class: %q asked, want the output folder, described for a cluster:\n%s", key, d.render())
		}
		var got config.Kubernetes
		d.with(func(m *Model) { got = m.answers().Kubernetes })
		if want := (config.Kubernetes{Image: "registry.example.org/prosody:13.0", Ingress: true}); got != want {
			t.Errorf("answers %+v, want %+v", got, want)
		}
	})
	t.Run("no Ingress, no class", func(t *testing.T) {
		d := toDeploy(t, 2)
		for range 4 {
			d.enter()
		}
		d.enter() // Ingress: No
		if key := d.focusedKey(); key != "" {
			t.Errorf("after no Ingress: %q asked, want the output folder", key)
		}
	})
}

// TestKubernetesRoundTrip: a cluster's answers come back from the draft
// as they went in, every kubernetes key with them; answers that leave a
// key out keep it out. Leaving the cluster for compose and coming back
// changes nothing.
func TestKubernetesRoundTrip(t *testing.T) {
	for name, yaml := range map[string]string{
		"every key":    kubeAnswers,
		"no keys":      "version: 1\ndeploy: kubernetes\ndomains: [example.org]\n",
		"LoadBalancer": "version: 1\ndeploy: kubernetes\ndomains: [example.org]\nkubernetes: {service: LoadBalancer, ingress: true}\n",
	} {
		t.Run(name, func(t *testing.T) {
			start := parseAnswers(t, yaml)
			if p := config.Validate(start); len(p) > 0 {
				t.Fatal(p)
			}
			d := fromAnswers(start, "")
			if got := d.toAnswers(start); !reflect.DeepEqual(got, start) {
				t.Errorf("answers changed:\n got %#v\nwant %#v", got, start)
			}
			d.Deploy = config.DeployCompose
			d.follow()
			if got := d.toAnswers(start); got.Kubernetes != (config.Kubernetes{}) || got.Ports.HTTPS != config.Defaults().Ports.HTTPS {
				t.Errorf("compose keeps a cluster's answers: kubernetes %+v, ports.https %d", got.Kubernetes, got.Ports.HTTPS)
			}
			d.Deploy = config.DeployKubernetes
			d.follow()
			if got := d.toAnswers(start); !reflect.DeepEqual(got, start) {
				t.Errorf("answers changed by a round through compose:\n got %#v\nwant %#v", got, start)
			}
		})
	}
	// A saved file says what the wizard asked.
	saved := string(config.Marshal(fromAnswers(parseAnswers(t, kubeAnswers), "").toAnswers(parseAnswers(t, kubeAnswers))))
	for _, line := range []string{"kubernetes:", "namespace: chat", "image: registry.example.org:5000/team/prosody:13.0",
		"service: NodePort", "ingress: true", "ingress_class: nginx", "storage_class: fast.ssd"} {
		if !strings.Contains(saved, line) {
			t.Errorf("the saved answers lack %q:\n%s", line, saved)
		}
	}
}

// TestKubernetesFromCompose: choosing a cluster after compose's answers
// gives answers validation takes: the reverse proxy chosen before goes
// (the Ingress takes its place), ports.https becomes the Ingress's 443,
// the suggested TURN host goes (a cluster runs none; config.Parse's
// default) while a typed one stays; an Ingress class is kept only with an
// Ingress.
func TestKubernetesFromCompose(t *testing.T) {
	base := parseAnswers(t, "version: 1\ndomains: [example.org]\nadmins: [admin@example.org]\n")
	nginx := parseAnswers(t, "version: 1\ndomains: [example.org]\nproxy: {kind: traefik, network: web}\n")
	for _, c := range []struct {
		name      string
		base      config.Answers
		edit      func(d *draft)
		wantTURN  string
		wantHTTPS int
		wantKube  config.Kubernetes
	}{
		{"defaults", base, nil, "", 443, config.Kubernetes{}},
		{"a typed TURN host stays", base, func(d *draft) { d.TURN = "turn.example.net" }, "turn.example.net", 443, config.Kubernetes{}},
		{"Traefik goes", nginx, nil, "", 443, config.Kubernetes{}},
		{"proxy chosen before goes", base, func(d *draft) { d.ProxyKind = config.ProxyNginx }, "", 443, config.Kubernetes{}},
		{"class without an Ingress goes", base, func(d *draft) { d.KubeIngressClass = "nginx" }, "", 443, config.Kubernetes{}},
		{"class with an Ingress", base, func(d *draft) { d.KubeIngress, d.KubeIngressClass = true, "nginx" }, "", 443,
			config.Kubernetes{Ingress: true, IngressClass: "nginx"}},
		{"NodePort", base, func(d *draft) { d.KubeService = config.ServiceNodePort }, "", 443, config.Kubernetes{Service: config.ServiceNodePort}},
		{"web side off", parseAnswers(t, "version: 1\ndomains: [example.org]\nports: {https: 0}\ncomponents: {upload: ''}\n"), nil, "", 0, config.Kubernetes{}},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := fromAnswers(c.base, "")
			if c.edit != nil {
				c.edit(d)
			}
			d.follow()
			d.Deploy = config.DeployKubernetes
			d.follow()
			a := d.toAnswers(c.base)
			if a.TURN.Host != c.wantTURN || a.Ports.HTTPS != c.wantHTTPS || a.Proxy != (config.Proxy{}) || a.Kubernetes != c.wantKube {
				t.Errorf("turn.host %q, ports.https %d, proxy %+v, kubernetes %+v; want %q, %d, none, %+v",
					a.TURN.Host, a.Ports.HTTPS, a.Proxy, a.Kubernetes, c.wantTURN, c.wantHTTPS, c.wantKube)
			}
			if p := config.Validate(a); len(p) > 0 {
				t.Errorf("the wizard's answers are refused: %v", p)
			}
		})
	}
}

// TestTURNFollowsTheCluster: the suggested TURN host goes when a cluster
// is chosen and comes back when another deployment is; one the person
// emptied or typed stays as they left it.
func TestTURNFollowsTheCluster(t *testing.T) {
	to := func(d *draft, deploy string) string {
		d.Deploy = deploy
		d.follow()
		return d.TURN
	}
	d := fromAnswers(config.Defaults(), "")
	d.Primary = "example.org"
	d.follow()
	if got := []string{d.TURN, to(d, config.DeployHost), to(d, config.DeployKubernetes), to(d, config.DeployCompose)}; !slices.Equal(got, []string{"example.org", "example.org", "", "example.org"}) {
		t.Errorf("suggested: turn.host %q through compose, host, kubernetes, compose", got)
	}
	d.TURN = ""
	d.follow()
	if got := []string{to(d, config.DeployKubernetes), to(d, config.DeployCompose)}; !slices.Equal(got, []string{"", ""}) {
		t.Errorf("emptied: turn.host %q through kubernetes and compose, want it empty", got)
	}
	d.TURN = "example.org"
	d.follow()
	to(d, config.DeployKubernetes)
	d.TURN = "turn.example.net" // typed while a cluster
	d.follow()
	if got := to(d, config.DeployCompose); got != "turn.example.net" {
		t.Errorf("typed: turn.host %q after compose, want it kept", got)
	}
	// A new domain while a cluster suggests none.
	d = fromAnswers(config.Defaults(), "")
	to(d, config.DeployKubernetes)
	d.Primary = "example.org"
	d.follow()
	if d.TURN != "" {
		t.Errorf("a cluster's domain suggests turn.host %q, want none", d.TURN)
	}
}

// errNotPlanned stops the accessible prompts where the plan begins: these
// tests are about the questions and the answers they give.
var errNotPlanned = config.Problems{{Message: "not planned in this test"}}

// promptAnswers runs the accessible prompts from start on input and
// returns the answers they gave, and what they printed.
func promptAnswers(t *testing.T, start config.Answers, input string) (config.Answers, string) {
	t.Helper()
	_, opts := newAccRig(t)
	opts.Answers = start
	opts.Plan = func(config.Answers, string) (scaffold.Plan, error) { return scaffold.Plan{}, errNotPlanned }
	o, out := runAcc(t, opts, input, nil)
	if o.Aborted || !reflect.DeepEqual(o.Err, errNotPlanned) {
		t.Fatalf("aborted %v, err %v; want the answers given\n%s", o.Aborted, o.Err, out)
	}
	return o.Answers, out
}

// TestAccessibleKubernetes: the plain prompts ask a cluster's questions
// after the deployment, with the same checks (a wrong image is asked
// again, in config's words), and the Ingress class only after a yes.
func TestAccessibleKubernetes(t *testing.T) {
	lines := slices.Clone(defaultLines[:len(defaultLines)-4])
	lines = append(lines,
		"3",                // deploy: kubernetes
		"Registry/Prosody", // the image, refused
		"registry.example.org/prosody:13.0",
		"Chat", // namespace
		"2",    // Service: NodePort
		"",     // storage class: the cluster's default
		"y",    // Ingress
		"nginx",
		"", "", "") // output folder, uid, gid
	a, out := promptAnswers(t, config.Defaults(), script(lines...))
	want := config.Kubernetes{Namespace: "chat", Image: "registry.example.org/prosody:13.0", Service: config.ServiceNodePort, Ingress: true, IngressClass: "nginx"}
	if a.Deploy != config.DeployKubernetes || a.Kubernetes != want {
		t.Errorf("deploy %q, kubernetes %+v; want kubernetes, %+v\n%s", a.Deploy, a.Kubernetes, want, out)
	}
	if a.TURN.Host != "" || a.Proxied() && a.Proxy.Kind != "" || a.Ports.HTTPS != 443 {
		t.Errorf("turn.host %q, proxy %+v, ports.https %d; want none, none (the Ingress), 443", a.TURN.Host, a.Proxy, a.Ports.HTTPS)
	}
	if p := config.Validate(a); len(p) > 0 {
		t.Errorf("the prompts' answers are refused: %v", p)
	}
	if !strings.Contains(out, config.ImageProblem("Registry/Prosody")) {
		t.Errorf("the wrong image is not refused in config's words:\n%s", out)
	}
	for _, s := range []string{"Your cluster", "3. kubernetes: a kustomize base", "Now: empty (prosody-wizard/prosody:13.0)",
		"Now: empty (prosody)", "1. LoadBalancer", "Ingress class", "kustomize base and the Dockerfile"} {
		if !strings.Contains(out, s) {
			t.Errorf("the transcript lacks %q:\n%s", s, out)
		}
	}
	// No Ingress: no class asked.
	noIngress := slices.Clone(lines)
	i := slices.Index(noIngress, "y")
	noIngress = slices.Replace(noIngress, i, i+2, "n")
	a, out = promptAnswers(t, config.Defaults(), script(noIngress...))
	if a.Kubernetes.Ingress || strings.Contains(out, "Ingress class") {
		t.Errorf("without an Ingress: kubernetes %+v, and the class was asked:\n%s", a.Kubernetes, out)
	}
}

// TestAccessibleEditKubernetes: editing a cluster's answers, empty lines
// keep every one, each shown on its question; the reverse-proxy question
// and existing certificate files are not offered, and the questions
// asked before the deployment say what they mean in a cluster.
func TestAccessibleEditKubernetes(t *testing.T) {
	start := parseAnswers(t, kubeAnswers)
	a, out := promptAnswers(t, start, strings.Repeat("\n", 80))
	if !reflect.DeepEqual(a, start) {
		t.Errorf("answers changed by empty lines:\n got %#v\nwant %#v\n%s", a, start, out)
	}
	for _, s := range []string{"Now: registry.example.org:5000/team/prosody:13.0\n", "Now: chat\n", ". NodePort: a port on every node (now)",
		"Now: fast.ssd\n", "Now: nginx\n", ". kubernetes: a kustomize base (kubectl apply -k) (now)", "a cluster needs one",
		"A cluster runs no TURN server", "Now: turn.example.org\n"} {
		if !strings.Contains(out, s) {
			t.Errorf("the transcript lacks %q:\n%s", s, out)
		}
	}
	for _, s := range []string{"What serves HTTPS for Prosody?", "existing: files I already have"} {
		if strings.Contains(out, s) {
			t.Errorf("a cluster is offered %q:\n%s", s, out)
		}
	}
}

// TestKubernetesViews: a cluster's questions at 80x24 and 60x20, the
// image focused and then the Ingress, are goldens, no line wider or
// taller than the terminal.
func TestKubernetesViews(t *testing.T) {
	for _, size := range []struct {
		name          string
		width, height int
	}{{"80x24", 80, 24}, {"60x20", 60, 20}} {
		t.Run(size.name, func(t *testing.T) {
			opts, _ := flowOptions(config.Defaults())
			opts.Plan = nil // no preview beside the questions at these sizes
			d := newDriver(t, opts, size.width, size.height)
			d.enter()
			d.typeText("example.org")
			d.enterUntil("deployment", 30)
			d.down()
			d.down()
			d.enter()
			shots := map[string]string{"deployment-kubernetes": d.render()}
			for range 4 {
				d.enter()
			}
			shots["deployment-kubernetes-ingress"] = d.render()
			for name, view := range shots {
				goldenView(t, size.name+"/"+name, view)
				for i, line := range strings.Split(ansi.Strip(view), "\n") {
					if w := ansi.StringWidth(line); w > size.width {
						t.Errorf("%s line %d is %d cells wide, wider than the terminal", name, i+1, w)
					}
				}
				if n := strings.Count(view, "\n") + 1; n > size.height {
					t.Errorf("%s is %d lines, taller than the terminal (%d)", name, n, size.height)
				}
			}
		})
	}
}

// TestKubernetesProblemsLeadToTheirPage: each problem validation finds in
// a cluster's answers names a field a page asks (the review's way back):
// the cluster's own on the deployment page.
func TestKubernetesProblemsLeadToTheirPage(t *testing.T) {
	a := parseAnswers(t, "version: 1\ndeploy: kubernetes\ndomains: [example.org]\n"+
		"tls: {mode: existing, cert: /c.pem, key: /k.pem}\ndatabase: {driver: postgres}\n"+
		"kubernetes: {namespace: 'x.y', image: 'A b', service: ClusterIP, ingress_class: '$(id)', storage_class: 'a b'}\n")
	want := map[string]string{"tls.mode": "tls", "database.host": "database", "kubernetes.namespace": "deployment",
		"kubernetes.image": "deployment", "kubernetes.service": "deployment", "kubernetes.ingress_class": "deployment",
		"kubernetes.storage_class": "deployment"}
	seen := map[string]bool{}
	for _, p := range config.Validate(a) {
		i := pageOf(p.Field)
		if i < 0 {
			t.Errorf("%s: no page asks it", p)
			continue
		}
		if w, ok := want[p.Field]; ok && pages[i].name != w {
			t.Errorf("%s: on the %s page, want %s", p, pages[i].name, w)
		}
		seen[p.Field] = true
	}
	for f := range want {
		if !seen[f] {
			t.Errorf("validation found no problem with %s: the test proves nothing for it", f)
		}
	}
}

// TestExistingCertificateThenCluster: existing files chosen before the
// deployment became a cluster are refused by validation in the review
// (config's words say why); back on the certificates page, which no
// longer offers them, the answer is one it offers.
func TestExistingCertificateThenCluster(t *testing.T) {
	d := fromAnswers(parseAnswers(t, "version: 1\ndomains: [example.org]\n"), "")
	d.TLSMode, d.Cert, d.Key = config.TLSExisting, "/c.pem", "/k.pem"
	d.Deploy = config.DeployKubernetes
	d.follow()
	var refused bool
	for _, p := range config.Validate(d.toAnswers(config.Defaults())) {
		refused = refused || p.Field == "tls.mode" && strings.Contains(p.Message, "cert-manager")
	}
	if !refused {
		t.Error("validation takes existing files for a cluster")
	}
	tls := pages[slices.IndexFunc(pages, func(p page) bool { return p.name == "tls" })]
	tls.steps[0].fields(d, config.Series13)
	if d.TLSMode != config.TLSSelfSigned {
		t.Errorf("back on the certificates page: tls.mode %q, want self-signed (the first offered)", d.TLSMode)
	}
	if p := config.Validate(d.toAnswers(config.Defaults())); len(p) > 0 {
		t.Errorf("then: %v", p)
	}
}

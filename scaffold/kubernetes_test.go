package scaffold_test

import (
	"bytes"
	"path"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"sigs.k8s.io/yaml"

	"prosody-wizard/config"
	"prosody-wizard/internal/kubecheck"
	"prosody-wizard/scaffold"
)

// hostilePassword has what a YAML, .env or shell line would need quoted.
const hostilePassword = "p'a \"s$HOME \\x  y`id`#: ]]"

// kubePlan plans answers (an answers file's text) for a cluster, owned by
// 1000:1000.
func kubePlan(t testing.TB, answers string) (config.Setup, scaffold.Plan) {
	t.Helper()
	a, err := config.Parse([]byte(answers))
	if err != nil {
		t.Fatalf("answers:\n%s\n%v", answers, err)
	}
	s, problems := config.Resolve(a)
	if len(problems) > 0 {
		t.Fatalf("answers:\n%s\n%v", answers, problems)
	}
	p, err := scaffold.NewPlan(s, scaffold.Inputs{Now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Owner: config.Owner{UID: 1000, GID: 1000}})
	if err != nil {
		t.Fatal(err)
	}
	return s, p
}

func planFile(t testing.TB, p scaffold.Plan, name string) []byte {
	t.Helper()
	for _, f := range p.Files {
		if f.Path == name {
			return f.Data
		}
	}
	t.Fatalf("the plan has no %s", name)
	return nil
}

// kubeCases are answers for a cluster, each with what the rendered base
// must hold.
var kubeCases = []struct {
	name, answers string
	service       corev1.ServiceType
	ingress       bool
	secrets       map[string]string // the Secret's values by key
	xmppPorts     []int32
}{
	{name: "defaults", answers: "version: 1\ndeploy: kubernetes\ndomains: [example.org]\n",
		service: corev1.ServiceTypeLoadBalancer, xmppPorts: []int32{5222, 5223, 5269}},
	{name: "postgres, Let's Encrypt, Ingress, NodePort, TURN, 0.12, IDN", answers: `version: 1
prosody: "0.12"
deploy: kubernetes
domains: [wizard-demo.net, bücher-demo.net]
admins: [admin@wizard-demo.net]
tls: {mode: letsencrypt, email: hostmaster@wizard-demo.net}
database: {driver: postgres, host: pg.db.svc.cluster.local, password: "p'a \"s$HOME \\x  y` + "`id`" + `#: ]]"}
turn: {host: turn.wizard-demo.net, secret: " spaced secret "}
components: {proxy65: proxy.wizard-demo.net}
kubernetes: {namespace: chat, image: "registry.example.org:5000/team/prosody:0.12", service: NodePort, ingress: true, ingress_class: nginx, storage_class: fast-ssd}
`, service: corev1.ServiceTypeNodePort, ingress: true, xmppPorts: []int32{5222, 5223, 5269, 5000},
		secrets: map[string]string{"PROSODY_DB_PASSWORD": hostilePassword, "PROSODY_TURN_SECRET": " spaced secret "}},
	{name: "SQLite, closed server, upload only", answers: `version: 1
deploy: kubernetes
domains: [example.net]
federation: false
database: {driver: sqlite}
modules: {disable: [bosh, websocket]}
kubernetes: {ingress: true}
`, service: corev1.ServiceTypeLoadBalancer, ingress: true, xmppPorts: []int32{5222, 5223}},
	{name: "MariaDB, no web side", answers: `version: 1
deploy: kubernetes
domains: [example.org]
registration: invite
database: {driver: mysql, host: 10.0.0.5, port: 3307, password: "Xq9-secret-7Zr"}
components: {upload: ""}
ports: {https: 0, c2s_direct_tls: 0}
`, service: corev1.ServiceTypeLoadBalancer, xmppPorts: []int32{5222, 5269},
		secrets: map[string]string{"PROSODY_DB_PASSWORD": "Xq9-secret-7Zr"}},
}

// TestKubernetesBase renders each case's base with kustomize, decodes
// every object strictly with k8s.io/api's types (each manifest on its own
// too), and checks what the issue asks of it: one replica, non-root,
// read-only root, probes, secrets only in the Secret and exact there, the
// names kustomize generated wired into the pod, the Services, the
// Ingress, the Certificate's names.
func TestKubernetesBase(t *testing.T) {
	for _, tc := range kubeCases {
		t.Run(tc.name, func(t *testing.T) {
			s, p := kubePlan(t, tc.answers)
			for _, f := range p.Files {
				if path.Dir(f.Path) == "kubernetes" {
					if _, err := kubecheck.Decode(f.Data); err != nil {
						t.Errorf("%s: %v", f.Path, err)
					}
				}
			}
			out, err := kubecheck.Render(p)
			if err != nil {
				t.Fatal(err)
			}
			objs, err := kubecheck.Decode(out)
			if err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			ns := s.Answers.KubeNamespace()
			for _, o := range objs {
				if o.GVK.Kind != "Namespace" && o.Namespace != ns {
					t.Errorf("%s %s is in namespace %q, want %q", o.GVK.Kind, o.Name, o.Namespace, ns)
				}
			}
			checkPod(t, s, p, objs, tc.secrets)
			checkServices(t, objs, tc.service, tc.xmppPorts, s)
			if ing, ok := kubecheck.Find(objs, "Ingress", "prosody"); ok != tc.ingress {
				t.Errorf("Ingress present: %v, want %v", ok, tc.ingress)
			} else if ok {
				checkIngress(t, ing.Typed.(*networkingv1.Ingress), s)
			}
			cert, ok := kubecheck.Find(objs, "Certificate", "prosody")
			if !ok {
				t.Fatal("no Certificate")
			}
			var c struct {
				Spec struct {
					SecretName string   `json:"secretName"`
					DNSNames   []string `json:"dnsNames"`
				} `json:"spec"`
			}
			if err := yaml.Unmarshal(cert.YAML, &c); err != nil {
				t.Fatal(err)
			}
			var hosts []string
			for _, h := range s.Hosts {
				hosts = append(hosts, h.ASCII)
			}
			if c.Spec.SecretName != "prosody-tls" || !slices.Equal(c.Spec.DNSNames, hosts) {
				t.Errorf("Certificate: secret %q, names %v; want prosody-tls, %v", c.Spec.SecretName, c.Spec.DNSNames, hosts)
			}
			for _, o := range objs {
				if o.GVK.Kind == "ConfigMap" {
					for _, v := range tc.secrets {
						if bytes.Contains(o.YAML, []byte(strings.TrimSpace(v))) {
							t.Errorf("ConfigMap %s holds a secret", o.Name)
						}
					}
				}
			}
		})
	}
}

func checkPod(t *testing.T, s config.Setup, p scaffold.Plan, objs []kubecheck.Object, secrets map[string]string) {
	t.Helper()
	o, ok := kubecheck.Find(objs, "StatefulSet", "prosody")
	if !ok {
		t.Fatal("no StatefulSet")
	}
	sts := o.Typed.(*appsv1.StatefulSet)
	if sts.Spec.Replicas == nil || *sts.Spec.Replicas != 1 {
		t.Errorf("replicas %v, want 1", sts.Spec.Replicas)
	}
	pod := sts.Spec.Template.Spec
	sc := pod.SecurityContext
	if sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot || sc.RunAsUser == nil || *sc.RunAsUser == 0 || sc.FSGroup == nil || *sc.FSGroup != *sc.RunAsUser {
		t.Errorf("pod securityContext %+v: want non-root with fsGroup", sc)
	}
	if len(pod.Containers) != 1 {
		t.Fatalf("%d containers, want 1", len(pod.Containers))
	}
	c := pod.Containers[0]
	if c.Image != s.Answers.KubeImage() || !slices.Equal(c.Command, []string{"prosody", "-F"}) {
		t.Errorf("container runs %s %v", c.Image, c.Command)
	}
	if c.SecurityContext == nil || c.SecurityContext.ReadOnlyRootFilesystem == nil || !*c.SecurityContext.ReadOnlyRootFilesystem ||
		c.SecurityContext.AllowPrivilegeEscalation == nil || *c.SecurityContext.AllowPrivilegeEscalation {
		t.Errorf("container securityContext %+v: want a read-only root, no privilege escalation", c.SecurityContext)
	}
	if c.Resources.Requests.Cpu().IsZero() || c.Resources.Requests.Memory().IsZero() {
		t.Error("no resource requests")
	}
	wantProbe := []string{"prosody-healthcheck", itoa(s.Answers.Ports.C2S)}
	for name, pr := range map[string]*corev1.Probe{"liveness": c.LivenessProbe, "readiness": c.ReadinessProbe, "startup": c.StartupProbe} {
		if pr == nil || pr.Exec == nil || !slices.Equal(pr.Exec.Command, wantProbe) {
			t.Errorf("%s probe %+v, want exec %v", name, pr, wantProbe)
		}
	}
	mounts := map[string]string{}
	for _, m := range c.VolumeMounts {
		mounts[m.MountPath] = m.Name
	}
	for _, want := range []string{"/etc/prosody/prosody.cfg.lua", "/etc/prosody/local.d", "/etc/prosody/certs", "/var/lib/prosody", "/tmp"} {
		if mounts[want] == "" {
			t.Errorf("nothing mounted at %s", want)
		}
	}
	// Every volume names an object the base renders, by the name
	// kustomize gave it.
	for _, v := range pod.Volumes {
		switch {
		case v.ConfigMap != nil:
			cm, ok := findExact(objs, "ConfigMap", v.ConfigMap.Name)
			if !ok {
				t.Errorf("volume %s: no ConfigMap %s", v.Name, v.ConfigMap.Name)
				continue
			}
			if v.ConfigMap.Name[:len("prosody-config")] == "prosody-config" {
				got := cm.Typed.(*corev1.ConfigMap).Data["prosody.cfg.lua"]
				if got != string(planFile(t, p, "prosody/prosody.cfg.lua")) {
					t.Error("the ConfigMap's prosody.cfg.lua differs from the plan's")
				}
			}
		case v.Secret != nil:
			if v.Secret.SecretName != "prosody-tls" {
				t.Errorf("volume %s mounts Secret %s", v.Name, v.Secret.SecretName)
			}
		case v.PersistentVolumeClaim != nil:
			if _, ok := findExact(objs, "PersistentVolumeClaim", v.PersistentVolumeClaim.ClaimName); !ok {
				t.Errorf("volume %s: no PersistentVolumeClaim %s", v.Name, v.PersistentVolumeClaim.ClaimName)
			}
		}
	}
	if len(secrets) == 0 {
		if len(c.EnvFrom) > 0 {
			t.Errorf("envFrom %+v without secrets", c.EnvFrom)
		}
		return
	}
	if len(c.EnvFrom) != 1 || c.EnvFrom[0].SecretRef == nil {
		t.Fatalf("envFrom %+v, want the Secret", c.EnvFrom)
	}
	sec, ok := findExact(objs, "Secret", c.EnvFrom[0].SecretRef.Name)
	if !ok {
		t.Fatalf("no Secret %s", c.EnvFrom[0].SecretRef.Name)
	}
	data := sec.Typed.(*corev1.Secret).Data
	if len(data) != len(secrets) {
		t.Errorf("the Secret has %d values, want %d", len(data), len(secrets))
	}
	for k, want := range secrets {
		if string(data[k]) != want {
			t.Errorf("Secret %s = %q, want %q", k, data[k], want)
		}
	}
	cfg := string(planFile(t, p, "prosody/prosody.cfg.lua"))
	for k := range secrets {
		if !strings.Contains(cfg, "ENV_"+k) {
			t.Errorf("prosody.cfg.lua does not read ENV_%s", k)
		}
	}
}

func checkServices(t *testing.T, objs []kubecheck.Object, typ corev1.ServiceType, xmpp []int32, s config.Setup) {
	t.Helper()
	o, ok := kubecheck.Find(objs, "Service", "prosody-xmpp")
	if !ok {
		t.Fatal("no Service prosody-xmpp")
	}
	svc := o.Typed.(*corev1.Service)
	var ports []int32
	for _, p := range svc.Spec.Ports {
		ports = append(ports, p.Port)
	}
	if svc.Spec.Type != typ || !slices.Equal(ports, xmpp) || svc.Spec.ExternalTrafficPolicy != corev1.ServiceExternalTrafficPolicyLocal {
		t.Errorf("prosody-xmpp: %s %v %s, want %s %v Local", svc.Spec.Type, ports, svc.Spec.ExternalTrafficPolicy, typ, xmpp)
	}
	http, ok := kubecheck.Find(objs, "Service", "prosody-http")
	wantHTTP := s.Answers.Ports.HTTPS != 0
	if ok != wantHTTP {
		t.Fatalf("prosody-http present: %v, want %v", ok, wantHTTP)
	}
	if ok {
		h := http.Typed.(*corev1.Service)
		if h.Spec.Type != corev1.ServiceTypeClusterIP || len(h.Spec.Ports) != 1 || h.Spec.Ports[0].Port != 5280 {
			t.Errorf("prosody-http: %s %+v, want ClusterIP 5280", h.Spec.Type, h.Spec.Ports)
		}
	}
}

func checkIngress(t *testing.T, ing *networkingv1.Ingress, s config.Setup) {
	t.Helper()
	var hosts []string
	for _, r := range ing.Spec.Rules {
		hosts = append(hosts, r.Host)
		for _, p := range r.HTTP.Paths {
			if p.Backend.Service == nil || p.Backend.Service.Name != "prosody-http" {
				t.Errorf("%s%s goes to %+v", r.Host, p.Path, p.Backend)
			}
		}
	}
	up, _ := s.Host(config.HostUpload)
	if !slices.Contains(hosts, up.ASCII) {
		t.Errorf("Ingress hosts %v lack the upload host %s", hosts, up.ASCII)
	}
	if len(ing.Spec.TLS) != 1 || ing.Spec.TLS[0].SecretName != "prosody-tls" || !slices.Equal(ing.Spec.TLS[0].Hosts, hosts) {
		t.Errorf("Ingress TLS %+v, want prosody-tls for %v", ing.Spec.TLS, hosts)
	}
	if class := s.Answers.Kubernetes.IngressClass; class != "" && (ing.Spec.IngressClassName == nil || *ing.Spec.IngressClassName != class) {
		t.Errorf("ingressClassName %v, want %s", ing.Spec.IngressClassName, class)
	}
}

func findExact(objs []kubecheck.Object, kind, name string) (kubecheck.Object, bool) {
	for _, o := range objs {
		if o.GVK.Kind == kind && o.Name == name {
			return o, true
		}
	}
	return kubecheck.Object{}, false
}

func itoa(n int) string { return scaffold.LuaValue(n) }

// TestKubecheckCatches: the checks fail on what they are for: a misspelt
// field, a field of the wrong type, an unknown kind, a file kustomization
// names but the base lacks.
func TestKubecheckCatches(t *testing.T) {
	_, p := kubePlan(t, kubeCases[0].answers)
	sts := string(planFile(t, p, "kubernetes/statefulset.yaml"))
	for _, tc := range []struct{ name, doc string }{
		{"misspelt field", strings.Replace(sts, "replicas: 1", "replica: 1", 1)},
		{"wrong type", strings.Replace(sts, "replicas: 1", "replicas: one", 1)},
		{"unknown kind", "apiVersion: v1\nkind: Pdo\nmetadata: {name: x}\n"},
		{"duplicate field", strings.Replace(sts, "replicas: 1", "replicas: 1\n  replicas: 2", 1)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := kubecheck.Decode([]byte(tc.doc)); err == nil {
				t.Error("decoded without an error")
			}
		})
	}
	t.Run("missing file", func(t *testing.T) {
		var q scaffold.Plan
		for _, f := range p.Files {
			if f.Path != "prosody/prosody.cfg.lua" {
				q.Files = append(q.Files, f)
			}
		}
		if _, err := kubecheck.Render(q); err == nil {
			t.Error("kustomize rendered a base without prosody.cfg.lua")
		}
	})
}

// FuzzKubernetesSecret: any database password validation takes comes out
// of kustomize's Secret byte for byte, and stays out of the ConfigMaps.
func FuzzKubernetesSecret(f *testing.F) {
	for _, s := range []string{hostilePassword, " lead and trail ", "ü\u00a0x", "a=b", "#not a comment", "--- \n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, pw string) {
		if config.SecretProblem(pw) != "" || pw == "" {
			t.Skip()
		}
		answers := "version: 1\ndeploy: kubernetes\ndomains: [example.org]\ndatabase: {driver: postgres, host: db, password: " + strconv.Quote(pw) + "}\n"
		a, err := config.Parse([]byte(answers))
		if err != nil || a.Database.Password != pw {
			t.Skip() // YAML's own limits, not ours
		}
		_, p := kubePlan(t, answers)
		out, err := kubecheck.Render(p)
		if err != nil {
			t.Fatal(err)
		}
		objs, err := kubecheck.Decode(out)
		if err != nil {
			t.Fatal(err)
		}
		sec, ok := kubecheck.Find(objs, "Secret", "prosody-secrets")
		if !ok {
			t.Fatal("no Secret")
		}
		if got := string(sec.Typed.(*corev1.Secret).Data["PROSODY_DB_PASSWORD"]); got != pw {
			t.Fatalf("Secret holds %q, want %q", got, pw)
		}
	})
}

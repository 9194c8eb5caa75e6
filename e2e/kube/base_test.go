// Package kubee2e proves what deploy: kubernetes writes against a real
// Kubernetes API server (internal/kubetest: kube-apiserver and etcd built
// by .ci/kube from the Go module proxy, with cert-manager's CRDs): every
// object of the rendered kustomize base is accepted by a server-side
// apply with dryRun=All and strict field validation.
package kubee2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"prosody-wizard/config"
	"prosody-wizard/internal/kubecheck"
	"prosody-wizard/internal/kubetest"
	"prosody-wizard/scaffold"
)

// bases are the answers of every base the test applies: the golden
// answers files for a cluster, and variants that change the rest of the
// manifests (the Service type, the web side, the database, the series).
func bases(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{
		"mariadb, no web side, 0.12, NodePort": `version: 1
prosody: "0.12"
deploy: kubernetes
domains: [example.org]
registration: invite
database: {driver: mysql, host: 10.0.0.5, port: 3307, password: "p'a \"s$HOME \\x  y` + "`id`" + `"}
components: {upload: ""}
ports: {https: 0}
kubernetes: {service: NodePort, storage_class: standard}
`,
		"letsencrypt without an Ingress": `version: 1
deploy: kubernetes
domains: [wizard-demo.net]
tls: {mode: letsencrypt, email: hostmaster@wizard-demo.net}
turn: {host: 198.51.100.7}
`,
	}
	files, err := filepath.Glob("../../testdata/answers/kubernetes*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no answers files for a cluster in testdata/answers: %v", err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out["file "+filepath.Base(f)] = string(data)
	}
	return out
}

// render plans answers as the tool does and renders the base with
// kustomize, as kubectl apply -k does.
func render(t *testing.T, answers string) []byte {
	t.Helper()
	a, err := config.Parse([]byte(answers))
	if err != nil {
		t.Fatal(err)
	}
	s, problems := config.Resolve(a)
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	p, err := scaffold.NewPlan(s, scaffold.Inputs{Now: time.Now(), Owner: config.Owner{UID: 1000, GID: 1000}})
	if err != nil {
		t.Fatal(err)
	}
	out, err := kubecheck.Render(p)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// cluster is the API server with cert-manager's CRDs, and the namespaces
// made for real so far.
type cluster struct {
	*kubetest.APIServer
	made map[string]bool
}

func startCluster(t *testing.T) *cluster {
	srv := kubetest.Start(t)
	crds, err := srv.Versions.CRDFiles()
	if err != nil {
		t.Fatal(err)
	}
	srv.ApplyCRDs(t, crds...)
	return &cluster{APIServer: srv, made: map[string]bool{}}
}

// namespaces makes the base's Namespace for real, labels and all (the
// Pod Security level it enforces), with the service account a pod is
// admitted under (no controller manager runs to make it).
func (c *cluster) namespaces(t *testing.T, stream []byte) {
	t.Helper()
	objs, err := kubecheck.Decode(stream)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range objs {
		if o.GVK.Kind != "Namespace" || c.made[o.Name] {
			continue
		}
		c.Create(t, o.YAML)
		c.Create(t, []byte("apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: default, namespace: "+o.Name+"}\n"))
		c.made[o.Name] = true
	}
}

// pod is the pod the StatefulSet would make, prosody-0: a dry run of it
// meets Pod Security admission, which judges pods, not their templates.
func pod(t *testing.T, stream []byte) []byte {
	t.Helper()
	objs, err := kubecheck.Decode(stream)
	if err != nil {
		t.Fatal(err)
	}
	o, ok := kubecheck.Find(objs, "StatefulSet", "prosody")
	if !ok {
		t.Fatal("no StatefulSet")
	}
	sts := o.Typed.(*appsv1.StatefulSet)
	p := corev1.Pod{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{Name: sts.Name + "-0", Namespace: sts.Namespace, Labels: sts.Spec.Template.Labels},
		Spec:       sts.Spec.Template.Spec,
	}
	data, err := yaml.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestKubernetesBaseAcceptedByAPIServer: each base's every object, the
// StatefulSet, Services, PersistentVolumeClaim, Ingress, ConfigMaps and
// Secret as well as cert-manager's Issuer and Certificate, passes the
// real API server's validation and admission, with unknown fields refused
// (fieldValidation=Strict).
func TestKubernetesBaseAcceptedByAPIServer(t *testing.T) {
	srv := startCluster(t)
	for name, answers := range bases(t) {
		t.Run(name, func(t *testing.T) {
			stream := render(t, answers)
			srv.namespaces(t, stream)
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			start := time.Now()
			if err := srv.DryRunApply(ctx, stream); err != nil {
				t.Fatalf("the API server refused the base:\n%v", err)
			}
			t.Logf("%d objects accepted in %s", strings.Count(string(stream), "\napiVersion:")+1, time.Since(start).Round(time.Millisecond))
			if err := srv.DryRunApply(ctx, pod(t, stream)); err != nil {
				t.Fatalf("the StatefulSet's pod is refused (Pod Security \"restricted\" is enforced in its namespace):\n%v", err)
			}
		})
	}
}

// TestKubernetesBaseCatches: the same server refuses a base that is wrong
// where only it can tell: a field cert-manager's CRD does not declare, an
// invalid Service port, a StatefulSet whose selector does not match its
// pods, a volume that names no source.
func TestKubernetesBaseCatches(t *testing.T) {
	srv := startCluster(t)
	good := string(render(t, "version: 1\ndeploy: kubernetes\ndomains: [example.org]\n"))
	srv.namespaces(t, []byte(good))
	for _, tc := range []struct {
		name, from, to, want string
		pod                  bool // the change shows in the pod only
	}{
		{"Certificate field", "  dnsNames:\n", "  dnsName:\n", "dnsName", false},
		{"Service port", "port: 5222\n", "port: 70000\n", "70000", false},
		{"selector", "      app.kubernetes.io/name: prosody\n  serviceName:", "      app.kubernetes.io/name: other\n  serviceName:", "selector", false},
		{"volume source", "      - emptyDir:\n", "      - nothing:\n", "nothing", false},
		{"Pod Security: privilege escalation", "allowPrivilegeEscalation: false", "allowPrivilegeEscalation: true", "PodSecurity", true},
		{"Pod Security: root", "runAsNonRoot: true", "runAsNonRoot: false", "PodSecurity", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(good, tc.from) {
				t.Fatalf("the base has no %q to change", tc.from)
			}
			bad := strings.Replace(good, tc.from, tc.to, 1)
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			doc := []byte(bad)
			if tc.pod {
				doc = pod(t, doc)
			}
			err := srv.DryRunApply(ctx, doc)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("refusal %v, want one naming %q", err, tc.want)
			}
			t.Logf("refused: %v", err)
		})
	}
}

package kubetest

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

// Objects the dry-run cases start from, in the namespace the test creates.
const (
	configMap = `apiVersion: v1
kind: ConfigMap
metadata:
  name: prosody-config
  namespace: prosody
data:
  prosody.cfg.lua: |
    admins = { "admin@example.org" }
`
	service = `apiVersion: v1
kind: Service
metadata:
  name: prosody
  namespace: prosody
spec:
  selector:
    app: prosody
  ports:
  - name: c2s
    port: 5222
    targetPort: 5222
`
	deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: prosody
  namespace: prosody
spec:
  replicas: 1
  selector:
    matchLabels:
      app: prosody
  template:
    metadata:
      labels:
        app: prosody
    spec:
      containers:
      - name: prosody
        image: prosody/prosody:13.0
        ports:
        - containerPort: 5222
`
	statefulSet = `apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: postgres
  namespace: prosody
spec:
  serviceName: postgres
  replicas: 1
  selector:
    matchLabels:
      app: postgres
  template:
    metadata:
      labels:
        app: postgres
    spec:
      containers:
      - name: postgres
        image: postgres:17
  volumeClaimTemplates:
  - metadata:
      name: data
    spec:
      accessModes: [ReadWriteOnce]
      resources:
        requests:
          storage: 1Gi
`
	ingress = `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: prosody-http
  namespace: prosody
spec:
  ingressClassName: nginx
  tls:
  - hosts: [upload.example.org]
    secretName: prosody-tls
  rules:
  - host: upload.example.org
    http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service:
            name: prosody
            port:
              number: 5280
`
	issuer = `apiVersion: cert-manager.io/v1
kind: Issuer
metadata:
  name: selfsigned
  namespace: prosody
spec:
  selfSigned: {}
`
	certificate = `apiVersion: cert-manager.io/v1
kind: Certificate
metadata:
  name: prosody-tls
  namespace: prosody
spec:
  secretName: prosody-tls
  dnsNames:
  - example.org
  - conference.example.org
  issuerRef:
    kind: Issuer
    name: selfsigned
`
)

// TestDryRunApply runs the real API server with cert-manager's CRDs and
// checks that it accepts valid objects and refuses broken ones with its
// own message: the harness can fail.
func TestDryRunApply(t *testing.T) {
	begin := time.Now()
	s := Start(t)
	started := time.Now()
	crds, err := s.Versions.CRDFiles()
	if err != nil {
		t.Fatal(err)
	}
	s.ApplyCRDs(t, crds...)
	t.Logf("%d CRD files registered in %v", len(crds), time.Since(started).Round(10*time.Millisecond))
	s.Create(t, []byte("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: prosody\n"))
	// Again through the stream of a kustomize base: the existing
	// namespace is no error, the missing one is made.
	s.EnsureNamespaces(t, []byte("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: prosody\n---\n"+
		strings.Replace(configMap, "namespace: prosody", "namespace: made-by-ensure", 1)))

	tests := []struct {
		name string
		yaml string
		// want is "" for an accepted stream, else what the refusal must
		// say: the object, then the server's words.
		want []string
	}{
		{"ConfigMap", configMap, nil},
		{"Service", service, nil},
		{"Deployment", deployment, nil},
		{"StatefulSet", statefulSet, nil},
		{"Ingress", ingress, nil},
		{"Issuer (CRD)", issuer, nil},
		{"Certificate (CRD)", certificate, nil},
		{"ClusterIssuer, cluster-scoped (CRD)", "apiVersion: cert-manager.io/v1\nkind: ClusterIssuer\nmetadata:\n  name: selfsigned\nspec:\n  selfSigned: {}\n", nil},
		{"ConfigMap in the namespace EnsureNamespaces made", strings.Replace(configMap, "namespace: prosody", "namespace: made-by-ensure", 1), nil},
		{"a kustomize-style stream of all of them",
			"---\n" + configMap + "---\n" + service + "---\n" + deployment + "---\n" + statefulSet + "---\n" + ingress + "---\n" + issuer + "---\n" + certificate, nil},

		{"Service port 70000", strings.Replace(service, "port: 5222", "port: 70000", 1),
			[]string{"Service prosody/prosody: ", `Service "prosody" is invalid`, "spec.ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive"}},
		{"StatefulSet replicas -1", strings.Replace(statefulSet, "replicas: 1", "replicas: -1", 1),
			[]string{"StatefulSet prosody/postgres: ", "spec.replicas: Invalid value: -1: must be greater than or equal to 0"}},
		{"Deployment selector that misses the pod labels", strings.Replace(deployment, "        app: prosody\n    spec:", "        app: other\n    spec:", 1),
			[]string{"Deployment prosody/prosody: ", "`selector` does not match template `labels`"}},
		{"Ingress path without pathType", strings.Replace(ingress, "        pathType: Prefix\n", "", 1),
			[]string{"Ingress prosody/prosody-http: ", "spec.rules[0].http.paths[0].pathType: Required value"}},
		{"Certificate with an unknown field under spec", strings.Replace(certificate, "  secretName:", "  secretname: typo\n  secretName:", 1),
			[]string{"Certificate prosody/prosody-tls: ", ".spec.secretname: field not declared in schema"}},
		{"Deployment with an unknown field under spec", strings.Replace(deployment, "  replicas: 1", "  replica: 1", 1),
			[]string{"Deployment prosody/prosody: ", ".spec.replica: field not declared in schema"}},
		{"Certificate without issuerRef (CRD schema)", certificate[:strings.Index(certificate, "  issuerRef:")],
			[]string{"Certificate prosody/prosody-tls: ", "spec.issuerRef: Required value"}},
		{"ConfigMap in a namespace that does not exist", strings.Replace(configMap, "namespace: prosody", "namespace: nowhere", 1),
			[]string{"ConfigMap nowhere/prosody-config: ", `namespaces "nowhere" not found`}},
		{"an unknown kind", "apiVersion: cert-manager.io/v1\nkind: Certificat\nmetadata:\n  name: x\n",
			[]string{"Certificat x: ", "the server has no kind Certificat in cert-manager.io/v1"}},
		{"a stream with one bad object among good ones",
			configMap + "---\n" + strings.Replace(service, "port: 5222", "port: 0", 1) + "---\n" + deployment,
			[]string{"Service prosody/prosody: ", "spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive"}},
	}
	testsStart := time.Now()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			err := s.DryRunApply(ctx, []byte(tt.yaml))
			if tt.want == nil {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("accepted, want a refusal saying %q", tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("refusal %q does not say %q", err, w)
				}
			}
		})
	}
	t.Logf("%d dry-run cases in %v; whole test %v", len(tests),
		time.Since(testsStart).Round(10*time.Millisecond), time.Since(begin).Round(10*time.Millisecond))

	t.Run("dry run stores nothing", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, err := s.request(ctx, http.MethodGet, "/api/v1/namespaces/prosody/configmaps/prosody-config", "", nil)
		var apiErr *APIError
		if !errors.As(err, &apiErr) || apiErr.Code != http.StatusNotFound {
			t.Errorf("GET of the dry-run ConfigMap: %v, want 404 Not Found", err)
		}
	})
	t.Run("refusals are APIErrors with the status", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		err := s.DryRunApply(ctx, []byte(strings.Replace(service, "port: 5222", "port: 70000", 1)))
		var apiErr *APIError
		if !errors.As(err, &apiErr) || apiErr.Code != http.StatusUnprocessableEntity || apiErr.Reason != "Invalid" {
			t.Errorf("error %#v, want an *APIError 422 Invalid", err)
		}
	})
}

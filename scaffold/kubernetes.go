package scaffold

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/spf13/afero"

	"prosody-wizard/config"
)

// A cluster's repo (deploy: kubernetes) is a kustomize base at the top of
// the output folder: kustomization.yaml, the manifests in kubernetes/,
// the config in prosody/ (made into ConfigMaps), the secrets in secrets/
// (made into a Secret), and the Dockerfile the image is built from.
const (
	kubeDir     = "kubernetes"
	secretsDir  = "secrets"
	podUID      = 999 // the prosody user's id in the image (see the Dockerfile)
	dataSize    = "10Gi"
	kubeXMPPSvc = "prosody-xmpp"
	kubeHTTPSvc = "prosody-http"
	kubeTLS     = "prosody-tls"
)

// The manifests in kubernetes/, in the order kustomization.yaml lists
// them; the Ingress only when the answers ask for it.
var kubeManifests = []string{"namespace.yaml", "statefulset.yaml", "storage.yaml", "services.yaml", "certificate.yaml", "ingress.yaml"}

// kubernetesFiles lays out a cluster's repo; every file belongs to the
// owner (the person who builds and applies it); the pod runs as the
// image's prosody user, whatever owns the files here.
func kubernetesFiles(p *Plan, s *setup) {
	u, g := s.UID, s.GID
	p.dir(".", 0o755, u, g)
	p.file("kustomization.yaml", 0o644, u, g, render("kustomization.yaml", s))
	p.dir(kubeDir, 0o755, u, g)
	for _, m := range s.KubeManifests() {
		p.file(path.Join(kubeDir, m), 0o644, u, g, render("k8s-"+m, s))
	}
	p.file("Dockerfile", 0o644, u, g, render("Dockerfile", s))
	p.file("healthcheck.sh", 0o755, u, g, render("healthcheck.sh", s))
	p.file("README.md", 0o644, u, g, render("README.kubernetes.md", s))
	p.file("dns.zone", 0o644, u, g, render("dns.zone", s))
	p.file(".gitignore", 0o644, u, g, render("gitignore", s))
	p.file(".dockerignore", 0o644, u, g, render("dockerignore", s))
	p.file("answers.yaml", 0o644, u, g, text{data: config.Marshal(withoutSecrets(s.Answers))})
	p.dir(composeConfigDir, 0o755, u, g)
	p.file(path.Join(composeConfigDir, "prosody.cfg.lua"), 0o644, u, g, render("prosody.cfg.lua", s))
	ownConfig(p, s, composeConfigDir, u, g)
	if secrets := s.KubeSecrets(); len(secrets) > 0 {
		p.dir(secretsDir, 0o700, u, g)
		for _, sec := range secrets {
			// The value exactly, without a newline: secretGenerator
			// takes a file's bytes as they are.
			p.add(File{Path: path.Join(secretsDir, sec.Name), Mode: 0o600, UID: u, GID: g, Data: []byte(sec.value), Secret: true})
		}
	}
}

// KubeManifests are the manifests of kubernetes/ for these answers.
func (s *setup) KubeManifests() []string {
	var out []string
	for _, m := range kubeManifests {
		switch {
		case m == "ingress.yaml" && !s.KubeIngress():
		case m == "services.yaml" && len(s.KubeServices()) == 0:
		default:
			out = append(out, m)
		}
	}
	return out
}

// PodUID is the id of the image's prosody user and group, the pod's
// runAsUser, runAsGroup and fsGroup.
func (s *setup) PodUID() int { return podUID }

// Namespace is the namespace every object goes into.
func (s *setup) Namespace() string { return s.Answers.KubeNamespace() }

// Image is the image the pod runs.
func (s *setup) Image() string { return s.Answers.KubeImage() }

// AppName is the app.kubernetes.io/instance label of every object: the
// compose project's name, so that two servers in one namespace differ.
func (s *setup) AppName() string { return s.ProjectName() }

// DataSize is the data volume's requested size.
func (s *setup) DataSize() string { return dataSize }

// SecretSource says where a container reads a secret from, for the
// comment beside ENV_ in prosody.cfg.lua.
func (s *setup) SecretSource() string {
	if s.Kubernetes() {
		return "from the Secret prosody-secrets (secrets/ here), through the pod's environment"
	}
	return "from .env, through compose.yaml"
}

// KubeSecret is one value of the Secret prosody-secrets: its key, which
// is also the environment variable the config reads (ENV_<name>) and the
// file in secrets/ it is made from.
type KubeSecret struct {
	Name  string
	About string
	value string
}

// KubeSecrets are the Secret's values: the database password and the
// TURN secret, when the setup has them.
func (s *setup) KubeSecrets() []KubeSecret {
	var out []KubeSecret
	if s.Driver.Network {
		out = append(out, KubeSecret{Name: dbPasswordEnv, About: "the database password", value: s.DBPassword})
	}
	if s.Answers.TURN.Host != "" {
		out = append(out, KubeSecret{Name: turnSecretEnv, About: "the secret shared with the TURN server", value: s.TURNSecret})
	}
	return out
}

// SecretsAbout says what the Secret holds, for people.
func (s *setup) SecretsAbout() string {
	var what []string
	for _, sec := range s.KubeSecrets() {
		what = append(what, sec.About)
	}
	return strings.Join(what, " and ")
}

// SecretsDir is the folder the Secret's files are in.
func (s *setup) SecretsDir() string { return secretsDir }

// KubePort is one port of a Service and of the container.
type KubePort struct {
	Name   string // the port's name, which the Service's targetPort names
	Number int
	Label  string
	// Field and Follows are the answers that set it and turn it on (see
	// config.Port), for the marks.
	Field   string
	Follows []string
}

// kubePortNames are the names of the container's ports by service (at
// most 15 characters, lower case).
var kubePortNames = map[config.Service]string{
	config.ServiceC2S:          "c2s",
	config.ServiceC2SDirectTLS: "c2s-tls",
	config.ServiceS2S:          "s2s",
	config.ServiceHTTP:         "http",
	config.ServiceProxy65:      "proxy65",
}

// KubeServices are the Services and their ports: the XMPP ports on
// prosody-xmpp (LoadBalancer or NodePort), Prosody's plain HTTP on the
// ClusterIP prosody-http for an Ingress. A Service without ports is left
// out.
func (s *setup) KubeServices() []KubeService {
	xmpp := KubeService{Name: kubeXMPPSvc, Type: s.Answers.KubeService(), External: true}
	web := KubeService{Name: kubeHTTPSvc, Type: "ClusterIP"}
	for _, p := range s.Ports {
		kp := KubePort{Name: kubePortNames[p.Service], Number: p.Number, Label: p.Label, Field: p.Field, Follows: p.Follows}
		if p.Internal {
			web.Ports = append(web.Ports, kp)
		} else {
			xmpp.Ports = append(xmpp.Ports, kp)
		}
	}
	var out []KubeService
	for _, svc := range []KubeService{xmpp, web} {
		if len(svc.Ports) > 0 {
			out = append(out, svc)
		}
	}
	return out
}

// KubeService is one Service of the base.
type KubeService struct {
	Name, Type string
	// External: reached from outside the cluster (the XMPP ports), so the
	// Service keeps clients' addresses (externalTrafficPolicy: Local).
	External bool
	Ports    []KubePort
}

// KubePorts are every port of the container, the XMPP ones first.
func (s *setup) KubePorts() []KubePort {
	var out []KubePort
	for _, svc := range s.KubeServices() {
		out = append(out, svc.Ports...)
	}
	return out
}

// KubeHTTP reports whether Prosody serves anything over HTTP (file
// sharing, web clients), which the Service prosody-http carries.
func (s *setup) KubeHTTP() bool {
	return slices.ContainsFunc(s.Ports, func(p config.Port) bool { return p.Internal })
}

// KubeIngress reports whether the base has an Ingress.
func (s *setup) KubeIngress() bool { return s.Answers.Kubernetes.Ingress && s.KubeHTTP() }

// IssuerName is the cert-manager Issuer the Certificate names.
func (s *setup) IssuerName() string {
	if s.Answers.TLS.Mode == config.TLSLetsEncrypt {
		return "prosody-letsencrypt"
	}
	return "prosody-selfsigned"
}

// LetsEncrypt reports whether the certificate comes from Let's Encrypt.
func (s *setup) LetsEncrypt() bool { return s.Answers.TLS.Mode == config.TLSLetsEncrypt }

// CertItems are the file names the certificate is mounted as in
// /etc/prosody/certs: the names the config's certificate lookup finds
// (see certFiles), each a pair of tls.crt and tls.key.
func (s *setup) CertItems() []string {
	names := []string{s.CertName}
	for _, d := range s.DomainHosts() {
		if d.IDN() {
			names = append(names, d.Name)
		}
	}
	return names
}

// localFileName is a file name kustomize can make a ConfigMap key of.
var localFileName = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^[-._a-zA-Z0-9]+\.cfg\.lua$`)
})

// LocalConfigFiles are the files of prosody/local.d that the ConfigMap
// prosody-local carries: the example, and every *.cfg.lua file the person
// put there, found when the plan is made (a re-run adds a new one).
func (s *setup) LocalConfigFiles() []string { return s.localFiles }

// localConfigFiles lists the person's own config files in the repo's
// local.d, by name; a name a ConfigMap key cannot have, or what is not a
// regular file, is left out, with a warning.
func localConfigFiles(fsys afero.Fs) (names, warnings []string) {
	names = []string{ownConfigExample}
	if fsys == nil {
		return names, nil
	}
	dir := path.Join(composeConfigDir, OwnConfigDir)
	entries, err := afero.ReadDir(fsys, dir)
	if err != nil {
		return names, nil
	}
	for _, e := range entries {
		n := e.Name()
		if n == ownConfigExample || !strings.HasSuffix(n, ".cfg.lua") {
			continue
		}
		if !e.Mode().IsRegular() || !localFileName().MatchString(n) {
			warnings = append(warnings, fmt.Sprintf("%s is not in the ConfigMap prosody-local: only regular files named with letters, digits, '.', '-' and '_' can be", path.Join(dir, quoteName(n))))
			continue
		}
		names = append(names, n)
	}
	sort.Strings(names[1:])
	return names, warnings
}

// quoteName shows a file name safely in a message.
func quoteName(n string) string { return fmt.Sprintf("%q", n) }

// kubeTrustedProxies are the addresses a cluster's Ingress controller
// sends from: pods get addresses in the private ranges, or in the shared
// range 100.64.0.0/10 that some network plugins use.
var kubeTrustedProxies = []string{"127.0.0.1", "::1", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7"}

// kubectl is a kubectl command line in the setup's namespace.
func (s *setup) kubectl(words ...string) string {
	return ShellCommand(append([]string{"kubectl", "-n", s.Namespace()}, words...)...)
}

// kubeExec is the prefix of a command run in the Prosody container.
func kubeExec(ns string) []string {
	return []string{"kubectl", "-n", ns, "exec", "prosody-0", "-c", "prosody", "--"}
}

// BuildCommand builds the image; PushCommand pushes it.
func (s *setup) BuildCommand() string { return ShellCommand("docker", "build", "-t", s.Image(), ".") }
func (s *setup) PushCommand() string  { return ShellCommand("docker", "push", s.Image()) }

// OwnConfigCheck checks the config in the running pod.
func (s *setup) OwnConfigCheck() string {
	return ShellCommand(append(kubeExec(s.Namespace()), "prosodyctl", "check", "config")...)
}

// Kubectl renders kubectl commands for the README.
func (s *setup) Kubectl(words ...string) string { return s.kubectl(words...) }

// kubernetesNotes are a cluster's first next steps.
func kubernetesNotes(s *setup) []string {
	next := []string{
		"build the image, in this folder: " + s.BuildCommand(),
		"push it to your registry (the pod pulls " + s.Image() + "; set kubernetes.image to your registry's name for it and run prosody-wizard again): " + s.PushCommand(),
		"check that the cluster has cert-manager, whose Certificate the base holds: kubectl get crd certificates.cert-manager.io",
		"apply the base: kubectl apply -k .",
		"watch it start: " + s.kubectl("rollout", "status", "statefulset/prosody", "--timeout", "5m"),
		"find the XMPP address for the DNS records (EXTERNAL-IP" + map[bool]string{true: "", false: ", or a node's address and the node ports"}[s.Answers.KubeService() == config.ServiceLoadBalancer] + "): " + s.kubectl("get", "service", kubeXMPPSvc),
	}
	return next
}

// kubernetesWarnings are a cluster's warnings.
func kubernetesWarnings(s *setup) []string {
	var warn []string
	if s.KubeHTTP() && !s.KubeIngress() {
		warn = append(warn, fmt.Sprintf("no Ingress is written (kubernetes.ingress): point yours at the Service %s, port %d, for %s; until then file sharing and web clients are not reachable",
			kubeHTTPSvc, config.HTTPPort, strings.Join(s.ProxyNames(), ", ")))
	}
	if s.Answers.TURN.Host != "" {
		warn = append(warn, fmt.Sprintf("the cluster runs no TURN server: run one at %s:%d with the secret in %s/%s (coturn: use-auth-secret, static-auth-secret)",
			s.TURNHost, s.Answers.TURN.Port, secretsDir, turnSecretEnv))
	}
	if s.LetsEncrypt() {
		warn = append(warn, "Let's Encrypt checks every name of the certificate over HTTP (HTTP-01) through the Ingress: each name's A record must reach the Ingress controller, port 80")
	} else {
		warn = append(warn, "the certificate is self-signed (cert-manager's SelfSigned issuer): clients will ask to trust it, and other servers may refuse to federate")
	}
	warn = append(warn, "one pod only: Prosody has no clustering, so the StatefulSet never runs a second replica; while the pod restarts, the server is down")
	return warn
}

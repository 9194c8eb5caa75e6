package config

import (
	"regexp"
	"strings"
	"sync"
)

// DeployKubernetes is the third deploy kind: a kustomize base for a
// cluster (kubectl apply -k), with the image built from the same
// Dockerfile as a compose repo.
const DeployKubernetes = "kubernetes"

// DeployKinds are the deploy kinds in the order the wizard offers them.
var DeployKinds = []string{DeployCompose, DeployHost, DeployKubernetes}

// Kubernetes are the answers of deploy: kubernetes. Prosody has no
// clustering, so the base runs one pod (a StatefulSet of one replica) with
// its state outside: the data folder on a PersistentVolumeClaim, the
// database on a server the answers name, certificates from cert-manager.
// Added to schema version 1 after the first release; left out of a saved
// file when every key is empty, and only used with deploy: kubernetes.
type Kubernetes struct {
	// Namespace is where every object goes; "" = "prosody".
	Namespace string `yaml:"namespace,omitempty"`
	// Image is the image built from the Dockerfile and pushed to the
	// person's registry, as the pod pulls it; "" = DefaultImage.
	Image string `yaml:"image,omitempty"`
	// Service is the type of the Service that carries the XMPP ports:
	// LoadBalancer or NodePort; "" = LoadBalancer.
	Service string `yaml:"service,omitempty"`
	// Ingress asks for an Ingress for the web side (file sharing, BOSH,
	// WebSocket); without one, the person's own Ingress reaches the
	// ClusterIP Service prosody-http.
	Ingress bool `yaml:"ingress,omitempty"`
	// IngressClass is the Ingress's class (ingressClassName); "" = the
	// cluster's default class.
	IngressClass string `yaml:"ingress_class,omitempty"`
	// StorageClass is the data volume's storage class; "" = the cluster's
	// default class.
	StorageClass string `yaml:"storage_class,omitempty"`
}

// The Service types that may carry the XMPP ports.
const (
	ServiceLoadBalancer = "LoadBalancer"
	ServiceNodePort     = "NodePort"
)

// DefaultNamespace is kubernetes.namespace's default.
const DefaultNamespace = "prosody"

// DefaultImage is kubernetes.image's default: a name of no registry
// (Docker Hub's, where it is not published), so that a pod that was
// never given the pushed image fails with a message naming it rather
// than running something else; a cluster that has the image loaded
// (kind, minikube) runs it as it is.
func DefaultImage(series Series) string { return "prosody-wizard/prosody:" + string(series) }

// InCluster reports whether the answers are for a cluster.
func (a Answers) InCluster() bool { return a.Deploy == DeployKubernetes }

// Container reports whether Prosody runs in a container the tool's
// Dockerfile builds: a compose repo or a cluster.
func (a Answers) Container() bool { return a.Deploy == DeployCompose || a.Deploy == DeployKubernetes }

// KubeNamespace is the namespace, with its default.
func (a Answers) KubeNamespace() string { return orDefault(a.Kubernetes.Namespace, DefaultNamespace) }

// KubeImage is the image the pod runs, with its default.
func (a Answers) KubeImage() string { return orDefault(a.Kubernetes.Image, DefaultImage(a.Prosody)) }

// KubeService is the XMPP Service's type, with its default.
func (a Answers) KubeService() string { return orDefault(a.Kubernetes.Service, ServiceLoadBalancer) }

// NormalizeNamespace is kubernetes.namespace as the answers keep it:
// trimmed, in lower case.
func NormalizeNamespace(ns string) string { return strings.ToLower(strings.TrimSpace(ns)) }

func (k *Kubernetes) normalize() {
	k.Namespace = NormalizeNamespace(k.Namespace)
	k.Image = strings.TrimSpace(k.Image)
	k.Service = strings.TrimSpace(k.Service)
	switch strings.ToLower(k.Service) {
	case "loadbalancer":
		k.Service = ServiceLoadBalancer
	case "nodeport":
		k.Service = ServiceNodePort
	}
	k.IngressClass = strings.TrimSpace(k.IngressClass)
	k.StorageClass = strings.TrimSpace(k.StorageClass)
}

// dnsLabel is a Kubernetes name of the RFC 1123 label kind (a
// namespace), dnsSubdomain one of the subdomain kind (a class).
var (
	dnsLabel     = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$`) })
	dnsSubdomain = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)
	})
	// imageRef is the reference grammar of the distribution project
	// (a registry host with an optional port, path components, a tag or
	// a digest), without the characters a YAML or shell line would need
	// quoted.
	imageRef = sync.OnceValue(func() *regexp.Regexp {
		const (
			host      = `(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?/)?`
			component = `[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*`
			tag       = `(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?`
			digest    = `(?:@sha256:[a-f0-9]{64})?`
		)
		return regexp.MustCompile(`^` + host + component + `(?:/` + component + `)*` + tag + digest + `$`)
	})
)

// NamespaceProblem says what is wrong with kubernetes.namespace, or "".
func NamespaceProblem(ns string) string {
	if ns == "" || dnsLabel().MatchString(ns) {
		return ""
	}
	return sprintf("%s is not a namespace name; use 1–63 lower-case letters, digits and hyphens, starting and ending with a letter or digit (\"\" = %s)", quoted(ns), DefaultNamespace)
}

// ImageProblem says what is wrong with kubernetes.image, or "".
func ImageProblem(image string) string {
	if image == "" || len(image) <= 255 && imageRef().MatchString(image) {
		return ""
	}
	return sprintf("%s is not an image reference; use [registry[:port]/]name[:tag], e.g. registry.example.org/prosody:13.0 (lower-case name, no spaces or quotes)", quoted(image))
}

// ClassProblem says what is wrong with an Ingress or storage class name,
// or "".
func ClassProblem(class string) string {
	if class == "" || len(class) <= 253 && dnsSubdomain().MatchString(class) {
		return ""
	}
	return sprintf("%s is not a class name; use lower-case letters, digits, hyphens and dots (\"\" = the cluster's default class)", quoted(class))
}

func validateKubernetes(p *problems, a Answers) {
	k := a.Kubernetes
	if !a.InCluster() {
		for _, f := range []struct {
			field string
			set   bool
		}{
			{"kubernetes.namespace", k.Namespace != ""}, {"kubernetes.image", k.Image != ""},
			{"kubernetes.service", k.Service != ""}, {"kubernetes.ingress", k.Ingress},
			{"kubernetes.ingress_class", k.IngressClass != ""}, {"kubernetes.storage_class", k.StorageClass != ""},
		} {
			if f.set {
				p.add(f.field, "is only used with deploy: kubernetes; remove it or change deploy")
			}
		}
		return
	}
	if msg := NamespaceProblem(k.Namespace); msg != "" {
		p.add("kubernetes.namespace", "%s", msg)
	}
	if msg := ImageProblem(k.Image); msg != "" {
		p.add("kubernetes.image", "%s", msg)
	}
	if k.Service != "" {
		oneOf(p, "kubernetes.service", k.Service, "LoadBalancer or NodePort", ServiceLoadBalancer, ServiceNodePort)
	}
	if msg := ClassProblem(k.IngressClass); msg != "" {
		p.add("kubernetes.ingress_class", "%s", msg)
	} else if k.IngressClass != "" && !k.Ingress {
		p.add("kubernetes.ingress_class", "is only used with kubernetes.ingress: true; remove it or ask for the Ingress")
	}
	if msg := ClassProblem(k.StorageClass); msg != "" {
		p.add("kubernetes.storage_class", "%s", msg)
	}
	if a.Proxy.Kind != "" {
		p.add("proxy.kind", "is %s, but with deploy: kubernetes the web side goes through the cluster's Ingress (kubernetes.ingress: true writes one); remove proxy", a.Proxy.Kind)
	}
	if a.TLS.Mode == TLSExisting {
		p.add("tls.mode", "existing is not offered with deploy: kubernetes, whose certificate comes from cert-manager: use self-signed (cert-manager's SelfSigned issuer) or letsencrypt; to serve a certificate of your own, put it in the Secret prosody-tls yourself and remove the Certificate from the base")
	}
}

// KubeHTTPSPort is ports.https's default for a cluster: the Ingress serves
// the web side on the standard HTTPS port.
const KubeHTTPSPort = 443

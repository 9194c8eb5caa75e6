// Package kubecheck reads a cluster's repo (deploy: kubernetes) the way the
// cluster's tools do, for tests: kustomize renders the base (the
// sigs.k8s.io/kustomize/api module, which kubectl apply -k embeds), and
// every object of a kind Kubernetes itself defines decodes strictly with
// the upstream API types (k8s.io/api), so an unknown or misspelt field is
// an error. Only tests import it: the tool itself never links kustomize.
package kubecheck

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"path"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"

	"prosody-wizard/scaffold"
)

// root is where Render puts the plan's files in kustomize's in-memory
// file system.
const root = "/repo"

// Render writes the plan's files into an in-memory file system and runs
// kustomize build on its top folder, as kubectl apply -k . does (with
// kustomize's default options: files only from inside the base). It
// returns the rendered objects as one multi-document YAML stream.
func Render(p scaffold.Plan) ([]byte, error) {
	fs := filesys.MakeFsInMemory()
	for _, f := range p.Files {
		name := path.Join(root, f.Path)
		if f.IsDir() {
			if err := fs.MkdirAll(name); err != nil {
				return nil, err
			}
			continue
		}
		if err := fs.WriteFile(name, f.Data); err != nil {
			return nil, err
		}
	}
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	m, err := k.Run(fs, root)
	if err != nil {
		return nil, fmt.Errorf("kustomize build: %w", err)
	}
	return m.AsYaml()
}

// Object is one rendered object: its kind and name, its YAML, and, for a
// kind of Kubernetes itself, the typed value it decoded into.
type Object struct {
	GVK       schema.GroupVersionKind
	Name      string
	Namespace string
	YAML      []byte
	Typed     runtime.Object // nil for a kind of no k8s.io/api package (cert-manager's)
}

// scheme knows the kinds a base may hold from k8s.io/api.
var scheme = func() *runtime.Scheme {
	s := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{corev1.AddToScheme, appsv1.AddToScheme, networkingv1.AddToScheme} {
		if err := add(s); err != nil {
			panic(err)
		}
	}
	return s
}()

// strict decodes with unknown and duplicate fields as errors.
var strict = serializer.NewCodecFactory(scheme, serializer.EnableStrict).UniversalDeserializer()

// Foreign are the kinds a base may hold that k8s.io/api does not define:
// their schema is the CRD's, which the API server checks.
var Foreign = map[schema.GroupVersionKind]bool{
	{Group: "cert-manager.io", Version: "v1", Kind: "Certificate"}: true,
	{Group: "cert-manager.io", Version: "v1", Kind: "Issuer"}:      true,
}

// Decode splits a YAML stream into objects and decodes each strictly: an
// unknown field, a wrong type, or a kind neither k8s.io/api nor Foreign
// knows is an error naming the object.
func Decode(stream []byte) ([]Object, error) {
	r := utilyaml.NewYAMLReader(bufioReader(stream))
	var out []Object
	var errs []error
	for {
		doc, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if len(bytes.TrimSpace(doc)) == 0 || isOnlyComments(doc) {
			continue
		}
		var meta struct {
			APIVersion string `json:"apiVersion"`
			Kind       string `json:"kind"`
			Metadata   struct {
				Name      string `json:"name"`
				Namespace string `json:"namespace"`
			} `json:"metadata"`
		}
		if err := yaml.Unmarshal(doc, &meta); err != nil {
			errs = append(errs, fmt.Errorf("not YAML: %w", err))
			continue
		}
		gv, err := schema.ParseGroupVersion(meta.APIVersion)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s %s: %w", meta.Kind, meta.Metadata.Name, err))
			continue
		}
		o := Object{GVK: gv.WithKind(meta.Kind), Name: meta.Metadata.Name, Namespace: meta.Metadata.Namespace, YAML: doc}
		switch {
		case Foreign[o.GVK]:
		case scheme.Recognizes(o.GVK):
			typed, _, err := strict.Decode(doc, nil, nil)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s %s: %w", o.GVK.Kind, o.Name, err))
				continue
			}
			o.Typed = typed
		default:
			errs = append(errs, fmt.Errorf("%s %s: a kind this check does not know (%s)", o.GVK.Kind, o.Name, o.GVK))
			continue
		}
		out = append(out, o)
	}
	return out, errors.Join(errs...)
}

// Find returns the object of kind and name (a generated ConfigMap or
// Secret by the name before kustomize's hash suffix), or false.
func Find(objs []Object, kind, name string) (Object, bool) {
	for _, o := range objs {
		if o.GVK.Kind == kind && (o.Name == name || len(o.Name) == len(name)+11 && o.Name[:len(name)+1] == name+"-") {
			return o, true
		}
	}
	return Object{}, false
}

func isOnlyComments(doc []byte) bool {
	for _, line := range bytes.Split(doc, []byte("\n")) {
		line = bytes.TrimSpace(line)
		if len(line) > 0 && line[0] != '#' {
			return false
		}
	}
	return true
}

func bufioReader(b []byte) *bufio.Reader { return bufio.NewReader(bytes.NewReader(b)) }

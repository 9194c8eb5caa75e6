package kubetest

import (
	"bytes"
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Object is one Kubernetes object of a YAML stream: its text as given and
// what locates it in the API.
type Object struct {
	APIVersion string // group/version, or "v1" for the core group
	Kind       string
	Name       string
	Namespace  string // "" for cluster-scoped objects, or namespaced ones meant for the default namespace
	YAML       []byte // the document's own text
}

// String names the object as kubectl does: Kind namespace/name.
func (o Object) String() string {
	if o.Namespace != "" {
		return fmt.Sprintf("%s %s/%s", o.Kind, o.Namespace, o.Name)
	}
	return o.Kind + " " + o.Name
}

// SplitDocuments splits a YAML stream (what `kustomize build` or a CRD file
// holds) at its "---" lines, as kubectl does: a line that starts with
// "---" followed by nothing or only spaces or a comment. Documents with
// nothing but comments and blank lines are dropped.
func SplitDocuments(stream []byte) [][]byte {
	var docs [][]byte
	var cur []byte
	flush := func() {
		if !blankYAML(cur) {
			docs = append(docs, cur)
		}
		cur = nil
	}
	for _, line := range bytes.SplitAfter(stream, []byte("\n")) {
		if rest, ok := bytes.CutPrefix(line, []byte("---")); ok {
			rest = bytes.TrimSpace(rest)
			if len(rest) == 0 || rest[0] == '#' {
				flush()
				continue
			}
		}
		cur = append(cur, line...)
	}
	flush()
	return docs
}

// blankYAML says whether doc holds only blank lines and comments.
func blankYAML(doc []byte) bool {
	for _, line := range strings.Split(string(doc), "\n") {
		line = strings.TrimSpace(line)
		if line != "" && !strings.HasPrefix(line, "#") {
			return false
		}
	}
	return true
}

// ParseObjects splits stream into documents and reads each one's
// apiVersion, kind, metadata.name and metadata.namespace. A document that
// is no YAML mapping or lacks apiVersion, kind or name is an error.
func ParseObjects(stream []byte) ([]Object, error) {
	var objs []Object
	for i, doc := range SplitDocuments(stream) {
		var head struct {
			APIVersion string `yaml:"apiVersion"`
			Kind       string `yaml:"kind"`
			Metadata   struct {
				Name      string `yaml:"name"`
				Namespace string `yaml:"namespace"`
			} `yaml:"metadata"`
		}
		if err := yaml.Unmarshal(doc, &head); err != nil {
			return nil, fmt.Errorf("document %d: %w", i+1, err)
		}
		o := Object{APIVersion: head.APIVersion, Kind: head.Kind, Name: head.Metadata.Name,
			Namespace: head.Metadata.Namespace, YAML: doc}
		if o.APIVersion == "" || o.Kind == "" || o.Name == "" {
			return nil, fmt.Errorf("document %d: apiVersion, kind and metadata.name are needed (have %q, %q, %q)",
				i+1, o.APIVersion, o.Kind, o.Name)
		}
		objs = append(objs, o)
	}
	return objs, nil
}

package kubetest

import (
	"strings"
	"testing"
)

func TestSplitDocuments(t *testing.T) {
	tests := []struct {
		name   string
		stream string
		want   []string
	}{
		{"one document", "a: 1\n", []string{"a: 1\n"}},
		{"kustomize build output", "a: 1\n---\nb: 2\n", []string{"a: 1\n", "b: 2\n"}},
		{"leading separator, as in CRD files", "---\na: 1\n", []string{"a: 1\n"}},
		{"separator with a comment or spaces", "a: 1\n--- # next\nb: 2\n---  \nc: 3", []string{"a: 1\n", "b: 2\n", "c: 3"}},
		{"comment-only and empty documents dropped", "# head\n---\n\n---\na: 1\n---\n# tail\n", []string{"a: 1\n"}},
		{"--- inside a line or a longer marker is no separator", "a: '---'\n----\nb: |\n  ---x\n", []string{"a: '---'\n----\nb: |\n  ---x\n"}},
		{"nothing", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, d := range SplitDocuments([]byte(tt.stream)) {
				got = append(got, string(d))
			}
			if strings.Join(got, "|") != strings.Join(tt.want, "|") || len(got) != len(tt.want) {
				t.Errorf("SplitDocuments(%q) = %q, want %q", tt.stream, got, tt.want)
			}
		})
	}
}

func TestParseObjects(t *testing.T) {
	tests := []struct {
		name    string
		stream  string
		want    []string // Object.String() of each
		wantErr string
	}{
		{"namespaced and cluster-scoped",
			"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: prosody\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: prosody\n",
			[]string{"ConfigMap prosody/c", "Namespace prosody"}, ""},
		{"no kind", "apiVersion: v1\nmetadata:\n  name: c\n", nil, "document 1: apiVersion, kind and metadata.name are needed"},
		{"no name in the second", "apiVersion: v1\nkind: A\nmetadata:\n  name: a\n---\napiVersion: v1\nkind: B\n", nil, "document 2:"},
		{"not YAML", "apiVersion: [v1\n", nil, "document 1: yaml:"},
		{"a list, not a mapping", "- a\n- b\n", nil, "document 1: yaml:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			objs, err := ParseObjects([]byte(tt.stream))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseObjects error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, o := range objs {
				got = append(got, o.String())
			}
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("objects = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestVersionsFile(t *testing.T) {
	v := CurrentVersions()
	for name, got := range map[string]string{"KUBE_VERSION": v.Kube, "ETCD_VERSION": v.Etcd, "CERT_MANAGER_VERSION": v.CertManager} {
		if !strings.HasPrefix(got, "v") {
			t.Errorf("%s = %q, want a module version (vX.Y.Z)", name, got)
		}
	}
	if _, err := parseVersions("KUBE_VERSION=v1\nETCD_VERSION=v3\n"); err == nil {
		t.Error("parseVersions accepted a file without CERT_MANAGER_VERSION")
	}
	if _, err := parseVersions("KUBE_VERSION=v1\nETCD_VERSION=v3\nCERT_MANAGER_VERSION=v1\nOTHER=x\n"); err == nil {
		t.Error("parseVersions accepted an unknown key")
	}
}

package kubetest

import (
	_ "embed"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// versionsEnv is the file .ci/kube sources: KEY=value lines and comments.
//
//go:embed versions.env
var versionsEnv string

// Versions are the versions of what the harness runs, read from
// versions.env, the file .ci/kube builds from.
type Versions struct {
	Kube        string // k8s.io/kubernetes, whose cmd/kube-apiserver runs
	Etcd        string // go.etcd.io/etcd/server/v3
	CertManager string // github.com/cert-manager/cert-manager, for its CRDs
}

// DefaultCacheRoot is where .ci/kube keeps its builds unless
// PW_KUBE_CACHE says otherwise.
const DefaultCacheRoot = "/var/cache/prosody-wizard/kube"

// CurrentVersions are the versions in versions.env.
func CurrentVersions() Versions {
	v, err := parseVersions(versionsEnv)
	if err != nil {
		panic("kubetest: versions.env: " + err.Error())
	}
	return v
}

func parseVersions(text string) (Versions, error) {
	var v Versions
	fields := map[string]*string{"KUBE_VERSION": &v.Kube, "ETCD_VERSION": &v.Etcd, "CERT_MANAGER_VERSION": &v.CertManager}
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, value, ok := strings.Cut(line, "=")
		if !ok || fields[key] == nil {
			return v, fmt.Errorf("unexpected line %q", line)
		}
		*fields[key] = value
	}
	for key, p := range fields {
		if *p == "" {
			return v, fmt.Errorf("%s missing", key)
		}
	}
	return v, nil
}

// Dir is the cache folder of these versions, as .ci/kube names it: under
// $PW_KUBE_CACHE, else DefaultCacheRoot.
func (v Versions) Dir() string {
	root := os.Getenv("PW_KUBE_CACHE")
	if root == "" {
		root = DefaultCacheRoot
	}
	return filepath.Join(root, fmt.Sprintf("kubernetes-%s_etcd-%s_cert-manager-%s", v.Kube, v.Etcd, v.CertManager))
}

// Bin is the path of a built binary ("etcd", "kube-apiserver").
func (v Versions) Bin(name string) string { return filepath.Join(v.Dir(), "bin", name) }

// CRDFiles are the cached cert-manager CRD files, sorted by name.
func (v Versions) CRDFiles() ([]string, error) {
	files, err := filepath.Glob(filepath.Join(v.Dir(), "crds", "*.yaml"))
	if err == nil && len(files) == 0 {
		err = fmt.Errorf("no CRD files in %s", filepath.Join(v.Dir(), "crds"))
	}
	return files, err
}

// Missing says what of the cache is missing ("" if nothing), for a test
// to skip, or to fail under PW_REQUIRE_KUBE=1.
func (v Versions) Missing() string {
	for _, f := range []string{v.Bin("etcd"), v.Bin("kube-apiserver"),
		filepath.Join(v.Dir(), "crds", "cert-manager.io_certificates.yaml")} {
		if _, err := os.Stat(f); err != nil {
			return f + " (run .ci/kube, or set PW_KUBE_CACHE)"
		}
	}
	return ""
}

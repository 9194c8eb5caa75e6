package scaffold

import (
	"bufio"
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"path"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/spf13/afero"

	"prosody-wizard/config"
)

// A re-run must not change what it does not have to: the database password
// and the certificate of an existing setup are reused, never regenerated
// behind the person's back.

// existingPassword finds the database password an earlier run wrote: in
// .env for compose repos, in prosody.cfg.lua for host installs.
func existingPassword(fsys afero.Fs, a config.Answers) string {
	if fsys == nil {
		return ""
	}
	if a.Deploy == config.DeployCompose {
		data, err := afero.ReadFile(fsys, ".env")
		if err != nil {
			return ""
		}
		sc := bufio.NewScanner(bytes.NewReader(data))
		for sc.Scan() {
			if v, ok := strings.CutPrefix(sc.Text(), dbPasswordEnv+"="); ok {
				return strings.TrimSpace(v)
			}
		}
		return ""
	}
	data, err := afero.ReadFile(fsys, ConfigPath(a))
	if err != nil {
		return ""
	}
	if m := cfgPassword.FindSubmatch(data); m != nil {
		return string(m[1])
	}
	return ""
}

// cfgPassword matches the password line of the sql table we write; the
// value is a Lua string of characters that need no escaping (validation
// allows only those).
var cfgPassword = regexp.MustCompile(`(?m)^\s*password = "([!#%&()*+,\-./0-9:;<=>?@A-Z\[\]^_a-z{|}~]+)";`)

// reuseMargin: a certificate that expires sooner than this is replaced.
const reuseMargin = 30 * 24 * time.Hour

// existingSelfSigned returns the certificate and key an earlier run placed,
// if they still cover exactly these hosts, belong together and stay valid
// for a while; otherwise ok is false and a new pair is made.
func existingSelfSigned(fsys afero.Fs, certDir, name string, hosts []string, now time.Time) (keyPair, bool) {
	if fsys == nil {
		return keyPair{}, false
	}
	certPEM, err1 := afero.ReadFile(fsys, path.Join(certDir, name+".crt"))
	keyPEM, err2 := afero.ReadFile(fsys, path.Join(certDir, name+".key"))
	if err1 != nil || err2 != nil {
		return keyPair{}, false
	}
	b, _ := pem.Decode(certPEM)
	if b == nil {
		return keyPair{}, false
	}
	cert, err := x509.ParseCertificate(b.Bytes)
	if err != nil || now.Before(cert.NotBefore) || now.Add(reuseMargin).After(cert.NotAfter) {
		return keyPair{}, false
	}
	want := make([]string, len(hosts))
	for i, h := range hosts {
		want[i] = config.ALabel(h)
	}
	if !slices.Equal(cert.DNSNames, want) {
		return keyPair{}, false
	}
	key, err := parseKey(keyPEM)
	if err != nil {
		return keyPair{}, false
	}
	if !keyMatches(key, cert) {
		return keyPair{}, false
	}
	return keyPair{cert: certPEM, key: keyPEM}, true
}

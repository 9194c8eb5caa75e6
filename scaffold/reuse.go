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

// existingSecret finds a secret an earlier run wrote: the variable env in
// .env for compose repos, the config line matched by re in prosody.cfg.lua
// for host installs.
func existingSecret(fsys afero.Fs, a config.Answers, env string, re *regexp.Regexp) string {
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
			if v, ok := strings.CutPrefix(sc.Text(), env+"="); ok {
				return strings.TrimSpace(v)
			}
		}
		return ""
	}
	data, err := afero.ReadFile(fsys, ConfigPath(a))
	if err != nil {
		return ""
	}
	if m := re.FindSubmatch(data); m != nil {
		return string(m[1])
	}
	return ""
}

// secretChars is what validation allows in passwords and secrets: nothing
// that needs escaping in Lua, .env or a shell.
const secretChars = `[!#%&()*+,\-./0-9:;<=>?@A-Z\[\]^_a-z{|}~]+`

// cfgPassword and cfgTURNSecret match the lines we write in host configs.
var (
	cfgPassword   = regexp.MustCompile(`(?m)^\s*password = "(` + secretChars + `)";`)
	cfgTURNSecret = regexp.MustCompile(`(?m)^turn_external_secret = "(` + secretChars + `)"`)
)

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

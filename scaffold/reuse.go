package scaffold

import (
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
// .env for compose repos, the config option matched by re in prosody.cfg.lua
// for host installs. Each is read by the inverse of the function that wrote
// it (DotenvValue, LuaString), so any password comes back unchanged; a
// value it cannot read exactly counts as absent.
func existingSecret(fsys afero.Fs, a config.Answers, env string, re *regexp.Regexp) string {
	if fsys == nil {
		return ""
	}
	if a.Deploy == config.DeployCompose {
		data, err := afero.ReadFile(fsys, ".env")
		if err != nil {
			return ""
		}
		v, _ := dotenvLookup(data, env)
		return v
	}
	data, err := afero.ReadFile(fsys, ConfigPath(a))
	if err != nil {
		return ""
	}
	v, _ := luaOptionString(string(data), re)
	return v
}

// cfgPassword and cfgTURNSecret find the options we write in host configs:
// the sql table's password and turn_external_secret.
var (
	cfgPassword   = luaOption("password")
	cfgTURNSecret = luaOption("turn_external_secret")
)

func luaOption(key string) *regexp.Regexp {
	return regexp.MustCompile(`(?m)^[ \t]*` + key + `[ \t]*=[ \t]*`)
}

// luaOptionString reads the string literal assigned by the last line re
// matches, when that line assigns exactly one literal (followed by ; , }
// or a comment), as Lua would.
func luaOptionString(cfg string, re *regexp.Regexp) (string, bool) {
	m := re.FindAllStringIndex(cfg, -1)
	if m == nil {
		return "", false
	}
	v, rest, ok := parseLuaString(cfg[m[len(m)-1][1]:])
	rest = strings.TrimLeft(rest, " \t")
	if !ok || rest != "" && !strings.HasPrefix(rest, "--") && strings.IndexByte(";,}\r\n", rest[0]) < 0 {
		return "", false
	}
	return v, true
}

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

package scaffold

import (
	"path"
	"regexp"
	"strings"
	"sync"

	"github.com/spf13/afero"

	"prosody-wizard/config"
	"prosody-wizard/safeio"
)

// A re-run must not change what it does not have to: the database password
// and the certificate of an existing setup are reused, never regenerated
// behind the person's back.

// existingSecret finds a secret an earlier run wrote: the variable env in
// .env for compose repos, the config option matched by re in prosody.cfg.lua
// for host installs. Each is read by the inverse of the function that wrote
// it (DotenvValue, LuaString), so any password comes back unchanged; a
// value it cannot read exactly counts as absent, and so does a file that is
// not a regular one of sane size (safeio.ReadRegular).
func existingSecret(fsys afero.Fs, a config.Answers, env string, re func() *regexp.Regexp) string {
	if fsys == nil {
		return ""
	}
	if a.InCluster() {
		// secrets/<env> holds the value exactly (see kubernetesFiles).
		data, err := safeio.ReadRegular(fsys, path.Join(secretsDir, env), config.MaxSecretBytes)
		if err != nil || config.SecretProblem(string(data)) != "" {
			return ""
		}
		return string(data)
	}
	if a.Deploy == config.DeployCompose {
		data, err := safeio.ReadRegular(fsys, ".env", safeio.MaxInput)
		if err != nil {
			return ""
		}
		v, _ := dotenvLookup(data, env)
		return v
	}
	data, err := safeio.ReadRegular(fsys, ConfigPath(a), safeio.MaxInput)
	if err != nil {
		return ""
	}
	v, _ := luaOptionString(string(data), re())
	return v
}

// cfgPassword and cfgTURNSecret find the options we write in host configs:
// the sql table's password and turn_external_secret.
var (
	cfgPassword   = luaOption("password")
	cfgTURNSecret = luaOption("turn_external_secret")
)

// luaOption returns the regexp of an assignment to key, compiled on first
// use rather than at package init.
func luaOption(key string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`(?m)^[ \t]*` + key + `[ \t]*=[ \t]*`)
	})
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

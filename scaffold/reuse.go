package scaffold

import (
	"bufio"
	"bytes"
	"regexp"
	"strings"

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

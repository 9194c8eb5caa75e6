package e2e

import (
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/net/idna"

	"prosody-wizard/config"

	"prosody-wizard/internal/testkit"
)

// idna2008 is the reference IDNA2008 conversion: UTS #46 non-transitional
// mapping, what DNS resolvers, registries and certificate authorities use,
// and what the wizard writes into DNS records and certificate SANs.
var idna2008 = idna.New(idna.MapForLookup(), idna.BidiRule(), idna.Transitional(false))

// prosodyIDNProbe runs inside the installed Prosody's Lua, with Prosody's own
// modules: arg[1] is Prosody's source folder, then pairs of (name, config
// file holding `VirtualHost "name"`). For each name it prints one line of
// hex-encoded fields (empty = nil), tab-separated:
//
//	name, the host core.configmanager defines for the VirtualHost line (what
//	Prosody serves), the error of loading that config, stringprep.nameprep(name),
//	idna.to_ascii(name), idna.to_ascii(that host)
const prosodyIDNProbe = `
local src = arg[1]
package.path = src .. "/?.lua;" .. package.path
package.cpath = src .. "/?.so;" .. package.cpath
-- 13.0 renamed its modules prosody.*; its loader maps the old names.
if not pcall(require, "prosody.loader") then pcall(require, "loader") end
local cm = require "core.configmanager"
local enc = require "util.encodings"
local function hex(s)
	if s == nil then return "" end
	return (tostring(s):gsub(".", function (c) return string.format("%02x", c:byte()) end))
end
for i = 2, #arg, 2 do
	local name, file = arg[i], arg[i + 1]
	local host, loaderr
	local ok, err = cm.load(file)
	if ok then
		for h in pairs(cm.getconfig()) do
			if h ~= "*" then host = h end
		end
	else
		loaderr = tostring(err)
	end
	local prepped = enc.stringprep.nameprep(name)
	print(table.concat({ hex(name), hex(host), hex(loaderr), hex(prepped),
		hex(enc.idna.to_ascii(name)), hex(host and enc.idna.to_ascii(host)) }, "\t"))
end
`

// TestProsodyNameprepDisagreesWithIDNA2008 proves, on the installed Prosody's
// own code, why the wizard refuses host names with ß, final sigma and
// joiners: Prosody prepares host names with IDNA2003 nameprep (RFC 3491),
// which maps ß to "ss", ς to σ and deletes ZWJ/ZWNJ, while IDNA2008 (DNS,
// the certificate) keeps them. The host Prosody serves and the name in DNS
// and in the certificate would differ. A name both agree on is the control.
//
// Verified on 0.12.3-1+deb12u1 and 13.0.1-1~bpo12+1 (both with bookworm's
// ICU 72): the same results. PW_PROSODY_SOURCEDIR runs the probe on another
// Prosody source folder (such as an unpacked .deb's usr/lib/prosody).
func TestProsodyNameprepDisagreesWithIDNA2008(t *testing.T) {
	series := e2eSetup(t)
	prosodyBin, _ := exec.LookPath("prosody")
	interp, srcDir, err := prosodyLua(prosodyBin)
	e2eNeed(t, err == nil, fmt.Sprintf("Prosody's Lua interpreter and source folder (%v)", err))
	if d := os.Getenv("PW_PROSODY_SOURCEDIR"); d != "" {
		srcDir = d
	}
	version, _ := os.ReadFile(filepath.Join(srcDir, "prosody.version"))
	t.Logf("probing Prosody %s in %s with %s (installed package: series %s)", strings.TrimSpace(string(version)), srcDir, interp, series)

	cases := []struct {
		what, name string
		// prosody: the host Prosody's config parser defines (verified
		// on 0.12.3 and 13.0.1).
		prosody string
		agree   bool
	}{
		{"sharp s (U+00DF)", "straße.example", "strasse.example", false},
		{"final sigma (U+03C2)", "τας.example", "τασ.example", false},
		{"zero width joiner after a virama (U+200D)", "क्\u200dष.example", "क्ष.example", false},
		{"zero width non-joiner after a virama (U+200C)", "क्\u200cष.example", "क्ष.example", false},
		{"control: umlaut, the same in both", "münchen.example", "münchen.example", true},
	}
	dir := t.TempDir()
	args := []string{"-", srcDir}
	for i, c := range cases {
		cfg := filepath.Join(dir, fmt.Sprintf("host%d.cfg.lua", i))
		if err := os.WriteFile(cfg, []byte("VirtualHost \""+c.name+"\"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		args = append(args, c.name, cfg)
	}
	cmd := exec.Command(interp, args...)
	cmd.Stdin = strings.NewReader(prosodyIDNProbe)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("Prosody's Lua probe failed: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	if len(lines) != len(cases) {
		t.Fatalf("the probe printed %d lines for %d names:\n%s", len(lines), len(cases), out)
	}
	for i, c := range cases {
		f := strings.Split(lines[i], "\t")
		if len(f) != 6 {
			t.Fatalf("probe line %q has %d fields, want 6", lines[i], len(f))
		}
		for j := range f {
			b, err := hex.DecodeString(f[j])
			if err != nil {
				t.Fatalf("probe line %q: %v", lines[i], err)
			}
			f[j] = string(b)
		}
		name, host, loadErr, prepped, prosodyASCII, hostASCII := f[0], f[1], f[2], f[3], f[4], f[5]
		if name != c.name {
			t.Fatalf("probe line %d is for %q, want %q", i, name, c.name)
		}
		want2008, err := idna2008.ToASCII(c.name)
		if err != nil {
			t.Fatalf("%s: %q is not valid IDNA2008 (%v); pick a name only the two standards disagree on", c.what, c.name, err)
		}
		t.Logf("%-46s %q: Prosody's VirtualHost -> %q (A-label %q; nameprep %q, idna.to_ascii %q); IDNA2008 -> %q; wizard's ALabel %q",
			c.what, c.name, host, hostASCII, prepped, prosodyASCII, want2008, config.ALabel(c.name))
		if host == "" {
			t.Errorf("%s: Prosody's config parser refused VirtualHost %q: %s", c.what, c.name, loadErr)
			continue
		}
		if host != c.prosody {
			t.Errorf("%s: Prosody serves %q as %q, want %q (as 0.12.3 and 13.0.1 do)", c.what, c.name, host, c.prosody)
		}
		if agree := hostASCII == want2008; agree != c.agree {
			if c.agree {
				t.Errorf("%s: control %q: Prosody's host %q (A-label %q) and IDNA2008 %q should agree", c.what, c.name, host, hostASCII, want2008)
			} else {
				t.Errorf("%s: Prosody's host %q (A-label %q) and IDNA2008 %q agree; the wizard's reason to refuse %q is gone", c.what, host, hostASCII, want2008, c.name)
			}
		}
	}
}

// prosodyLua reads the interpreter (from the #! line) and CFG_SOURCEDIR
// out of the prosody launcher script, so the probe runs Prosody's own
// modules with Prosody's own Lua.
func prosodyLua(launcher string) (interp, srcDir string, err error) {
	data, err := os.ReadFile(launcher)
	if err != nil {
		return "", "", err
	}
	first, _, _ := strings.Cut(string(data), "\n")
	words := strings.Fields(strings.TrimPrefix(first, "#!"))
	if !strings.HasPrefix(first, "#!") || len(words) == 0 {
		return "", "", fmt.Errorf("%s has no #! line", launcher)
	}
	interp = words[len(words)-1] // "/usr/bin/env lua5.4" or "/usr/bin/lua5.4"
	if interp, err = exec.LookPath(interp); err != nil {
		return "", "", err
	}
	m := regexp.MustCompile(`(?m)^CFG_SOURCEDIR\s*=\s*'([^']+)'`).FindStringSubmatch(string(data))
	if m == nil {
		return "", "", fmt.Errorf("%s sets no CFG_SOURCEDIR", launcher)
	}
	return interp, m[1], nil
}

// e2eNeed applies e2eSetup's rule to one more requirement: missing, the test
// skips, unless PW_REQUIRE_PROSODY=1 (CI), where it fails.
func e2eNeed(t *testing.T, ok bool, what string) {
	t.Helper()
	testkit.Need(t, "PW_REQUIRE_PROSODY", ok, what)
}

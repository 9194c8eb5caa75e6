// Package scaffold knows how a Prosody setup becomes files: prosody.cfg.lua,
// certificates, the compose starter repo, modes and owners. Plan computes
// every file from the answers without touching the disk; Apply is the only
// code that writes. It never asks anything.
package scaffold

import (
	"io/fs"
	"path"
	"sort"
	"time"

	"github.com/spf13/afero"

	"prosody-wizard/config"
)

// File is one entry of a Plan: a folder (Mode has fs.ModeDir, Data is nil)
// or a file with its exact bytes, mode and numeric owner.
type File struct {
	Path     string      // slash-separated, relative to the output root
	Mode     fs.FileMode // permission bits, plus fs.ModeDir for folders
	UID, GID int
	Data     []byte
	// Secret marks files holding passwords or private keys: listings mask
	// them.
	Secret bool
	// Preserve marks what must never be changed once it exists, such as the
	// data folder and the example in the folder of the person's own config
	// files: Apply creates it when missing and otherwise leaves it be (its
	// contents, mode and owner), also with Force.
	Preserve bool
	// First marks files Apply writes before the others: private keys, so
	// that a certificate never lands without its key. A run killed between
	// the two leaves a key, which the next run keeps and certifies anew
	// (see reusablePair): key and certificate stay a pair.
	First bool
	// Marks say which lines each answer produced (see Marks), for the
	// files whose templates mark them: prosody.cfg.lua and compose.yaml.
	Marks Marks
}

// IsDir reports whether the entry is a folder.
func (f File) IsDir() bool { return f.Mode.IsDir() }

// Plan is the complete set of files a setup consists of, sorted by path, and
// the notes a person needs afterwards (next steps, DNS records, ports).
type Plan struct {
	Files []File
	// NextSteps are short instructions printed after writing.
	NextSteps []string
	// Warnings are things the person must know or do (DNS, firewall).
	Warnings []string
	// DNS are the records a public server needs, in zone-file syntax.
	DNS []string
	// Secrets are the values listings and diffs must never show: the
	// database password and TURN secret the files hold, and the ones an
	// earlier run left on disk that these files replace (see redactor).
	Secrets []string
	// Transition is what this re-run changes on the running server
	// beyond its files (another Prosody series, another storage backend),
	// or nil; NextSteps start with its steps.
	Transition *Transition
	// NotesFile is the file that keeps NextSteps, Warnings and DNS beside a
	// host install's config (relative to the output folder), or "".
	NotesFile string
	// OwnerNote says how the owner was chosen when it had to be guessed
	// (Inputs.OwnerNote), or "".
	OwnerNote string
}

// File returns the entry at p, if the plan has one.
func (p Plan) File(rel string) (File, bool) {
	for _, f := range p.Files {
		if f.Path == rel {
			return f, true
		}
	}
	return File{}, false
}

// Inputs are everything besides the answers that a plan depends on, so that
// Plan stays a pure function: tests pin them, main fills them from the
// machine. Randomness (keys, passwords) comes from crypto/rand; tests pin it
// with testing/cryptotest.SetGlobalRandom.
type Inputs struct {
	// Now is the start of generated certificates' validity.
	Now time.Time
	// Owner is the resolved numeric owner: for compose the user prosody runs
	// as (compose.yaml's user:), for host the prosody system user.
	Owner config.Owner
	// OwnerNote is ResolveOwner's note on how it chose Owner, carried into
	// the plan so that it is shown without resolving the owner again.
	OwnerNote string
	// Source reads files the answers point at (tls.cert, tls.key); nil
	// means they cannot be read.
	Source afero.Fs
	// Existing is a read-only view of the output folder, from which a re-run
	// reuses the database password and a still-valid certificate; nil for a
	// fresh setup.
	Existing afero.Fs
	// Generated keeps the secrets made up for answers that leave them
	// empty, so that planning again makes the same ones (see Generated);
	// nil makes new ones for every plan.
	Generated *Generated
}

func (p *Plan) add(f File) { p.Files = append(p.Files, f) }

func (p *Plan) dir(rel string, mode fs.FileMode, uid, gid int) {
	p.add(File{Path: rel, Mode: fs.ModeDir | mode, UID: uid, GID: gid})
}

// text is a file's content: its bytes and, when a template rendered it,
// its marks.
type text struct {
	data  []byte
	marks Marks
}

func (p *Plan) file(rel string, mode fs.FileMode, uid, gid int, t text) {
	p.add(File{Path: rel, Mode: mode, UID: uid, GID: gid, Data: t.data, Marks: t.marks})
}

// sortFiles orders entries by path, so that a folder comes before its
// contents and output is deterministic.
func (p *Plan) sortFiles() {
	sort.SliceStable(p.Files, func(i, j int) bool { return p.Files[i].Path < p.Files[j].Path })
}

// Roots of each deploy kind, relative to the output folder.
const (
	composeConfigDir = "prosody"
	composeDataDir   = "data"
	hostConfigDir    = "etc/prosody"
	hostDataDir      = "var/lib/prosody"
	// hostDeployHook is certbot's deploy hook for the system prosody, in
	// the folder whose hooks certbot runs after each renewal.
	hostDeployHook = "etc/letsencrypt/renewal-hooks/deploy/prosody"
	// hostTURNConfig is coturn's config for a host install, beside
	// Prosody's (Debian's /etc/turnserver.conf is left alone), and
	// hostTURNDropIn the drop-in that has Debian's coturn service use it.
	hostTURNConfig = "etc/prosody/turnserver.conf"
	hostTURNDropIn = "etc/systemd/system/coturn.service.d/prosody-wizard.conf"
	// ownConfigExample is the commented example in OwnConfigDir.
	ownConfigExample = "example.cfg.lua"
)

// OwnConfigDir is the folder beside prosody.cfg.lua whose *.cfg.lua files
// it includes: the person's own settings, which no run replaces. Not
// conf.d: Debian's prosody package keeps a conf.d/localhost.cfg.lua there
// (a VirtualHost "localhost"), which a host install would then serve.
const OwnConfigDir = "local.d"

// ConfigPath is where prosody.cfg.lua lands, relative to the output folder.
func ConfigPath(a config.Answers) string {
	if a.Deploy == config.DeployHost {
		return path.Join(hostConfigDir, "prosody.cfg.lua")
	}
	return path.Join(composeConfigDir, "prosody.cfg.lua")
}

func dirMode(perm uint32) fs.FileMode  { return fs.ModeDir | fs.FileMode(perm) }
func fileMode(perm uint32) fs.FileMode { return fs.FileMode(perm) }

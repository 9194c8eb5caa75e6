package scaffold

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/spf13/afero"

	"prosody-wizard/config"
	"prosody-wizard/safeio"
)

// A re-run that changes the Prosody series or the storage backend of a
// setup that runs changes more than its files: the server must be rebuilt
// or upgraded, and the data copied into the new backend. The plan finds
// what the earlier run set up in the answers it saved beside the setup
// (answers.yaml), and says what changes and what to do, in order: the
// review lists it before anything is written, the summary and a host
// install's NEXT-STEPS.md after.

// Transition is what a re-run changes on the running server beyond its
// files: another Prosody series, another storage backend, or both.
type Transition struct {
	// Heading names the change ("Upgrading from Prosody 0.12 to 13.0").
	Heading string
	// Notes say what changes for the person and their data.
	Notes []string
	// Steps are what to do, in order, each "what: command" like a next
	// step; the plan's NextSteps start with them.
	Steps []string
}

// Previous is what the earlier run in the output folder set up, as its
// prosody.cfg.lua says: not the answers.yaml beside it, which a person
// edits before running again (the README's way to change a setup).
type Previous struct {
	Series config.Series
	// Driver is the storage driver, and Database the SQLite file's name
	// without ".sqlite" (SQLite only).
	Driver   config.Driver
	Database string
}

// Where the earlier config says what it was written for: the comment at
// its top, and the storage options.
var (
	cfgTarget   = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?m)^-- Target: Prosody (0\.12|13\.0)\. `) })
	cfgStorage  = luaOption("storage")
	cfgDriver   = luaOption("driver")
	cfgDatabase = luaOption("database")
)

// previousSetup reads what the config an earlier run wrote in fsys (the
// output folder, read-only) was written for: false when there is none, or
// one that does not say (written by hand, or by an older prosody-wizard).
func previousSetup(fsys afero.Fs, a config.Answers) (Previous, bool) {
	if fsys == nil {
		return Previous{}, false
	}
	data, err := safeio.ReadRegular(fsys, ConfigPath(a), safeio.MaxInput)
	if err != nil {
		return Previous{}, false
	}
	cfg := string(data)
	m := cfgTarget().FindStringSubmatch(cfg)
	storage, ok := luaOptionString(cfg, cfgStorage())
	if m == nil || !ok {
		return Previous{}, false
	}
	prev := Previous{Series: config.Series(m[1])}
	luadbi, _ := luaOptionString(cfg, cfgDriver())
	for _, d := range config.Drivers() {
		if d.Storage == storage && (storage == "internal" || d.LuaDBI == luadbi) {
			prev.Driver = d
		}
	}
	if prev.Driver.Name == "" {
		return Previous{}, false
	}
	if prev.Driver.Name == config.DriverSQLite {
		db, _ := luaOptionString(cfg, cfgDatabase())
		name, ok := strings.CutSuffix(db, ".sqlite")
		if !ok || strings.Contains(name, "/") {
			return Previous{}, false
		}
		prev.Database = name
	}
	return prev, true
}

// migratorFile is prosody-migrator's configuration for a storage move,
// beside prosody.cfg.lua. Not Debian's /etc/prosody/migrator.cfg.lua:
// that one is the package's (a conffile), and its example hosts would be
// copied too.
const migratorFile = "migrate-storage.cfg.lua"

// StorageMove is a storage move the plan writes prosody-migrator's
// configuration for: the data of a file-based backend (internal, SQLite,
// in the data folder, which a re-run keeps) copied into another.
type StorageMove struct {
	From, To config.Driver
	// FromName is the earlier database name (SQLite's file name).
	FromName string
}

// storageMove is the move from the earlier backend to the answers' one,
// when the plan can write its migrator configuration: the earlier data is
// in the data folder. Data on a database server is not: the re-run drops
// the earlier compose service, or the server is elsewhere.
func storageMove(prev Previous, s *setup) (StorageMove, bool) {
	from := prev.Driver
	if from.Name == s.Driver.Name || from.Network {
		return StorageMove{}, false
	}
	return StorageMove{From: from, To: s.Driver, FromName: prev.Database}, true
}

// MigratorStore is one side of the migrator's configuration, as its
// template writes it: the store's name (the driver's answer, which the
// command names) and its options.
type MigratorStore struct {
	Name    string
	Options []MigratorOption
	// Hosts are the hosts and stores to copy (the input's only).
	Hosts []MigratorHost
}

// MigratorOption is one option of a store: its value a string, or an
// int (the port).
type MigratorOption struct {
	Key   string
	Value any
}

// migratorStore is driver d's store with the setup's database answers,
// name the database name (SQLite's file name) and password the password.
func (s *setup) migratorStore(d config.Driver, name, password string) MigratorStore {
	st := MigratorStore{Name: d.Name}
	if d.LuaDBI == "" {
		st.Options = []MigratorOption{{Key: "type", Value: "internal"}, {Key: "path", Value: varLibProsody}}
		return st
	}
	st.Options = []MigratorOption{{Key: "type", Value: "sql"}, {Key: "driver", Value: d.LuaDBI}}
	if !d.Network {
		st.Options = append(st.Options, MigratorOption{Key: "database", Value: varLibProsody + "/" + name + ".sqlite"})
		return st
	}
	db := s.Answers.Database
	st.Options = append(st.Options,
		MigratorOption{Key: "database", Value: db.Name},
		MigratorOption{Key: "username", Value: db.User},
		MigratorOption{Key: "password", Value: password},
		MigratorOption{Key: "host", Value: s.DBHost()},
		MigratorOption{Key: "port", Value: s.Answers.DBPort()})
	return st
}

// MigratorStores are the two stores of the migrator's configuration:
// where the data is, with the hosts to copy, and where it goes.
func (s *setup) MigratorStores() []MigratorStore {
	in := s.migratorStore(s.Move.From, s.Move.FromName, "")
	in.Hosts = s.MigratorHosts()
	return []MigratorStore{in, s.migratorStore(s.Move.To, s.Answers.Database.Name, s.DBPassword)}
}

// MigratorHost is one host the migrator copies, with its stores.
type MigratorHost struct {
	Name   string
	Stores []string
}

// Stores the migrator copies, per kind of host: those the modules of our
// configs keep data in, on 0.12 and 13.0 ("name-archive" is an archive
// store, "name-pubsub" a PEP service with its nodes; a store with no data
// is skipped). After Debian's example (/etc/prosody/migrator.cfg.lua) and
// the stores Prosody's modules open.
var (
	migratorVirtualHostStores = []string{
		"accounts", "account_details", "account_roles", "account_flags", "roles",
		"roster", "vcard", "private", "blocklist", "privacy",
		"archive-archive", "offline-archive", "pep-pubsub",
		"cloud_notify", "invite_token",
	}
	migratorMUCStores    = []string{"persistent", "config", "state", "muc_log-archive"}
	migratorUploadStores = []string{"uploads-archive"}
)

// MigratorHosts are the hosts whose data the migrator copies: every
// VirtualHost, the group chat and the file share (its files stay in the
// data folder; their records move).
func (s *setup) MigratorHosts() []MigratorHost {
	var hosts []MigratorHost
	for _, h := range s.DomainHosts() {
		hosts = append(hosts, MigratorHost{Name: h.Name, Stores: migratorVirtualHostStores})
	}
	for _, h := range s.ComponentHosts() {
		switch h.Kind {
		case config.HostMUC:
			hosts = append(hosts, MigratorHost{Name: h.Name, Stores: migratorMUCStores})
		case config.HostUpload:
			hosts = append(hosts, MigratorHost{Name: h.Name, Stores: migratorUploadStores})
		}
	}
	return hosts
}

// MigratorFileName is the migrator's configuration's file name.
func (s *setup) MigratorFileName() string { return migratorFile }

// MigratorFile is the migrator's configuration at run time.
func (s *setup) MigratorFile() string { return etcProsody + "/" + migratorFile }

// MigratorCommand is the command that copies the data, as it runs where
// Prosody does (in the container, or on the host as root: it switches to
// the prosody user itself, as prosodyctl does).
func (s *setup) MigratorCommand() []string {
	return []string{"prosody-migrator", "--config", s.MigratorFile(), s.Move.From.Name, s.Move.To.Name}
}

// migratorPath is the migrator's configuration in the output folder.
func migratorPath(a config.Answers) string { return path.Join(path.Dir(ConfigPath(a)), migratorFile) }

// transition works out what a re-run changes on the running server (see
// Transition), from what the earlier run set up; false when nothing but
// files changes (or nothing ran here before).
func transition(prev Previous, s *setup) (Transition, bool) {
	upgrade := prev.Series != s.Series()
	move := s.Move != nil
	from := prev.Driver
	otherDriver := from.Name != s.Driver.Name
	if !upgrade && !otherDriver {
		return Transition{}, false
	}
	var t Transition
	var heads []string
	if upgrade {
		heads = append(heads, fmt.Sprintf("upgrading from Prosody %s to %s", prev.Series, s.Series()))
		t.Notes = append(t.Notes, seriesNotes(prev.Series, s)...)
	}
	if otherDriver {
		heads = append(heads, fmt.Sprintf("moving the data from %s to %s", driverName(from), driverName(s.Driver)))
		t.Notes = append(t.Notes, moveNotes(from, s)...)
	}
	own := path.Join(path.Dir(ConfigPath(s.Answers)), OwnConfigDir)
	if !s.Compose() {
		own = path.Join(etcProsody, OwnConfigDir)
	}
	t.Notes = append(t.Notes, fmt.Sprintf("prosody.cfg.lua and the other files prosody-wizard wrote are written anew for this (each one you changed is kept as NAME.bak.<time>, and the list above marks it changed): carry edits of your own over, settings into %s/, which no run touches", own))
	t.Heading = strings.ToUpper(heads[0][:1]) + strings.Join(heads, " and ")[1:] + ":"
	switch {
	case s.Kubernetes():
		t.Steps = kubernetesTransitionSteps(from, s, move)
	case s.Compose():
		t.Steps = composeTransitionSteps(from, s, move)
	default:
		t.Steps = hostTransitionSteps(from, s, upgrade, move)
	}
	return t, true
}

// Title is the heading without its colon.
func (t Transition) Title() string { return strings.TrimSuffix(t.Heading, ":") }

// driverName names a driver for people: "internal storage", "SQLite".
func driverName(d config.Driver) string {
	if d.Label == "" {
		return d.Name + " storage"
	}
	return d.Label
}

// seriesNotes say what another Prosody series changes.
func seriesNotes(old config.Series, s *setup) []string {
	if old == config.Series13 && s.Series() == config.Series012 {
		return []string{"going back from 13.0 to 0.12 is not supported by Prosody: 0.12 may not read what 13.0 wrote (account roles, new stores); restore the backup made before the upgrade instead"}
	}
	notes := []string{
		"back up first (the steps do): 13.0 reads 0.12's data as it is, but there is no way back to 0.12 once 13.0 has written to it",
		"13.0 has roles instead of only admins: the accounts in admins keep every right (role prosody:operator), other accounts get prosody:registered; roles of your own are set with prosodyctl shell user setrole",
		"13.0 creates accounts through the running server: the first admin's command is now an invitation (prosodyctl shell invite create_account), and the invites and invites_register modules are loaded for it",
	}
	var moved []string
	for _, m := range s.Modules.Global {
		if m.In[config.Series012] == config.Community && m.In[config.Series13] == config.Core {
			moved = append(moved, m.Name)
		}
	}
	if len(moved) > 0 {
		notes = append(notes, fmt.Sprintf("part of Prosody itself in 13.0, from prosody-modules before: %s", strings.Join(moved, ", ")))
	}
	notes = append(notes, "13.0 dropped or renamed options (daemonize, legacy_ssl_* for c2s_direct_tls_*, cross_domain_*, …): prosody.cfg.lua is written for 13.0; settings of your own are yours to check, and prosodyctl check config names what 13.0 no longer knows")
	return notes
}

// moveNotes say what a storage move changes.
func moveNotes(from config.Driver, s *setup) []string {
	if from.Network {
		return []string{fmt.Sprintf("prosody-wizard copies data only out of the data folder (internal storage or SQLite): export the %s database yourself (prosody-migrator, https://prosody.im/doc/migrator) before it goes away", from.Label)}
	}
	if s.Kubernetes() {
		return []string{
			fmt.Sprintf("prosody-wizard writes no migrator configuration for a cluster: copy the data into %s with prosody-migrator (https://prosody.im/doc/migrator) in a pod that mounts the volume prosody-data, with Prosody stopped", driverName(s.Driver)),
			"the old data stays where it was, unused: remove it once the new backend serves everything",
		}
	}
	file := migratorPath(s.Answers)
	if !s.Compose() {
		file = s.MigratorFile()
	}
	notes := []string{fmt.Sprintf("%s is prosody-migrator's configuration for the move: it copies every account, roster, archive, offline message, group chat and upload record of these hosts; uploaded files stay in the data folder", file)}
	if s.Driver.Network {
		notes = append(notes, "that file holds the database password: remove it once the move is done")
	}
	notes = append(notes, "the old data stays where it was, unused: remove it once the new backend serves everything")
	return notes
}

// composeTransitionSteps are the steps of a compose repo: stop, back up,
// rebuild from the newest image and packages, copy the data, start.
func composeTransitionSteps(from config.Driver, s *setup, move bool) []string {
	compose := func(words ...string) string { return ShellCommand(append([]string{"docker", "compose"}, words...)...) }
	steps := []string{"stop Prosody: " + compose("stop", "prosody")}
	if !from.Network {
		steps = append(steps, "back up the data folder: "+ShellCommand("mkdir", "-p", "-m", "0700", backupDir)+" && "+
			ShellCommand("tar", "--numeric-owner", "-czf", dataArchive, "data"))
	} else if b := Backup(s.Setup); len(b.Backup) > 0 {
		steps = append(steps, "back up the database: "+strings.Join(b.Backup, " && "))
	}
	steps = append(steps, "rebuild the image from the newest packages: "+compose("build", "--pull", "prosody"))
	if move {
		if svc := s.DBService(); svc != "" {
			steps = append(steps, "start the database alone and wait until it is healthy: "+compose("up", "-d", "--wait", svc))
		}
		steps = append(steps, fmt.Sprintf("copy the data into %s: ", driverName(s.Driver))+
			compose(append([]string{"run", "--rm", "--no-deps", "prosody"}, s.MigratorCommand()...)...))
	}
	steps = append(steps,
		"start: "+compose("up", "-d"),
		"check the config: "+compose("exec", "prosody", "prosodyctl", "check", "config"))
	if move && s.Driver.Network {
		steps = append(steps, "once it serves everything, remove the migrator's configuration (it holds the password): "+ShellCommand("rm", migratorPath(s.Answers)))
	}
	return steps
}

// kubernetesTransitionSteps are the steps of a cluster: stop the pod,
// back up the volume, a new image, the data copied (by hand, see
// moveNotes), the base applied again.
func kubernetesTransitionSteps(from config.Driver, s *setup, move bool) []string {
	steps := []string{"stop Prosody: " + s.kubectl("scale", "statefulset/prosody", "--replicas=0"),
		"back up the data volume (the PersistentVolumeClaim prosody-data) with your cluster's snapshots or backup tool"}
	if from.Network {
		steps[1] += fmt.Sprintf(", and the %s database where it runs", from.Label)
	}
	steps = append(steps,
		"build the image from the newest packages: "+ShellCommand("docker", "build", "--pull", "-t", s.Image(), "."),
		"push it: "+s.PushCommand())
	if move {
		steps = append(steps, fmt.Sprintf("copy the data into %s with prosody-migrator, in a pod that mounts prosody-data (see the notes above)", driverName(s.Driver)))
	}
	return append(steps,
		"apply the base (it starts the pod again): kubectl apply -k .",
		"watch it start: "+s.kubectl("rollout", "status", "statefulset/prosody", "--timeout", "5m"))
}

// hostTransitionSteps are the steps of a host install: stop, back up,
// the LuaDBI driver and the database, copy the data (Debian's
// prosody-migrator of either series reads internal storage), install
// 13.0, check, restart.
func hostTransitionSteps(from config.Driver, s *setup, upgrade, move bool) []string {
	steps := []string{"stop Prosody: systemctl stop prosody",
		"back up the config and the data folder: " + ShellCommand("tar", "--numeric-owner", "-czf", "/root/prosody-backup.tar.gz", "-C", "/", "etc/prosody", "var/lib/prosody")}
	if from.Network {
		steps[1] += fmt.Sprintf(" (and the %s database where it runs)", from.Label)
	}
	if move {
		if s.Driver.Package != "" {
			steps = append(steps, "install the LuaDBI driver: "+ShellCommand("apt-get", "install", s.Driver.Package))
		}
		if step := databaseStep(s); step != "" {
			steps = append(steps, step)
		}
		steps = append(steps, fmt.Sprintf("copy the data into %s, as root (the migrator switches to the prosody user itself): ", driverName(s.Driver))+ShellCommand(s.MigratorCommand()...))
	}
	// The package starts prosody once installed: the data is in place by
	// then.
	if upgrade && s.Series() == config.Series13 {
		steps = append(steps,
			"enable Debian's bookworm-backports (once): echo 'deb http://deb.debian.org/debian bookworm-backports main' > /etc/apt/sources.list.d/bookworm-backports.list && apt-get update",
			"install Prosody 13.0 from it, keeping the config prosody-wizard wrote (the package starts Prosody again): "+ShellCommand("apt-get", "install", "-t", "bookworm-backports", "-o", "Dpkg::Options::=--force-confold", "prosody", "prosody-modules"))
	}
	steps = append(steps,
		"check the config: prosodyctl check config",
		"restart Prosody: systemctl restart prosody")
	if move && s.Driver.Network {
		steps = append(steps, "once it serves everything, remove the migrator's configuration (it holds the password): "+ShellCommand("rm", s.MigratorFile()))
	}
	return steps
}

// withTransition puts the transition's steps first in the next steps,
// leaving out the usual steps they already hold.
func withTransition(t Transition, next []string) []string {
	out := slices.Clone(t.Steps)
	for _, n := range next {
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

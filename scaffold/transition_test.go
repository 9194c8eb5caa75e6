package scaffold

import (
	"slices"
	"strings"
	"testing"
	"testing/cryptotest"

	"github.com/spf13/afero"
	lua "github.com/yuin/gopher-lua"

	"prosody-wizard/config"
)

// hostilePassword has everything Lua, a shell or SQL could take for
// syntax.
const hostilePassword = `it's "$HOME" \ a ]] ]=] word; -- $(true) ` + "`x`"

// TestTransition: a re-run that changes the series or the storage of a
// setup written before says so, with its steps in the order they must
// run, and writes prosody-migrator's configuration only for a move out of
// the data folder; the same answers again, or no earlier setup, give
// none.
func TestTransition(t *testing.T) {
	hostOwner := config.Owner{UID: 102, GID: 105}
	for _, tc := range []struct {
		name        string
		before      string // answers of the first run ("" = nothing there)
		after       string // answers of the re-run
		heading     string // "" = no transition
		steps       []string
		migrator    string // the migrator's configuration, "" = none
		mode        uint32
		secret      bool
		notInSteps  []string
		notesHaving string
		// image: the packages the Dockerfile must install (compose)
		image []string
	}{
		{name: "compose upgrade", before: `prosody: "0.12"`, after: `prosody: "13.0"`,
			heading: "Upgrading from Prosody 0.12 to 13.0:",
			steps: []string{"docker compose stop prosody", "tar --numeric-owner -czf backups/prosody-data.tar.gz data",
				"docker compose build --pull prosody", "docker compose up -d", "docker compose exec prosody prosodyctl check config"},
			notInSteps: []string{"prosody-migrator", "docker compose up -d --build"}, notesHaving: "prosody:operator"},
		{name: "compose move to sqlite", before: `prosody: "13.0"`, after: "prosody: \"13.0\"\ndatabase: {driver: sqlite}",
			heading: "Moving the data from internal storage to SQLite:",
			steps: []string{"docker compose stop prosody", "docker compose build --pull prosody",
				"docker compose run --rm --no-deps prosody prosody-migrator --config /etc/prosody/migrate-storage.cfg.lua internal sqlite",
				"docker compose up -d"},
			migrator: "prosody/migrate-storage.cfg.lua", mode: 0o600},
		{name: "compose upgrade and move to postgres", before: `prosody: "0.12"`,
			after:   "prosody: \"13.0\"\ndatabase: {driver: postgres, password: '" + strings.ReplaceAll(hostilePassword, "'", "''") + "'}",
			heading: "Upgrading from Prosody 0.12 to 13.0 and moving the data from internal storage to PostgreSQL:",
			steps: []string{"docker compose stop prosody", "docker compose build --pull prosody", "docker compose up -d --wait postgres",
				"prosody-migrator --config /etc/prosody/migrate-storage.cfg.lua internal postgres", "docker compose up -d",
				"rm prosody/migrate-storage.cfg.lua"},
			migrator: "prosody/migrate-storage.cfg.lua", mode: 0o600, secret: true},
		{name: "compose move from sqlite to postgres", before: "prosody: \"13.0\"\ndatabase: {driver: sqlite}",
			after:   "prosody: \"13.0\"\ndatabase: {driver: postgres}",
			heading: "Moving the data from SQLite to PostgreSQL:",
			steps:   []string{"docker compose up -d --wait postgres", "prosody-migrator --config /etc/prosody/migrate-storage.cfg.lua sqlite postgres"},
			// the migrator reads the old data with SQLite's driver
			image:    []string{"lua-dbi-postgresql", "lua-dbi-sqlite3"},
			migrator: "prosody/migrate-storage.cfg.lua", mode: 0o600, secret: true},
		{name: "host move to mariadb", before: "deploy: host\nprosody: \"0.12\"",
			after:   "deploy: host\nprosody: \"0.12\"\ndatabase: {driver: mysql, host: 127.0.0.1, password: '" + strings.ReplaceAll(hostilePassword, "'", "''") + "'}",
			heading: "Moving the data from internal storage to MariaDB:",
			steps: []string{"systemctl stop prosody", "tar --numeric-owner", "apt-get install lua-dbi-mysql", "sudo mariadb",
				"prosody-migrator --config /etc/prosody/migrate-storage.cfg.lua internal mysql", "prosodyctl check config",
				"systemctl restart prosody", "rm /etc/prosody/migrate-storage.cfg.lua"},
			notInSteps: []string{"bookworm-backports"},
			migrator:   "etc/prosody/migrate-storage.cfg.lua", mode: 0o640, secret: true},
		{name: "host upgrade from sqlite to internal", before: "deploy: host\nprosody: \"0.12\"\ndatabase: {driver: sqlite, name: chat}",
			after:   "deploy: host\nprosody: \"13.0\"",
			heading: "Upgrading from Prosody 0.12 to 13.0 and moving the data from SQLite to internal storage:",
			steps: []string{"systemctl stop prosody", "prosody-migrator --config /etc/prosody/migrate-storage.cfg.lua sqlite internal",
				"bookworm-backports", "apt-get install -t bookworm-backports -o 'Dpkg::Options::=--force-confold' prosody prosody-modules",
				"systemctl restart prosody"},
			migrator: "etc/prosody/migrate-storage.cfg.lua", mode: 0o640},
		{name: "from postgres: no migrator", before: "prosody: \"13.0\"\ndatabase: {driver: postgres}", after: `prosody: "13.0"`,
			heading: "Moving the data from PostgreSQL to internal storage:", notInSteps: []string{"prosody-migrator"},
			notesHaving: "export the PostgreSQL database yourself"},
		{name: "back to 0.12", before: `prosody: "13.0"`, after: `prosody: "0.12"`,
			heading: "Upgrading from Prosody 13.0 to 0.12:", notesHaving: "not supported"},
		{name: "same answers", before: `prosody: "0.12"`, after: `prosody: "0.12"`},
		{name: "nothing there before", after: `prosody: "13.0"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cryptotest.SetGlobalRandom(t, 1)
			answers := func(extra string) config.Answers {
				a, err := config.Parse([]byte("version: 1\ndomains: [example.org]\nadmins: [admin@example.org]\nturn: {host: \"\"}\n" + extra + "\n"))
				if err != nil {
					t.Fatal(err)
				}
				return a
			}
			fsys := afero.NewMemMapFs()
			after := answers(tc.after)
			in := goldenInputs(after)
			in.Owner = config.Owner{UID: 1000, GID: 1000}
			if after.Deploy == config.DeployHost {
				in.Owner = hostOwner
			}
			if tc.before != "" {
				first, err := planAnswers(answers(tc.before), in)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := Apply(fsys, first, ApplyOptions{}); err != nil {
					t.Fatal(err)
				}
			}
			in.Existing = afero.NewReadOnlyFs(fsys)
			p, err := planAnswers(after, in)
			if err != nil {
				t.Fatal(err)
			}
			tr := p.Transition
			if tc.heading == "" {
				if tr != nil {
					t.Fatalf("a transition where nothing changes on the server: %+v", *tr)
				}
				return
			}
			if tr == nil || tr.Heading != tc.heading {
				t.Fatalf("transition %+v, want heading %q", tr, tc.heading)
			}
			// In order, each where it is expected, and first in the next steps.
			at := 0
			for _, want := range tc.steps {
				i := slices.IndexFunc(tr.Steps[at:], func(s string) bool { return strings.Contains(s, want) })
				if i < 0 {
					t.Fatalf("no step with %q after step %d:\n%s", want, at, strings.Join(tr.Steps, "\n"))
				}
				at += i + 1
			}
			if !slices.Equal(p.NextSteps[:len(tr.Steps)], tr.Steps) {
				t.Errorf("the next steps do not start with the transition's:\n%s", strings.Join(p.NextSteps, "\n"))
			}
			for _, not := range tc.notInSteps {
				if slices.ContainsFunc(p.NextSteps, func(s string) bool { return strings.Contains(s, not) }) {
					t.Errorf("a step has %q:\n%s", not, strings.Join(p.NextSteps, "\n"))
				}
			}
			if df, ok := p.File("Dockerfile"); ok {
				for _, pkg := range tc.image {
					if !strings.Contains(string(df.Data), " "+pkg) {
						t.Errorf("the Dockerfile does not install %s", pkg)
					}
				}
			}
			if tc.notesHaving != "" && !slices.ContainsFunc(tr.Notes, func(n string) bool { return strings.Contains(n, tc.notesHaving) }) {
				t.Errorf("no note says %q:\n%s", tc.notesHaving, strings.Join(tr.Notes, "\n"))
			}
			for _, st := range tr.Steps {
				if strings.Contains(st, after.Database.Password) && after.Database.Password != "" && !strings.HasPrefix(st, "create ") {
					t.Errorf("a step shows the password: %s", st)
				}
			}
			f, ok := p.File(tc.migrator)
			if tc.migrator == "" {
				if slices.ContainsFunc(p.Files, func(f File) bool { return strings.HasSuffix(f.Path, migratorFile) }) {
					t.Fatalf("a migrator configuration without a move out of the data folder")
				}
				return
			}
			if !ok {
				t.Fatalf("no %s in the plan", tc.migrator)
			}
			if uint32(f.Mode.Perm()) != tc.mode || f.Secret != tc.secret {
				t.Errorf("%s: mode %04o secret %v, want %04o %v", f.Path, f.Mode.Perm(), f.Secret, tc.mode, tc.secret)
			}
			if gi, ok := p.File(".gitignore"); after.Deploy == config.DeployCompose &&
				(!ok || !slices.Contains(strings.Split(string(gi.Data), "\n"), tc.migrator)) {
				t.Errorf(".gitignore does not name %s, which may hold the password", tc.migrator)
			}
			if after.Deploy == config.DeployHost && (f.UID != 0 || f.GID != hostOwner.GID) {
				t.Errorf("%s: owner %d:%d, want root:prosody", f.Path, f.UID, f.GID)
			}
			stores := loadMigratorConfig(t, f.Data)
			s := strings.Fields(tr.Steps[slices.IndexFunc(tr.Steps, func(s string) bool { return strings.Contains(s, "prosody-migrator") })])
			from, to := s[len(s)-2], s[len(s)-1]
			src, dst := stores[from], stores[to]
			if src == nil || dst == nil {
				t.Fatalf("the command names stores %s and %s; the configuration has %v", from, to, stores)
			}
			hosts, _ := src["hosts"].(map[string]any)
			for _, host := range []string{"example.org", "conference.example.org", "upload.example.org"} {
				if _, ok := hosts[host]; !ok {
					t.Errorf("the input copies no host %s: %v", host, hosts)
				}
			}
			if pw := after.Database.Password; pw != "" && dst["password"] != pw {
				t.Errorf("the output's password reads back as %q, want %q", dst["password"], pw)
			}
			if d, _ := config.LookupDriver(after.Database.Driver); d.LuaDBI != "" && dst["driver"] != d.LuaDBI {
				t.Errorf("output driver %v, want %s", dst["driver"], d.LuaDBI)
			}
		})
	}
}

// loadMigratorConfig runs a migrator configuration the way
// prosody-migrator does (util/envload with an environment where every
// global name is a function that stores the table it is called with),
// and returns the stores by name.
func loadMigratorConfig(t *testing.T, src []byte) map[string]map[string]any {
	t.Helper()
	L := lua.NewState(lua.Options{SkipOpenLibs: true})
	defer L.Close()
	stores := map[string]map[string]any{}
	env := L.NewTable()
	meta := L.NewTable()
	L.SetField(meta, "__index", L.NewFunction(func(L *lua.LState) int {
		name := L.CheckString(2)
		L.Push(L.NewFunction(func(L *lua.LState) int {
			m, _ := toGo(L.CheckTable(1)).(map[string]any)
			stores[name] = m
			return 0
		}))
		return 1
	}))
	L.SetMetatable(env, meta)
	fn, err := L.LoadString(string(src))
	if err != nil {
		t.Fatalf("Lua parser rejected the migrator's configuration: %v\n%s", err, src)
	}
	fn.Env = env
	L.Push(fn)
	if err := L.PCall(0, 0, nil); err != nil {
		t.Fatalf("the migrator's configuration failed to run: %v", err)
	}
	return stores
}

// TestTransitionCatchesUnknownConfig: a config that does not say what it
// was written for (by hand, or an older prosody-wizard's) gives no
// transition rather than a guess; its storage line alone is not enough.
func TestTransitionCatchesUnknownConfig(t *testing.T) {
	a, err := config.Parse([]byte("version: 1\nprosody: \"13.0\"\ndomains: [example.org]\ndatabase: {driver: sqlite}\n"))
	if err != nil {
		t.Fatal(err)
	}
	for _, cfg := range []string{
		"storage = \"internal\"\n",                             // no Target line
		"-- Target: Prosody 0.12. x\n",                         // no storage
		"-- Target: Prosody 0.12. x\nstorage = \"sql\"\n",      // sql without a driver
		"-- Target: Prosody 0.11. x\nstorage = \"internal\"\n", // a series we do not know
	} {
		fsys := afero.NewMemMapFs()
		if err := afero.WriteFile(fsys, ConfigPath(a), []byte(cfg), 0o640); err != nil {
			t.Fatal(err)
		}
		if prev, ok := previousSetup(fsys, a); ok {
			t.Errorf("%q read as %+v", cfg, prev)
		}
	}
	fsys := afero.NewMemMapFs()
	_ = afero.WriteFile(fsys, ConfigPath(a), []byte("-- Target: Prosody 0.12. x\nstorage = \"internal\"\n"), 0o640)
	if prev, ok := previousSetup(fsys, a); !ok || prev.Series != config.Series012 || prev.Driver.Name != config.DriverInternal {
		t.Errorf("a config with both read as %+v, %v", prev, ok)
	}
}

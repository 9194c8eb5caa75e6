package scaffold

import (
	"slices"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"

	"prosody-wizard/config"
)

// prosodyConfig is a config as Prosody's configmanager sees it: options per
// section ("*" is global), in Go values.
type prosodyConfig map[string]map[string]any

// loadProsodyConfig runs a config with a Lua parser the way Prosody's
// core/configmanager.lua does: assignments land in the current section,
// VirtualHost and Component start sections, ENV_X reads the environment.
// Include reads nothing: its patterns are listed, in order, under
// cfg[includes]["patterns"].
func loadProsodyConfig(t *testing.T, src []byte, env map[string]string) prosodyConfig {
	t.Helper()
	L := lua.NewState(lua.Options{SkipOpenLibs: true})
	defer L.Close()
	cfg := prosodyConfig{"*": {}}
	section := "*"
	envTable := L.NewTable()
	meta := L.NewTable()
	L.SetField(meta, "__newindex", L.NewFunction(func(L *lua.LState) int {
		cfg[section][L.CheckString(2)] = toGo(L.Get(3))
		return 0
	}))
	L.SetField(meta, "__index", L.NewFunction(func(L *lua.LState) int {
		name := L.CheckString(2)
		if v, ok := strings.CutPrefix(name, "ENV_"); ok {
			if val, set := env[v]; set {
				L.Push(lua.LString(val))
				return 1
			}
		}
		L.Push(lua.LNil)
		return 1
	}))
	L.SetMetatable(envTable, meta)
	host := L.NewFunction(func(L *lua.LState) int {
		name := L.CheckString(1)
		if _, dup := cfg[name]; dup {
			L.RaiseError("host %s defined twice", name)
		}
		section = name
		cfg[name] = map[string]any{"defined": true}
		return 0
	})
	component := L.NewFunction(func(L *lua.LState) int {
		name := L.CheckString(1)
		if _, dup := cfg[name]; dup {
			L.RaiseError("host %s defined twice", name)
		}
		section = name
		cfg[name] = map[string]any{"defined": true}
		L.Push(L.NewFunction(func(L *lua.LState) int {
			cfg[name]["component_module"] = L.CheckString(1)
			return 0
		}))
		return 1
	})
	envTable.RawSetString("VirtualHost", host)
	envTable.RawSetString("Component", component)
	cfg[includes] = map[string]any{"patterns": []any{}}
	envTable.RawSetString("Include", L.NewFunction(func(L *lua.LState) int {
		cfg[includes]["patterns"] = append(cfg[includes]["patterns"].([]any), L.CheckString(1))
		return 0
	}))
	fn, err := L.LoadString(string(src))
	if err != nil {
		t.Fatalf("Lua parser rejected the config: %v", err)
	}
	fn.Env = envTable
	L.Push(fn)
	if err := L.PCall(0, 0, nil); err != nil {
		t.Fatalf("the config failed to run: %v", err)
	}
	return cfg
}

// includes is the pseudo-section loadProsodyConfig lists Include patterns
// in: not a host name, which has no parentheses.
const includes = "(includes)"

func toGo(v lua.LValue) any {
	switch x := v.(type) {
	case lua.LString:
		return string(x)
	case lua.LNumber:
		return float64(x)
	case lua.LBool:
		return bool(x)
	case *lua.LTable:
		if n := x.Len(); n > 0 {
			list := make([]any, 0, n)
			for i := 1; i <= n; i++ {
				list = append(list, toGo(x.RawGetInt(i)))
			}
			return list
		}
		m := map[string]any{}
		x.ForEach(func(k, v lua.LValue) { m[k.String()] = toGo(v) })
		return m
	}
	return nil
}

func strs(v any) []string {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, x := range list {
		if s, ok := x.(string); ok {
			out = append(out, s)
		} else if inner, ok := x.([]any); ok && len(inner) > 0 {
			out = append(out, inner[0].(string)) // disco_items pairs
		}
	}
	return out
}

// TestConfigsMeanWhatTheAnswersSay reads every golden config as Prosody
// would and checks the settings that matter, with their Lua types.
func TestConfigsMeanWhatTheAnswersSay(t *testing.T) {
	for _, name := range goldenCases(t) {
		t.Run(name, func(t *testing.T) {
			a, p := goldenPlan(t, name)
			f, _ := p.File(ConfigPath(a))
			cfg := loadProsodyConfig(t, f.Data, map[string]string{"PROSODY_DB_PASSWORD": "from-env"})
			g := cfg["*"]

			if _, ok := g["daemonize"]; ok {
				t.Error("daemonize is set; 0.12 check config exits 2 on it")
			}
			if log, _ := g["log"].(map[string]any); log["info"] != "*console" {
				t.Errorf("log = %v, want { info = \"*console\" }", g["log"])
			}
			if pid, _ := g["pidfile"].(string); !strings.HasPrefix(pid, "/var/lib/prosody/") {
				t.Errorf("pidfile %q is not in the data folder", pid)
			}
			for _, opt := range []string{"c2s_require_encryption"} {
				if g[opt] != true {
					t.Errorf("%s = %#v, want the boolean true", opt, g[opt])
				}
			}
			if a.Federation != (g["s2s_secure_auth"] == true) || a.Federation != (g["s2s_require_encryption"] == true) {
				t.Errorf("federation %v but s2s_secure_auth=%v s2s_require_encryption=%v", a.Federation, g["s2s_secure_auth"], g["s2s_require_encryption"])
			}
			if g["allow_registration"] != (a.Registration == config.RegistrationOpen) {
				t.Errorf("allow_registration = %#v for registration %s", g["allow_registration"], a.Registration)
			}
			if g["authentication"] != "internal_hashed" {
				t.Errorf("authentication = %v", g["authentication"])
			}
			mods := strs(g["modules_enabled"])
			for _, m := range mods {
				if strings.HasPrefix(m, "mod_") || strings.HasPrefix(m, "auth_") || strings.HasPrefix(m, "storage_") {
					t.Errorf("modules_enabled lists %q", m)
				}
			}
			if slices.Contains(mods, "dialback") != a.Federation {
				t.Errorf("dialback listed = %v with federation %v", !a.Federation, a.Federation)
			}
			if disabled := strs(g["modules_disabled"]); slices.Contains(disabled, "s2s") == a.Federation {
				t.Errorf("modules_disabled %v with federation %v", disabled, a.Federation)
			}

			sql, _ := g["sql"].(map[string]any)
			switch a.Database.Driver {
			case config.DriverInternal:
				if g["storage"] != "internal" || sql != nil {
					t.Errorf("storage %v sql %v, want internal", g["storage"], sql)
				}
			case config.DriverSQLite:
				if g["storage"] != "sql" || sql["driver"] != "SQLite3" {
					t.Errorf("storage %v sql %v, want SQLite3", g["storage"], sql)
				}
			default:
				want := map[string]string{config.DriverPostgres: "PostgreSQL", config.DriverMySQL: "MySQL"}[a.Database.Driver]
				if g["storage"] != "sql" || sql["driver"] != want || sql["port"] != float64(a.DBPort()) {
					t.Errorf("storage %v sql %v, want %s on port %d", g["storage"], sql, want, a.DBPort())
				}
				wantPw := "from-env"
				if a.Deploy == config.DeployHost {
					wantPw = a.Database.Password
				}
				if sql["password"] != wantPw {
					t.Errorf("sql.password = %v, want %q", sql["password"], wantPw)
				}
			}

			for _, d := range a.Domains {
				if cfg[d]["defined"] != true || cfg[d]["component_module"] != nil {
					t.Errorf("VirtualHost %q missing", d)
				}
			}
			comps := map[string]string{a.Components.MUC: "muc", a.Components.Upload: "http_file_share", a.Components.Proxy65: "proxy65"}
			for host, module := range comps {
				if host == "" {
					continue
				}
				if cfg[host]["component_module"] != module {
					t.Errorf("Component %q has module %v, want %s", host, cfg[host]["component_module"], module)
				}
				// Every user finds every component: directly as a subdomain
				// of their host, or through that host's disco_items.
				for _, d := range a.Domains {
					if !strings.HasSuffix(host, "."+d) || strings.Count(strings.TrimSuffix(host, "."+d), ".") > 0 {
						if !slices.Contains(strs(cfg[d]["disco_items"]), host) {
							t.Errorf("users of %s cannot discover %s", d, host)
						}
					}
				}
			}
			proxyMeans(t, a, cfg)
			// The person's own files come last, from the folder the plan
			// makes beside the config.
			if got := strs(cfg[includes]["patterns"]); !slices.Equal(got, []string{OwnConfigDir + "/*.cfg.lua"}) {
				t.Errorf("Include patterns %q, want only %s/*.cfg.lua", got, OwnConfigDir)
			}
			resolved, problems := config.Resolve(a)
			if len(problems) > 0 {
				t.Fatal(problems)
			}
			// The test names each option after its answer, on its own.
			for _, ap := range resolved.Ports {
				opt := strings.TrimPrefix(ap.Field, "ports.") + "_ports"
				if ap.Internal {
					opt = string(ap.Service) + "_ports" // no answer of its own
				}
				if got, _ := g[opt].([]any); len(got) != 1 || got[0] != float64(ap.Number) {
					t.Errorf("%s = %v, want { %d }", opt, g[opt], ap.Number)
				}
			}
		})
	}
}

func TestLoadProsodyConfigCatchesStrings(t *testing.T) {
	// The loader must tell a boolean from the string "true", or the test
	// above could not catch a template that quotes booleans.
	cfg := loadProsodyConfig(t, []byte(`c2s_require_encryption = "true"`), nil)
	if cfg["*"]["c2s_require_encryption"] == true {
		t.Fatal("the string \"true\" read as a boolean")
	}
}

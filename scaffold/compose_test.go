package scaffold

import (
	"context"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/miekg/dns"

	"prosody-wizard/config"
)

// TestComposeFilesValidate loads every golden compose.yaml with compose-go,
// the library docker compose itself uses: schema validation, interpolation
// from the generated .env, and consistency checks (volumes, depends_on).
func TestComposeFilesValidate(t *testing.T) {
	checked := 0
	for _, name := range goldenCases(t) {
		t.Run(name, func(t *testing.T) {
			a, p := goldenPlan(t, name)
			if a.Deploy != config.DeployCompose {
				t.Skip("no compose.yaml for deploy: " + a.Deploy)
			}
			checked++
			dir := t.TempDir()
			for _, f := range p.Files {
				if f.IsDir() {
					continue
				}
				path := filepath.Join(dir, f.Path)
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, f.Data, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			opts, err := cli.NewProjectOptions([]string{filepath.Join(dir, "compose.yaml")},
				cli.WithWorkingDirectory(dir),
				cli.WithEnvFiles(filepath.Join(dir, ".env")),
				cli.WithDotEnv,
				cli.WithConsistency(true),
			)
			if err != nil {
				t.Fatal(err)
			}
			project, err := opts.LoadProject(context.Background())
			if err != nil {
				t.Fatalf("compose.yaml does not load: %v", err)
			}
			services := project.ServiceNames()
			want := []string{"prosody"}
			resolved, problems := config.Resolve(a)
			if len(problems) > 0 {
				t.Fatal(problems)
			}
			if s := (&setup{Setup: resolved}).DBService(); s != "" {
				want = append(want, s)
			}
			if a.TLS.Mode == config.TLSLetsEncrypt {
				want = append(want, "certbot")
				certbot := project.Services["certbot"]
				// Sharing prosody's process namespace ties certbot to
				// prosody's container: certbot dies with it and cannot
				// restart while prosody restarts.
				if certbot.Pid != "" {
					t.Errorf("certbot shares a process namespace: pid %q", certbot.Pid)
				}
				for _, v := range certbot.Volumes {
					if strings.Contains(v.Source, "/data") || v.Target == "/var/lib/prosody" {
						t.Errorf("certbot mounts prosody's data: %s:%s", v.Source, v.Target)
					}
				}
			}
			if a.TURN.Host != "" {
				want = append(want, "coturn")
				if project.Services["coturn"].NetworkMode != "host" {
					t.Errorf("coturn is not on the host network")
				}
				// The image's entrypoint script evals its arguments, the
				// secret among them.
				if ep := project.Services["coturn"].Entrypoint; len(ep) != 1 || ep[0] != "turnserver" {
					t.Errorf("coturn's entrypoint is %q, want turnserver itself", ep)
				}
				if a.TURN.Host != "" && svcEnv(project.Services["prosody"].Environment, turnSecretEnv) == "" {
					t.Errorf("the TURN secret does not reach prosody's environment")
				}
			}
			slices.Sort(want)
			slices.Sort(services)
			if !slices.Equal(services, want) {
				t.Fatalf("services %v, want %v", services, want)
			}
			svc := project.Services["prosody"]
			if svc.User != "1000:1000" {
				t.Errorf("prosody runs as %q, want the tree's owner 1000:1000", svc.User)
			}
			if len(svc.Command) != 2 || svc.Command[0] != "prosody" || svc.Command[1] != "-F" {
				t.Errorf("command %v, want [prosody -F]", svc.Command)
			}
			if svc.HealthCheck == nil || len(svc.HealthCheck.Test) == 0 {
				t.Errorf("prosody has no healthcheck")
			}
			var published []string
			for _, port := range svc.Ports {
				published = append(published, port.Published)
				// Published to the world, or behind a proxy on the host's
				// loopback only (Traefik: not at all).
				if want := proxiedHostIP(a, int(port.Target)); port.HostIP != want {
					t.Errorf("port %d is published on %q, want %q", port.Target, port.HostIP, want)
				}
			}
			for _, ap := range resolved.Ports {
				if ap.Internal && a.Proxy.Kind == config.ProxyTraefik {
					if slices.Contains(published, itoa(ap.Number)) {
						t.Errorf("%s (%d) is published; Traefik reaches it over its network", ap.Field, ap.Number)
					}
					continue
				}
				if !slices.Contains(published, itoa(ap.Number)) {
					t.Errorf("%s (%d) is not published; published: %v", ap.Field, ap.Number, published)
				}
			}
			proxyComposeMeans(t, a, project)
			if a.NetworkDB() && svc.Environment[dbPasswordEnv] == nil {
				t.Errorf("the database password does not reach prosody's environment")
			}
		})
	}
	if checked == 0 {
		t.Fatal("no compose answers file among the goldens")
	}
}

func itoa(n int) string { return LuaValue(n) }

func svcEnv(env map[string]*string, key string) string {
	if v := env[key]; v != nil {
		return *v
	}
	return ""
}

// TestDNSZonesParse reads every golden dns.zone with a real zone-file parser
// and checks it holds what the answers need: an address for the primary
// domain, a name for every host, client SRV records per domain, server SRV
// records with federation, direct TLS SRV records when that port is on.
func TestDNSZonesParse(t *testing.T) {
	for _, name := range goldenCases(t) {
		t.Run(name, func(t *testing.T) {
			a, p := goldenPlan(t, name)
			f, ok := p.File("dns.zone")
			if a.Deploy == config.DeployHost {
				if ok {
					t.Fatal("a host install got a dns.zone")
				}
				t.Skip("host deploy: the records are printed, no file")
			}
			if !ok {
				t.Fatal("no dns.zone")
			}
			zp := dns.NewZoneParser(strings.NewReader(string(f.Data)), "", "dns.zone")
			have := map[string]bool{}
			for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
				h := rr.Header()
				have[dns.TypeToString[h.Rrtype]+" "+h.Name] = true
			}
			if err := zp.Err(); err != nil {
				t.Fatalf("dns.zone does not parse: %v", err)
			}
			want := []string{"A " + a.Primary() + ".", "AAAA " + a.Primary() + "."}
			for _, h := range []string{a.Components.MUC, a.Components.Upload, a.Components.Proxy65} {
				if h != "" {
					want = append(want, "CNAME "+h+".")
				}
			}
			if a.InCluster() {
				// The SRV records' target, the XMPP Service's address.
				want = append(want, "A xmpp."+a.Primary()+".")
			}
			for _, d := range a.Domains {
				d = config.ALabel(d)
				want = append(want, "A "+d+".", "SRV _xmpp-client._tcp."+d+".")
				if a.Ports.C2SDirectTLS != 0 {
					want = append(want, "SRV _xmpps-client._tcp."+d+".")
				}
				if a.Federation {
					want = append(want, "SRV _xmpp-server._tcp."+d+".")
				}
			}
			if a.Federation && a.Components.MUC != "" {
				want = append(want, "SRV _xmpp-server._tcp."+a.Components.MUC+".")
			}
			for _, w := range want {
				if !have[w] {
					t.Errorf("dns.zone has no %s record", w)
				}
			}
		})
	}
}

// TestShellScriptsParse checks every generated shell script (the
// healthcheck, certbot's loop and deploy hooks) with the shell itself.
func TestShellScriptsParse(t *testing.T) {
	checked := 0
	for _, name := range goldenCases(t) {
		_, p := goldenPlan(t, name)
		for _, f := range p.Files {
			if f.IsDir() || !strings.HasPrefix(string(f.Data), "#!/bin/sh") {
				continue
			}
			checked++
			cmd := exec.Command("sh", "-n")
			cmd.Stdin = strings.NewReader(string(f.Data))
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("%s/%s: sh -n: %v\n%s", name, f.Path, err, out)
			}
			if f.Mode.Perm()&0o100 == 0 {
				t.Errorf("%s/%s is a script but not executable (%04o)", name, f.Path, f.Mode.Perm())
			}
		}
	}
	if checked == 0 {
		t.Fatal("no shell scripts in any plan")
	}
}

// dockerRuns returns the shell of each RUN instruction of a Dockerfile,
// continuation lines joined as Docker joins them (comment lines dropped).
func dockerRuns(dockerfile string) []string {
	var runs []string
	var cur []string
	inRun := false
	for _, line := range strings.Split(dockerfile, "\n") {
		trimmed := strings.TrimSpace(line)
		if !inRun {
			if !strings.HasPrefix(trimmed, "RUN ") {
				continue
			}
			inRun, cur = true, nil
			trimmed = strings.TrimPrefix(trimmed, "RUN ")
		} else if strings.HasPrefix(trimmed, "#") {
			continue
		}
		if strings.HasSuffix(trimmed, "\\") {
			cur = append(cur, strings.TrimSuffix(trimmed, "\\"))
			continue
		}
		runs = append(runs, strings.Join(append(cur, trimmed), " "))
		inRun = false
	}
	return runs
}

// TestDockerfileShellParses checks the shell of every RUN instruction of
// the generated Dockerfiles (and of prosody-wizard's own) with sh -n.
func TestDockerfileShellParses(t *testing.T) {
	files := map[string]string{}
	for _, name := range goldenCases(t) {
		_, p := goldenPlan(t, name)
		if f, ok := p.File("Dockerfile"); ok {
			files[name] = string(f.Data)
		}
	}
	own, err := os.ReadFile("../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	files["prosody-wizard's own"] = string(own)
	for name, df := range files {
		runs := dockerRuns(df)
		if len(runs) == 0 {
			t.Errorf("%s: no RUN instruction found", name)
		}
		for _, script := range runs {
			if out, err := exec.Command("sh", "-n", "-c", script).CombinedOutput(); err != nil {
				t.Errorf("%s: RUN does not parse: %v\n%s\n%s", name, err, out, script)
			}
		}
	}
}

// dockerignored reports whether a .dockerignore's rules keep name (a path
// of the build context) out of the build: as Docker reads them, each rule
// matches the path or a folder above it, "!" takes a match back, the last
// matching rule wins.
func dockerignored(rules, name string) bool {
	ignored := false
	for _, line := range strings.Split(rules, "\n") {
		rule := strings.TrimSpace(line)
		if rule == "" || strings.HasPrefix(rule, "#") {
			continue
		}
		keep := strings.HasPrefix(rule, "!")
		rule = strings.TrimPrefix(rule, "!")
		for p := name; p != "." && p != "/"; p = path.Dir(p) {
			if ok, _ := path.Match(rule, p); ok {
				ignored = !keep
				break
			}
		}
	}
	return ignored
}

// dockerCopies returns the sources of the COPY and ADD instructions of a
// Dockerfile (the last word is the destination; flags are skipped).
func dockerCopies(dockerfile string) []string {
	var sources []string
	for _, line := range strings.Split(dockerfile, "\n") {
		f := strings.Fields(line)
		if len(f) < 3 || (f[0] != "COPY" && f[0] != "ADD") {
			continue
		}
		for _, w := range f[1 : len(f)-1] {
			if !strings.HasPrefix(w, "--") {
				sources = append(sources, w)
			}
		}
	}
	return sources
}

// TestDockerBuildContext: the generated .dockerignore sends the builder
// what the Dockerfile copies and nothing else of the repo: not .env, the
// keys, the config or data/ (everyone's messages).
func TestDockerBuildContext(t *testing.T) {
	checked := 0
	for _, name := range goldenCases(t) {
		_, p := goldenPlan(t, name)
		df, ok := p.File("Dockerfile")
		if !ok {
			continue
		}
		ignore, ok := p.File(".dockerignore")
		if !ok {
			t.Errorf("%s: a Dockerfile without a .dockerignore", name)
			continue
		}
		copies := dockerCopies(string(df.Data))
		if len(copies) == 0 {
			t.Errorf("%s: the Dockerfile copies nothing", name)
		}
		for _, src := range copies {
			if dockerignored(string(ignore.Data), src) {
				t.Errorf("%s: the Dockerfile copies %s, which .dockerignore keeps out", name, src)
			}
		}
		for _, f := range p.Files {
			if !slices.Contains(copies, f.Path) && f.Path != "." && !dockerignored(string(ignore.Data), f.Path) {
				t.Errorf("%s: %s goes into the build context", name, f.Path)
			}
		}
		checked++
	}
	if checked == 0 {
		t.Fatal("no plan has a Dockerfile")
	}
}

// TestDockerfileNeedsNoBuildKit: Debian's own docker.io builds with the
// legacy builder, and there may be no registry to fetch a frontend from:
// no "# syntax" line, no BuildKit-only flags.
func TestDockerfileNeedsNoBuildKit(t *testing.T) {
	for _, name := range goldenCases(t) {
		_, p := goldenPlan(t, name)
		df, ok := p.File("Dockerfile")
		if !ok {
			continue
		}
		for i, line := range strings.Split(string(df.Data), "\n") {
			l := strings.TrimSpace(line)
			if strings.HasPrefix(strings.ReplaceAll(l, " ", ""), "#syntax=") {
				t.Errorf("%s line %d: a parser directive makes BuildKit pull a frontend: %s", name, i+1, l)
			}
			for _, flag := range []string{"--chmod", "--link", "--mount", "--parents", "--exclude"} {
				if !strings.HasPrefix(l, "#") && strings.Contains(l, flag) {
					t.Errorf("%s line %d: %s needs BuildKit: %s", name, i+1, flag, l)
				}
			}
		}
	}
}

package scaffold

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"
	"go.yaml.in/yaml/v3"

	"prosody-wizard/config"
)

// proxiedHostIP is the host address compose publishes a container port on:
// Prosody's plain HTTP behind nginx or Caddy on the host's loopback only,
// everything else on every address.
func proxiedHostIP(a config.Answers, target int) string {
	if a.Proxied() && target == config.HTTPPort {
		return "127.0.0.1"
	}
	return ""
}

// proxyMeans checks what a config read as Prosody reads it says about the
// web side: behind a proxy, no HTTPS of Prosody's own, plain HTTP on the
// internal side, the proxy trusted, and every public URL the proxy's;
// without one, none of these options.
func proxyMeans(t *testing.T, a config.Answers, cfg map[string]map[string]any) {
	t.Helper()
	g := cfg["*"]
	if !a.Proxied() {
		for _, opt := range []string{"trusted_proxies", "http_interfaces", "http_ports"} {
			if _, set := g[opt]; set {
				t.Errorf("%s is set without a proxy", opt)
			}
		}
		return
	}
	if https, ok := g["https_ports"].(map[string]any); !ok || len(https) != 0 {
		t.Errorf("https_ports = %#v, want { } (Prosody serves no HTTPS behind a proxy)", g["https_ports"])
	}
	if got := strs(g["http_ports"]); len(got) != 0 || fmt.Sprint(g["http_ports"]) != "[5280]" {
		t.Errorf("http_ports = %v, want { 5280 }", g["http_ports"])
	}
	wantIf := []string{"127.0.0.1", "::1"}
	if a.Container() {
		wantIf = []string{"*"}
	}
	if got := strs(g["http_interfaces"]); !slices.Equal(got, wantIf) {
		t.Errorf("http_interfaces = %q, want %q", got, wantIf)
	}
	if got := strs(g["trusted_proxies"]); !slices.Contains(got, "127.0.0.1") {
		t.Errorf("trusted_proxies = %q lacks loopback, where nginx and Caddy connect from", got)
	}
	for _, opt := range []string{"consider_bosh_secure", "consider_websocket_secure"} {
		if _, set := g[opt]; set {
			t.Errorf("%s is set: a plain request that bypassed the proxy would count as encrypted", opt)
		}
	}
	port := ""
	if a.Ports.HTTPS != 443 {
		port = fmt.Sprintf(":%d", a.Ports.HTTPS)
	}
	if up := a.Components.Upload; up != "" {
		if got, want := cfg[up]["http_external_url"], "https://"+up+port+"/"; got != want {
			t.Errorf("upload http_external_url = %v, want the proxy's %s", got, want)
		}
	}
	mods := config.ChosenModules(a)
	web := slices.Contains(mods, "bosh") || slices.Contains(mods, "websocket")
	for _, d := range a.Domains {
		want := any(nil)
		if web {
			want = "https://" + config.ALabel(d) + port + "/"
		}
		if got := cfg[d]["http_external_url"]; got != want {
			t.Errorf("VirtualHost %s http_external_url = %v, want %v", d, got, want)
		}
	}
}

// proxyComposeMeans checks compose.yaml's side of proxy mode, as compose-go
// reads it: Traefik's labels and external network, and a certbot that
// binds port 80 only without a proxy (with one, it shares the proxy's
// webroot).
func proxyComposeMeans(t *testing.T, a config.Answers, project *types.Project) {
	t.Helper()
	svc := project.Services["prosody"]
	if a.Proxy.Kind == config.ProxyTraefik {
		net := a.Proxy.TraefikNetwork()
		if n, ok := project.Networks[net]; !ok || !bool(n.External) {
			t.Errorf("network %s is not declared external: %+v", net, project.Networks)
		}
		if _, ok := svc.Networks[net]; !ok {
			t.Errorf("prosody is not on Traefik's network %s: %v", net, svc.Networks)
		}
		if _, ok := svc.Networks["default"]; !ok {
			t.Errorf("prosody left the default network (its database is there): %v", svc.Networks)
		}
		router := strings.ReplaceAll(config.ALabel(a.Primary()), ".", "-") + "-prosody"
		want := map[string]string{
			"traefik.enable":         "true",
			"traefik.docker.network": net,
			"traefik.http.routers." + router + ".entrypoints":               a.Proxy.TraefikEntrypoint(),
			"traefik.http.routers." + router + ".tls":                       "true",
			"traefik.http.routers." + router + ".service":                   router,
			"traefik.http.services." + router + ".loadbalancer.server.port": "5280",
		}
		if a.Proxy.CertResolver != "" {
			want["traefik.http.routers."+router+".tls.certresolver"] = a.Proxy.CertResolver
		}
		for k, v := range want {
			if svc.Labels[k] != v {
				t.Errorf("label %s = %q, want %q", k, svc.Labels[k], v)
			}
		}
		checkTraefikRule(t, a, svc.Labels["traefik.http.routers."+router+".rule"])
		for k := range svc.Labels {
			if strings.Contains(k, ".middlewares") {
				t.Errorf("label %s: no middleware is needed (Traefik forwards the headers and the upgrade itself)", k)
			}
		}
	} else if len(svc.Labels) > 0 || len(svc.Networks) > 1 {
		t.Errorf("labels %v, networks %v without Traefik", svc.Labels, svc.Networks)
	}
	if a.TLS.Mode != config.TLSLetsEncrypt {
		return
	}
	certbot := project.Services["certbot"]
	webroot := slices.ContainsFunc(certbot.Volumes, func(v types.ServiceVolumeConfig) bool {
		return v.Source == acmeWebroot && v.Target == acmeWebroot
	})
	if a.Proxied() {
		if len(certbot.Ports) > 0 || !webroot {
			t.Errorf("behind a proxy certbot publishes %v (want nothing: the proxy holds port 80) and mounts the webroot: %v", certbot.Ports, webroot)
		}
	} else if len(certbot.Ports) != 1 || certbot.Ports[0].Published != "80" || webroot {
		t.Errorf("certbot publishes %v (want 80) and mounts a webroot: %v", certbot.Ports, webroot)
	}
}

// checkTraefikRule checks a router rule: each domain's web client paths
// (when bosh or websocket is on) and the upload host, and nothing else.
func checkTraefikRule(t *testing.T, a config.Answers, rule string) {
	t.Helper()
	var want []string
	mods := config.ChosenModules(a)
	for _, d := range a.Domains {
		for _, w := range webClientPaths {
			if slices.Contains(mods, w.module) {
				want = append(want, d+w.path)
			}
		}
	}
	if a.Components.Upload != "" {
		want = append(want, a.Components.Upload+"/")
	}
	// The rule as host+path pairs: Host(`h`) alone stands for h/.
	var got []string
	hostRe := regexp.MustCompile("Host\\(`([^`]+)`\\)( && \\(([^)]*\\)(?: \\|\\| [^)]*\\))*)\\))?")
	pathRe := regexp.MustCompile("PathPrefix\\(`([^`]+)`\\)")
	for _, m := range hostRe.FindAllStringSubmatch(rule, -1) {
		if m[3] == "" {
			got = append(got, m[1]+"/")
			continue
		}
		for _, p := range pathRe.FindAllStringSubmatch(m[3], -1) {
			got = append(got, m[1]+p[1])
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("rule %q routes %q, want %q", rule, got, want)
	}
}

// proxySnippets are the golden answers whose plan has a snippet of kind,
// with the snippet's bytes.
func proxySnippets(t *testing.T, kind string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, name := range goldenCases(t) {
		a, p := goldenPlan(t, name)
		if a.Proxy.Kind != kind || ProxySnippet(a) == "" {
			continue
		}
		f, ok := p.File(ProxySnippet(a))
		if !ok {
			t.Fatalf("%s: the plan has no %s", name, ProxySnippet(a))
		}
		out[name] = f.Data
	}
	if len(out) == 0 {
		t.Fatalf("no golden answers with a %s snippet", kind)
	}
	return out
}

// testCert writes a self-signed certificate and key for nginx to load.
func testCert(t *testing.T, dir string) (cert, key string) {
	t.Helper()
	cert, key = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	out, err := exec.Command(requireTool(t, "openssl"), "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
		"-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=proxy-test").CombinedOutput()
	if err != nil {
		t.Fatalf("openssl: %v\n%s", err, out)
	}
	return cert, key
}

var sslLines = regexp.MustCompile(`(?m)^(\s*ssl_certificate(?:_key)?) \S+;$`)

// nginxTest runs nginx -t on a main config that includes the snippet in
// its http block, as the snippet's comment says, with the certificate
// lines pointing at a test certificate (the only change: the real files
// exist only on a server).
func nginxTest(t *testing.T, snippet []byte) ([]byte, error) {
	t.Helper()
	nginx := requireTool(t, "nginx")
	dir := t.TempDir()
	cert, key := testCert(t, dir)
	snippet = sslLines.ReplaceAllFunc(snippet, func(line []byte) []byte {
		if bytes.Contains(line, []byte("ssl_certificate_key")) {
			return sslLines.ReplaceAll(line, []byte("$1 "+key+";"))
		}
		return sslLines.ReplaceAll(line, []byte("$1 "+cert+";"))
	})
	inc := filepath.Join(dir, "prosody.conf")
	main := filepath.Join(dir, "nginx.conf")
	must(t, os.WriteFile(inc, snippet, 0o644))
	must(t, os.WriteFile(main, fmt.Appendf(nil, "pid %s/nginx.pid;\nerror_log %s/error.log;\nevents {}\nhttp {\n\tinclude %s;\n}\n", dir, dir, inc), 0o644))
	return exec.Command(nginx, "-t", "-q", "-p", dir, "-e", filepath.Join(dir, "error.log"), "-c", main).CombinedOutput()
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestNginxAcceptsSnippets: Debian's nginx (nginx -t) accepts every golden
// nginx snippet, and the snippet forwards what Prosody needs: the Host and
// X-Forwarded-* headers everywhere, the WebSocket upgrade, a body limit
// as large as Prosody's upload limit, a long read timeout for BOSH.
func TestNginxAcceptsSnippets(t *testing.T) {
	for name, snippet := range proxySnippets(t, config.ProxyNginx) {
		t.Run(name, func(t *testing.T) {
			if out, err := nginxTest(t, snippet); err != nil {
				t.Fatalf("nginx -t: %v\n%s", err, out)
			}
			for _, loc := range nginxLocations(snippet) {
				for _, want := range []string{"proxy_pass http://127.0.0.1:5280;", "proxy_set_header Host $host;",
					"proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;", "proxy_set_header X-Forwarded-Proto https;"} {
					if !strings.Contains(loc.body, want) {
						t.Errorf("location %s lacks %q", loc.path, want)
					}
				}
				switch loc.path {
				case WebSocketPath:
					for _, want := range []string{"proxy_http_version 1.1;", "proxy_set_header Upgrade $http_upgrade;", `proxy_set_header Connection "upgrade";`} {
						if !strings.Contains(loc.body, want) {
							t.Errorf("WebSocket location lacks %q", want)
						}
					}
				case "/http-bind":
					if !strings.Contains(loc.body, "proxy_read_timeout 180s;") {
						t.Errorf("BOSH location has nginx's 60 s read timeout, shorter than bosh_max_wait")
					}
				}
			}
			if !bytes.Contains(snippet, fmt.Appendf(nil, "client_max_body_size %d;", uploadSizeLimit)) {
				t.Errorf("no client_max_body_size matching http_file_share_size_limit %d", uploadSizeLimit)
			}
		})
	}
}

// TestNginxCatchesBrokenSnippet: the nginx check fails on a snippet that
// is not nginx's language, so its passing means something.
func TestNginxCatchesBrokenSnippet(t *testing.T) {
	for _, snippet := range proxySnippets(t, config.ProxyNginx) {
		broken := bytes.Replace(snippet, []byte("proxy_http_version 1.1;"), []byte("proxy_http_version 1.1"), 1)
		if out, err := nginxTest(t, broken); err == nil {
			t.Fatalf("nginx -t accepted a directive without its semicolon:\n%s", out)
		}
		return
	}
}

type nginxLocation struct{ path, body string }

// nginxLocations are the snippet's location blocks that proxy to Prosody.
func nginxLocations(snippet []byte) []nginxLocation {
	var out []nginxLocation
	re := regexp.MustCompile(`(?s)location (\S+) \{(.*?)\n\t\}`)
	for _, m := range re.FindAllSubmatch(snippet, -1) {
		if bytes.Contains(m[2], []byte("proxy_pass")) {
			out = append(out, nginxLocation{string(m[1]), string(m[2])})
		}
	}
	return out
}

// caddy runs Debian's caddy on a top-level Caddyfile that imports the
// snippet, as the snippet's comment says, with Caddy's admin endpoint off
// and its storage in a temporary folder.
func caddy(t *testing.T, verb string, snippet []byte) ([]byte, error) {
	t.Helper()
	bin := requireTool(t, "caddy")
	dir := t.TempDir()
	inc := filepath.Join(dir, "prosody.caddy")
	main := filepath.Join(dir, "Caddyfile")
	must(t, os.WriteFile(inc, snippet, 0o644))
	must(t, os.WriteFile(main, fmt.Appendf(nil, "{\n\tadmin off\n\tstorage file_system %s\n}\nimport %s\n", filepath.Join(dir, "storage"), inc), 0o644))
	cmd := exec.Command(bin, verb, "--config", main, "--adapter", "caddyfile")
	cmd.Env = append(os.Environ(), "HOME="+dir, "XDG_DATA_HOME="+dir, "XDG_CONFIG_HOME="+dir)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if err != nil {
		return stderr.Bytes(), err
	}
	return stdout.Bytes(), nil
}

// TestCaddyAcceptsSnippets: Debian's caddy validates every golden Caddy
// snippet, and its JSON form (caddy adapt) sends each site to Prosody's
// plain HTTP, the upload host with a body limit as large as Prosody's.
func TestCaddyAcceptsSnippets(t *testing.T) {
	for name, snippet := range proxySnippets(t, config.ProxyCaddy) {
		t.Run(name, func(t *testing.T) {
			if out, err := caddy(t, "validate", snippet); err != nil {
				t.Fatalf("caddy validate: %v\n%s", err, out)
			}
			out, err := caddy(t, "adapt", snippet)
			if err != nil {
				t.Fatalf("caddy adapt: %v\n%s", err, out)
			}
			var cfg any
			if err := json.Unmarshal(out, &cfg); err != nil {
				t.Fatalf("caddy adapt printed no JSON: %v\n%s", err, out)
			}
			var dials []string
			var maxSizes []float64
			walkJSON(cfg, func(m map[string]any) {
				switch m["handler"] {
				case "reverse_proxy":
					for _, u := range m["upstreams"].([]any) {
						dials = append(dials, u.(map[string]any)["dial"].(string))
					}
				case "request_body":
					maxSizes = append(maxSizes, m["max_size"].(float64))
				}
			})
			if len(dials) == 0 || slices.ContainsFunc(dials, func(d string) bool { return d != "127.0.0.1:5280" }) {
				t.Errorf("reverse_proxy upstreams %q, want 127.0.0.1:5280 only", dials)
			}
			if !slices.Equal(maxSizes, []float64{uploadSizeLimit}) {
				t.Errorf("request_body max_size %v, want one of %d (http_file_share_size_limit)", maxSizes, uploadSizeLimit)
			}
		})
	}
}

// TestCaddyCatchesBrokenSnippet: the Caddy check fails on a snippet Caddy
// does not take.
func TestCaddyCatchesBrokenSnippet(t *testing.T) {
	for _, snippet := range proxySnippets(t, config.ProxyCaddy) {
		broken := bytes.Replace(snippet, []byte("\treverse_proxy "), []byte("\treverse_proxxy "), 1)
		if out, err := caddy(t, "validate", broken); err == nil {
			t.Fatalf("caddy validate accepted an unknown directive:\n%s", out)
		}
		return
	}
}

func walkJSON(v any, visit func(map[string]any)) {
	switch x := v.(type) {
	case map[string]any:
		visit(x)
		for _, c := range x {
			walkJSON(c, visit)
		}
	case []any:
		for _, c := range x {
			walkJSON(c, visit)
		}
	}
}

// TestTraefikFileSnippet reads a host install's Traefik file-provider
// configuration as YAML: one router with the rule, entry point and TLS,
// and its service at Prosody's plain HTTP on loopback.
func TestTraefikFileSnippet(t *testing.T) {
	for name, snippet := range proxySnippets(t, config.ProxyTraefik) {
		t.Run(name, func(t *testing.T) {
			a, _ := goldenPlan(t, name)
			var doc struct {
				HTTP struct {
					Routers map[string]struct {
						Rule        string         `yaml:"rule"`
						EntryPoints []string       `yaml:"entryPoints"`
						Service     string         `yaml:"service"`
						TLS         map[string]any `yaml:"tls"`
						Middlewares []string       `yaml:"middlewares"`
					} `yaml:"routers"`
					Services map[string]struct {
						LoadBalancer struct {
							Servers []struct {
								URL string `yaml:"url"`
							} `yaml:"servers"`
						} `yaml:"loadBalancer"`
					} `yaml:"services"`
				} `yaml:"http"`
			}
			dec := yaml.NewDecoder(bytes.NewReader(snippet))
			dec.KnownFields(true)
			if err := dec.Decode(&doc); err != nil {
				t.Fatalf("not Traefik's dynamic configuration: %v", err)
			}
			if len(doc.HTTP.Routers) != 1 || len(doc.HTTP.Services) != 1 {
				t.Fatalf("routers %v services %v, want one of each", doc.HTTP.Routers, doc.HTTP.Services)
			}
			for _, r := range doc.HTTP.Routers {
				checkTraefikRule(t, a, r.Rule)
				if !slices.Equal(r.EntryPoints, []string{a.Proxy.TraefikEntrypoint()}) || r.TLS == nil || len(r.Middlewares) > 0 {
					t.Errorf("router %+v: want entry point %s, TLS, no middleware", r, a.Proxy.TraefikEntrypoint())
				}
				svc, ok := doc.HTTP.Services[r.Service]
				if !ok || len(svc.LoadBalancer.Servers) != 1 || svc.LoadBalancer.Servers[0].URL != "http://127.0.0.1:5280" {
					t.Errorf("service %s = %+v, want http://127.0.0.1:5280", r.Service, svc)
				}
			}
		})
	}
}

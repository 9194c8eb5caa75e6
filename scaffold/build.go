package scaffold

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"

	"prosody-wizard/config"
)

// NewPlan computes every file of the resolved setup (see config.Resolve),
// with its bytes, mode and owner. It writes nothing, and does not validate
// the answers again; the problems it returns are its own (a name too long
// for a file, a certificate that does not read). in.Owner must already be
// resolved (see ResolveOwner).
func NewPlan(cfg config.Setup, in Inputs) (Plan, error) {
	if len(cfg.Hosts) == 0 {
		return Plan{}, errors.New("scaffold: the setup is not resolved (see config.Resolve)")
	}
	a := cfg.Answers
	if problems := certNameProblems(cfg.DomainHosts()); len(problems) > 0 {
		return Plan{}, problems
	}
	if in.Owner.UID < 0 || in.Owner.GID < 0 {
		return Plan{}, fmt.Errorf("scaffold: owner %d:%d is not resolved", in.Owner.UID, in.Owner.GID)
	}
	// The secrets an earlier run left, read once: kept when the answers
	// give none, and masked wherever they show (knownSecrets).
	oldPassword := existingSecret(in.Existing, a, dbPasswordEnv, cfgPassword)
	oldTURNSecret := existingSecret(in.Existing, a, turnSecretEnv, cfgTURNSecret)
	password := a.Database.Password
	if cfg.Driver.Network && password == "" {
		password = oldPassword
	}
	if cfg.Driver.Network && password == "" {
		password = in.Generated.secret("database.password")
	}
	turnSecret := a.TURN.Secret
	if a.TURN.Host != "" && turnSecret == "" {
		turnSecret = oldTURNSecret
	}
	if a.TURN.Host != "" && turnSecret == "" {
		turnSecret = in.Generated.secret("turn.secret")
	}
	s := newSetup(cfg, in, password, turnSecret)
	var pair keyPair
	var err error
	certDir := path.Join(path.Dir(ConfigPath(a)), "certs")
	switch {
	case cfg.Kubernetes():
		// cert-manager makes the certificate in the cluster.
	case a.TLS.Mode == config.TLSExisting:
		pair, err = existingPair(in.Source, a.TLS, in.Now)
	default:
		pair, err = reusablePair(in.Existing, certDir, s.CertName, s.CertHosts(), in.Now)
	}
	if err != nil {
		return Plan{}, err
	}

	var p Plan
	if prev, ok := previousSetup(in.Existing, a); ok {
		if mv, ok := storageMove(prev, s); ok {
			s.Move = &mv
		}
		if t, ok := transition(prev, s); ok {
			s.Transition, p.Transition = &t, &t
		}
	}
	// The notes come first: a host install writes them into a file too.
	p.NextSteps, p.Warnings = notes(s)
	if p.Transition != nil {
		p.NextSteps = withTransition(*p.Transition, p.NextSteps)
	}
	if pair.leaf != nil {
		p.Warnings = append(coverageWarnings(pair.leaf, s.Hosts, in.Now), p.Warnings...)
	}
	p.DNS = s.DNSRecords()
	if cfg.Kubernetes() {
		var warn []string
		s.localFiles, warn = localConfigFiles(in.Existing)
		p.Warnings = append(p.Warnings, warn...)
	}
	s.NextSteps, s.Warnings = p.NextSteps, p.Warnings
	switch {
	case s.Kubernetes():
		kubernetesFiles(&p, s)
	case s.Compose():
		composeFiles(&p, s, pair)
	default:
		hostFiles(&p, s, pair)
	}
	p.sortFiles()
	p.Secrets = knownSecrets(password, turnSecret, oldPassword, oldTURNSecret)
	p.OwnerNote = in.OwnerNote
	return p, nil
}

// certNameProblems names the domains too long to name files after:
// certificate files carry the primary domain's name and every
// internationalised domain's (see certFiles), and with the longest suffix
// Apply adds (a backup's) a file name may have 255 bytes.
func certNameProblems(domains []config.Host) config.Problems {
	const most = nameMax - len(".crt") - backupSuffixMax
	var p config.Problems
	for i, d := range domains {
		if i > 0 && !d.IDN() {
			continue // no file carries its name
		}
		if len(d.Name) > most {
			p = append(p, config.Problem{Field: d.Field, Message: fmt.Sprintf(
				"is %d bytes long; certificate files are named after it, and a file name (with its backup suffix) may have at most %d bytes: use a domain of at most %d bytes",
				len(d.Name), nameMax, most)})
		}
	}
	return p
}

// composeFiles lays out the starter repo; everything belongs to the owner
// the container runs as.
func composeFiles(p *Plan, s *setup, pair keyPair) {
	u, g := s.UID, s.GID
	p.dir(".", 0o755, u, g)
	p.file("compose.yaml", 0o644, u, g, render("compose.yaml", s))
	p.file("Dockerfile", 0o644, u, g, render("Dockerfile", s))
	p.file("healthcheck.sh", 0o755, u, g, render("healthcheck.sh", s))
	p.file("README.md", 0o644, u, g, render("README.md", s))
	p.file("dns.zone", 0o644, u, g, render("dns.zone", s))
	proxySnippet(p, s, u, g)
	if s.Answers.TLS.Mode == config.TLSLetsEncrypt {
		p.file("certbot.sh", 0o755, u, g, render("certbot.sh", s))
		p.file("certbot-deploy-hook.sh", 0o755, u, g, render("certbot-deploy-hook.sh", s))
		p.dir("letsencrypt", 0o700, u, g)
	}
	p.file(".gitignore", 0o644, u, g, render("gitignore", s))
	p.file(".dockerignore", 0o644, u, g, render("dockerignore", s))
	env := render("env", s)
	p.add(File{Path: ".env", Mode: 0o600, UID: u, GID: g, Data: env.data, Marks: env.marks, Secret: s.Driver.Network || s.Answers.TURN.Host != ""})
	p.file("answers.yaml", 0o644, u, g, text{data: config.Marshal(withoutSecrets(s.Answers))})
	p.dir(composeConfigDir, 0o750, u, g)
	p.file(path.Join(composeConfigDir, "prosody.cfg.lua"), 0o640, u, g, render("prosody.cfg.lua", s))
	ownConfig(p, s, composeConfigDir, u, g)
	migratorConfig(p, s, 0o600, u, g)
	if s.Answers.TURN.Host != "" {
		p.dir("coturn", 0o750, u, g)
		p.file("coturn/turnserver.conf", 0o640, u, g, render("turnserver.conf", s))
	}
	certs := path.Join(composeConfigDir, "certs")
	p.dir(certs, 0o750, u, g)
	addCerts(p, certs, s, pair, u, g, 0o600)
	p.add(File{Path: composeDataDir, Mode: dirMode(0o750), UID: u, GID: g, Preserve: true})
}

// hostFiles lays out Debian's layout: config and certificates belong to
// root with the prosody group, the data folder to prosody.
func hostFiles(p *Plan, s *setup, pair keyPair) {
	pu, pg := s.UID, s.GID
	p.dir(hostConfigDir, 0o755, 0, 0)
	cfg := render("prosody.cfg.lua", s)
	p.add(File{Path: path.Join(hostConfigDir, "prosody.cfg.lua"), Mode: hostSecretMode, UID: 0, GID: pg, Data: cfg.data, Marks: cfg.marks,
		Secret: s.Driver.Network || s.Answers.TURN.Host != ""}) // passwords are in the file
	// The notes the summary prints, kept beside the config: the database
	// step's command holds the password, and then the file is kept like
	// the config.
	notes := File{Path: path.Join(hostConfigDir, hostNotesFile), Mode: 0o644, Data: render("host-next-steps.md", s).data}
	if s.Driver.Network {
		notes.Mode, notes.GID, notes.Secret = hostSecretMode, pg, true
	}
	p.add(notes)
	p.NotesFile = notes.Path
	p.file(path.Join(hostConfigDir, "dns.zone"), 0o644, 0, 0, render("dns.zone", s))
	p.file(path.Join(hostConfigDir, "answers.yaml"), 0o600, 0, 0, text{data: config.Marshal(withoutSecrets(s.Answers))})
	ownConfig(p, s, hostConfigDir, 0, pg)
	migratorConfig(p, s, hostSecretMode, 0, pg)
	proxySnippet(p, s, 0, 0)
	certs := path.Join(hostConfigDir, "certs")
	p.dir(certs, 0o750, 0, pg)
	addCerts(p, certs, s, pair, 0, pg, 0o640)
	if s.Answers.TLS.Mode == config.TLSLetsEncrypt {
		p.file(hostDeployHook, 0o755, 0, 0, render("host-deploy-hook", s))
	}
	if s.Answers.TURN.Host != "" {
		// coturn's config holds the secret shared with Prosody: kept like
		// prosody.cfg.lua; the drop-in hands coturn a copy.
		turn := render("turnserver.conf", s)
		p.add(File{Path: hostTURNConfig, Mode: hostSecretMode, UID: 0, GID: pg, Data: turn.data, Secret: true})
		p.file(hostTURNDropIn, 0o644, 0, 0, render("coturn-dropin.conf", s))
	}
	p.add(File{Path: hostDataDir, Mode: dirMode(0o750), UID: pu, GID: pg, Preserve: true})
}

// ownConfig adds the folder of the person's own config files, which
// prosody.cfg.lua includes last, and its example. The folder is the
// config's (its mode and owner are set like certs/); the example is
// preserved: made when missing, never replaced, whatever the person did to
// it (see File.Preserve). Their other files there are not in the plan at
// all, so nothing ever reads or touches them.
func ownConfig(p *Plan, s *setup, configDir string, uid, gid int) {
	dir := path.Join(configDir, OwnConfigDir)
	p.dir(dir, 0o750, uid, gid)
	ex := render("own-config-example.cfg.lua", s)
	p.add(File{Path: path.Join(dir, ownConfigExample), Mode: 0o640, UID: uid, GID: gid, Data: ex.data, Preserve: true})
}

// migratorConfig adds prosody-migrator's configuration for a storage
// move (see StorageMove), readable by the user prosody runs as; it holds
// the database password when the data moves to a server.
func migratorConfig(p *Plan, s *setup, mode fs.FileMode, uid, gid int) {
	if s.Move == nil || s.Kubernetes() {
		return
	}
	p.add(File{Path: migratorPath(s.Answers), Mode: mode, UID: uid, GID: gid,
		Data: render("migrate-storage.cfg.lua", s).data, Secret: s.Move.To.Network})
}

func addCerts(p *Plan, dir string, s *setup, pair keyPair, uid, gid int, keyMode uint32) {
	files := certFiles(s, pair)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		f := File{Path: path.Join(dir, n), Mode: 0o640, UID: uid, GID: gid, Data: files[n]}
		if path.Ext(n) == ".key" {
			f.Mode = fileMode(keyMode)
			f.Secret, f.First = true, true
		}
		p.add(f)
	}
}

// withoutSecrets is the answers as saved beside the setup: no password.
func withoutSecrets(a config.Answers) config.Answers {
	a.Database.Password = ""
	a.TURN.Secret = ""
	return a
}

// notes are the next steps and warnings printed after writing.
func notes(s *setup) (next, warn []string) {
	account := FirstAccount(s.Setup)
	if s.Kubernetes() {
		if s.Transition == nil {
			next = append(next, kubernetesNotes(s)...)
		}
		warn = append(warn, kubernetesWarnings(s)...)
	} else if s.Compose() {
		if s.Transition == nil { // else its steps start it
			next = append(next, "cd into the output folder and start: docker compose up -d --build")
		}
		next = append(next, "watch it start: docker compose logs -f prosody")
	} else {
		if s.Driver.Package != "" {
			next = append(next, "install the LuaDBI driver: "+ShellCommand("apt-get", "install", s.Driver.Package))
		}
		if step := databaseStep(s); step != "" {
			next = append(next, step)
		}
		next = append(next,
			"check the config: prosodyctl check config",
			"restart Prosody: systemctl restart prosody",
		)
		for _, m := range s.Modules.Global {
			if m.In[s.Series()] == config.Community {
				warn = append(warn, fmt.Sprintf("module %s comes from Debian's prosody-modules package: apt-get install prosody-modules", m.Name))
			}
		}
	}
	if s.Transition == nil {
		// A setup that runs already has its admin (and a transition keeps
		// the accounts).
		next = append(next, account.Step())
	}
	if s.Answers.Registration == config.RegistrationInvite {
		next = append(next, inviteStep(s, account))
	}
	warn = append(warn, adminWarnings(s, account)...)
	for _, d := range s.Answers.Domains {
		// Prosody's check config gives the same advice.
		if label, rest, _ := strings.Cut(d, "."); slices.Contains([]string{"xmpp", "jabber", "chat", "im"}, label) {
			warn = append(warn, fmt.Sprintf("%s: if it has no users yet, consider %s as the domain, with SRV records pointing at this server (https://prosody.im/doc/dns)", d, rest))
		}
	}
	for _, p := range s.Ports {
		if !p.Internal && !s.Kubernetes() { // the Service opens them
			warn = append(warn, fmt.Sprintf("open port %d/tcp: %s", p.Number, p.Label))
		}
	}
	next, warn = proxyNotes(s, next, warn)
	if s.Answers.TURN.Host != "" && !s.Kubernetes() {
		warn = append(warn, fmt.Sprintf("open port %d/udp and /tcp and the UDP range %s: TURN for calls", s.Answers.TURN.Port, s.TURNRelay()))
		if !s.Compose() {
			next = append(next, turnSteps(s)...)
			warn = append(warn, fmt.Sprintf("coturn already serving something else here? The drop-in makes it read /%s instead of /etc/turnserver.conf; to keep yours, copy the realm, use-auth-secret and static-auth-secret lines into it and delete /%s (each prosody-wizard run writes it again)", hostTURNConfig, hostTURNDropIn))
		}
	}
	if s.Contact() && len(s.Answers.Contact.Abuse) == 0 {
		warn = append(warn, "no abuse address (contact.abuse): other servers' admins and the compliance testers look for one (XEP-0157); add a mailto:, xmpp: or https: address")
	}
	warn = append(warn, "create the DNS records below (SRV records let clients and servers find you)")
	switch {
	case s.Kubernetes():
		// kubernetesWarnings says it.
	case s.Answers.TLS.Mode == config.TLSSelfSigned:
		warn = append(warn, "the certificate is self-signed: clients will ask to trust it, and other servers may refuse to federate")
	case s.Answers.TLS.Mode == config.TLSLetsEncrypt:
		if s.Proxied() {
			warn = append(warn, fmt.Sprintf("Let's Encrypt checks port 80 (HTTP-01), where %s serves certbot's challenge files from %s (the snippet's port-80 block); until the first certificate arrives, prosody serves a self-signed placeholder", s.ProxyLabel(), acmeWebroot))
		} else {
			warn = append(warn, "open port 80/tcp: Let's Encrypt checks it (HTTP-01); until the first certificate arrives, prosody serves a self-signed placeholder")
		}
		if !s.Compose() {
			next = append(next, "get the first certificate (certbot runs the deploy hook, which imports it into Prosody, now and after every renewal): "+ShellCommand(firstCertificate(s)...))
		}
	}
	// Where the person's own settings go, and the check after a change
	// (a next step ends with one command).
	own, check := path.Join(composeConfigDir, OwnConfigDir), "docker compose exec prosody prosodyctl check config"
	where := "see " + ownConfigExample + " there; read last, never changed by prosody-wizard"
	if s.Kubernetes() {
		where += "; each is listed in kustomization.yaml, then kubectl apply -k ."
		check = s.OwnConfigCheck()
	} else if !s.Compose() {
		own, check = path.Join(etcProsody, OwnConfigDir), "prosodyctl check config"
	}
	next = append(next, "settings of your own go in "+own+"/*.cfg.lua ("+where+"), checked with: "+check)
	return next, warn
}

// turnSteps run coturn on a host with the config written for it: Debian's
// package, whose service the drop-in points at that config, then the
// reload and restart that apply the drop-in when coturn was there before
// (a next step has one command).
func turnSteps(s *setup) []string {
	return []string{
		fmt.Sprintf("install coturn, the TURN server for calls on %s:%d (Debian's service runs it with /%s, through /%s)",
			s.TURNHost, s.Answers.TURN.Port, hostTURNConfig, hostTURNDropIn) + ": " + ShellCommand("apt-get", "install", "coturn"),
		"have systemd read the drop-in (needed when coturn was installed before): systemctl daemon-reload",
		"start coturn with that config: systemctl restart coturn",
	}
}

// firstCertificate is the certbot command that gets a host's first
// certificate. certbot runs the hooks in renewal-hooks/deploy only when it
// renews (certbot renew), not for certonly: without --deploy-hook Prosody
// would keep the self-signed placeholder until the first renewal, some 60
// days on (seen with Debian's certbot 2.1 against Pebble). --deploy-hook
// names the same hook, so one script imports every certificate: certbot
// runs it for this one, and stores it in the lineage's renewal
// configuration (renew_hook), where certbot renew, finding it also in
// renewal-hooks/deploy, runs it once ("Skipping deploy-hook … as it was
// already run"; the end-to-end suite counts the runs). A second command
// (prosodyctl --root cert import) would work as well, but could be
// forgotten, and would import outside the hook that renewals use.
// sudo: certbot --standalone binds port 80 and writes /etc/letsencrypt.
func firstCertificate(s *setup) []string {
	how := []string{"--standalone"}
	if s.Proxied() {
		// The proxy holds port 80 and serves the webroot's files.
		how = []string{"--webroot", "-w", acmeWebroot}
	}
	cmd := append([]string{"sudo", "certbot", "certonly"}, how...)
	cmd = append(cmd, "-m", s.Answers.TLS.Email, "--agree-tos",
		"--deploy-hook", "/"+hostDeployHook)
	for _, h := range s.CertHosts() {
		cmd = append(cmd, "-d", h)
	}
	return cmd
}

package ui

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"

	"charm.land/huh/v2"

	"prosody-wizard/config"
)

// draft is what the form fields bind to: the answers as text, as a person
// types them. toAnswers turns it into config.Answers; fromAnswers fills it
// from answers (defaults, or a saved answers.yaml being edited).
type draft struct {
	Series       string
	Deploy       string
	Primary      string
	MoreDomains  string // space or comma separated
	Admins       string // space or comma separated
	Registration string
	Federation   bool
	// Abuse is contact.abuse, the addresses to report abuse to, space
	// separated; it follows the admins while it is their default.
	Abuse string

	TLSMode, Cert, Key, Email string

	Driver, DBHost, DBPort, DBName, DBUser, DBPassword string

	// Enable and Disable are the person's module choices, as in the answers:
	// differences from the recommended set, which itself follows other
	// answers (TURN, registration, federation…).
	Enable, Disable []string
	// Modules is the modules page's selection, derived from the above when
	// the page is built and turned back into them by applySelection.
	Modules []string
	// Needed names, for each module the selection needs, the modules that
	// need it (requiredModules); selectModules and toggleModule keep it
	// in step with Modules.
	Needed map[string][]string

	MUC, Upload, Proxy65, TURN string

	// ProxyKind is the reverse proxy in front of the web side
	// (config.ProxyNone for none); asked only while HTTPSOn.
	ProxyKind string
	// HTTPSOn: the answers serve something over HTTP(S) (ports.https is
	// not 0), which a reverse proxy may front.
	HTTPSOn bool

	// The answers of deploy: kubernetes (config.Kubernetes), asked only
	// for a cluster; "" keeps the default.
	KubeImage, KubeNamespace, KubeService, KubeStorageClass string
	KubeIngress                                             bool
	KubeIngressClass                                        string

	Out      string
	UID, GID string // "" = choose automatically

	Confirm bool

	// accessible: the draft is filled by line prompts, where an empty line
	// keeps the current value and "-" clears an optional one.
	accessible bool
	// seenPrimary, seenDeploy, seenAdmins and seenTURN are the values
	// follow last saw.
	seenPrimary, seenDeploy, seenAdmins, seenTURN string
	// turnDropped: follow emptied the suggested TURN host when the
	// deployment became a cluster (see follow).
	turnDropped bool
	// shown are the inputs of the page on screen that follow may change
	// (see followed).
	shown []followedInput
}

// none is what a person types in accessible mode to clear a field.
const none = "-"

// opt reads an optional field: "-" means empty.
func opt(s string) string {
	s = strings.TrimSpace(s)
	if s == none {
		return ""
	}
	return s
}

func fromAnswers(a config.Answers, out string) *draft {
	d := &draft{
		Series:       string(a.Prosody),
		Deploy:       a.Deploy,
		Primary:      a.Primary(),
		Admins:       strings.Join(a.Admins, " "),
		Abuse:        strings.Join(a.Contact.Abuse, " "),
		Registration: a.Registration,
		Federation:   a.Federation,
		TLSMode:      a.TLS.Mode,
		Cert:         a.TLS.Cert,
		Key:          a.TLS.Key,
		Email:        a.TLS.Email,
		Driver:       a.Database.Driver,
		DBHost:       a.Database.Host,
		DBName:       a.Database.Name,
		DBUser:       a.Database.User,
		DBPassword:   a.Database.Password,
		MUC:          a.Components.MUC,
		Upload:       a.Components.Upload,
		Proxy65:      a.Components.Proxy65,
		TURN:         a.TURN.Host,
		ProxyKind:    config.ProxyNone,
		HTTPSOn:      a.Ports.HTTPS != 0,
		Out:          out,

		KubeImage:        a.Kubernetes.Image,
		KubeNamespace:    a.Kubernetes.Namespace,
		KubeService:      a.KubeService(),
		KubeStorageClass: a.Kubernetes.StorageClass,
		KubeIngress:      a.Kubernetes.Ingress,
		KubeIngressClass: a.Kubernetes.IngressClass,
	}
	// A cluster's Ingress counts as a proxy (Proxied) but is no proxy.kind.
	if a.Proxied() && a.Proxy.Kind != "" {
		d.ProxyKind = a.Proxy.Kind
	}
	if len(a.Domains) > 1 {
		d.MoreDomains = strings.Join(a.Domains[1:], " ")
	}
	if a.Database.Port != 0 {
		d.DBPort = strconv.Itoa(a.Database.Port)
	}
	if a.Owner.UID >= 0 {
		d.UID, d.GID = strconv.Itoa(a.Owner.UID), strconv.Itoa(a.Owner.GID)
	}
	d.seenPrimary, d.seenDeploy, d.seenAdmins, d.seenTURN = d.Primary, d.Deploy, d.Admins, d.TURN
	d.Enable = append([]string{}, a.Modules.Enable...)
	d.Disable = append([]string{}, a.Modules.Disable...)
	return d
}

// words splits a list typed with spaces or commas (never nil, so that an
// empty list equals the one an answers file gives).
func words(s string) []string {
	return append([]string{}, strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' })...)
}

// domains are the domains given, the primary first, as typed.
func (d *draft) domains() []string {
	if strings.TrimSpace(d.Primary) == "" {
		return words(opt(d.MoreDomains))
	}
	return append([]string{strings.TrimSpace(d.Primary)}, words(opt(d.MoreDomains))...)
}

// toAnswers applies the draft to base (which keeps what the wizard does not
// ask, such as ports) and normalises the result.
func (d *draft) toAnswers(base config.Answers) config.Answers {
	a := base
	a.Prosody = config.Series(d.Series)
	a.Deploy = d.Deploy
	a.Domains = d.domains()
	a.Admins = words(opt(d.Admins))
	// The wizard asks for the abuse address; the operators' (admin)
	// follow the admins while they are the default for the admins before.
	a.Contact = base.Contact
	a.Contact.Abuse = words(opt(d.Abuse))
	old := base
	old.Normalize()
	if slices.Equal(old.Contact.Admin, config.DefaultContact(old.Admins).Admin) {
		a.Contact.Admin = contactAdmins(a.Admins)
	}
	a.Registration = d.Registration
	a.Federation = d.Federation
	a.TLS = config.TLS{Mode: d.TLSMode}
	switch d.TLSMode {
	case config.TLSExisting:
		a.TLS.Cert, a.TLS.Key = strings.TrimSpace(d.Cert), strings.TrimSpace(d.Key)
	case config.TLSLetsEncrypt:
		a.TLS.Email = strings.TrimSpace(d.Email)
	}
	a.Database = config.Database{Driver: d.Driver, Name: base.Database.Name, User: base.Database.User}
	if d.Driver != config.DriverInternal {
		a.Database.Name = strings.TrimSpace(d.DBName)
	}
	if d.networkDriver() {
		a.Database.Host = opt(d.DBHost)
		a.Database.Port, _ = strconv.Atoi(opt(d.DBPort))
		a.Database.User = strings.TrimSpace(d.DBUser)
		// A password is carried as typed, spaces included; only the
		// accessible prompts' "-" clears it.
		a.Database.Password = d.DBPassword
		if d.accessible && d.DBPassword == none {
			a.Database.Password = ""
		}
	}
	a.Components = config.Components{MUC: opt(d.MUC), Upload: opt(d.Upload), Proxy65: opt(d.Proxy65)}
	a.TURN.Host = opt(d.TURN)
	d.applyProxy(&a, base)
	d.applyKubernetes(&a, base)
	a.Owner = config.Owner{UID: -1, GID: -1}
	if uid, err := strconv.Atoi(opt(d.UID)); err == nil {
		a.Owner.UID = uid
	}
	if gid, err := strconv.Atoi(opt(d.GID)); err == nil {
		a.Owner.GID = gid
	}
	a.Normalize()
	// The module choices, kept only where they still differ from what is
	// recommended for these answers.
	rec := config.Recommended(a)
	a.Modules = config.Modules{Enable: []string{}, Disable: []string{}}
	for _, m := range d.Disable {
		if slices.Contains(rec, m) {
			a.Modules.Disable = append(a.Modules.Disable, m)
		}
	}
	for _, m := range d.Enable {
		if !slices.Contains(rec, m) {
			a.Modules.Enable = append(a.Modules.Enable, m)
		}
	}
	return a
}

// selectModules fills the modules page's selection from the choices.
func (d *draft) selectModules(base config.Answers) {
	d.Modules = config.ChosenModules(d.toAnswers(base))
	d.Needed = d.requiredModules(base)
}

// applySelection turns the modules page's selection back into choices:
// what differs from the recommended set for the other answers.
func (d *draft) applySelection(base config.Answers) {
	a := d.toAnswers(base)
	rec := config.Recommended(a)
	choosable := choosableNames()[a.Prosody]
	d.Enable, d.Disable = []string{}, []string{}
	for _, m := range rec {
		if !slices.Contains(d.Modules, m) && choosable[m] {
			d.Disable = append(d.Disable, m)
		}
	}
	for _, m := range d.Modules {
		if !slices.Contains(rec, m) {
			d.Enable = append(d.Enable, m)
		}
	}
}

// choosableNames holds, per series, the names of the modules a person may
// choose (config's Choosable, which sorts the catalog: worked out once,
// not on every tick of a module).
var choosableNames = sync.OnceValue(func() map[config.Series]map[string]bool {
	names := map[config.Series]map[string]bool{}
	for _, s := range config.AllSeries {
		names[s] = map[string]bool{}
		for _, m := range config.Catalog().Choosable(s) {
			names[s][m.Name] = true
		}
	}
	return names
})

// requiredModules names, for each module the chosen ones need (their
// Depends, through config.ResolveModules, transitively), the modules of
// the set that need it. The resolver adds such a module whatever the
// selection says, so the modules page shows it ticked and will not untick
// it while it is needed.
func (d *draft) requiredModules(base config.Answers) map[string][]string {
	set, _ := config.ResolveModules(d.toAnswers(base))
	needed := map[string][]string{}
	for _, m := range set.Global {
		for _, dep := range m.Depends {
			if !slices.Contains(needed[dep], m.Name) {
				needed[dep] = append(needed[dep], m.Name)
			}
		}
	}
	return needed
}

// toggleModule ticks or unticks one module of the modules page's
// selection and turns the selection into choices (applySelection). A
// module the selection needs (Needed) stays: toggleModule reports false
// and changes nothing. Ticking a module that needs a recommended module
// unticked before ticks that one again, since the resolver refuses to
// leave out a module another needs; a needed module that is not
// recommended stays out of the selection (the resolver adds it), so the
// answers are what they would be without it.
func (d *draft) toggleModule(name string, base config.Answers) bool {
	if len(d.Needed[name]) > 0 {
		return false
	}
	if i := slices.Index(d.Modules, name); i >= 0 {
		d.Modules = slices.Delete(slices.Clone(d.Modules), i, i+1)
	} else {
		d.Modules = append(slices.Clone(d.Modules), name)
	}
	d.applySelection(base)
	// Each round brings back the recommended modules needed by those
	// brought back the round before.
	for range len(config.Catalog()) {
		d.Needed = d.requiredModules(base)
		var missing []string
		for _, dep := range slices.Sorted(maps.Keys(d.Needed)) {
			if !slices.Contains(d.Modules, dep) {
				missing = append(missing, dep)
			}
		}
		if len(missing) == 0 {
			break
		}
		rec := config.Recommended(d.toAnswers(base))
		added := false
		for _, dep := range missing {
			if slices.Contains(rec, dep) {
				d.Modules = append(d.Modules, dep)
				added = true
			}
		}
		if !added {
			break
		}
		d.applySelection(base)
	}
	return true
}

// follow keeps answers that default from others in step once a person has
// changed the primary domain or the deployment kind: component hosts, the
// TURN host (none for a cluster), the admin account and the output folder
// that still hold the old default take the new one; anything the person typed (an emptied
// admin field too) stays.
func (d *draft) follow() {
	if d.TURN != d.seenTURN {
		d.turnDropped = false // the person changed it
	}
	if d.Primary != d.seenPrimary {
		oldP, newP := strings.TrimSpace(d.seenPrimary), strings.TrimSpace(d.Primary)
		if d.MUC == config.DefaultComponents(oldP).MUC {
			d.MUC = config.DefaultComponents(newP).MUC
		}
		if d.Upload == config.DefaultComponents(oldP).Upload {
			d.Upload = config.DefaultComponents(newP).Upload
		}
		if d.TURN == defaultTURN(d.seenDeploy, oldP) {
			d.TURN = defaultTURN(d.seenDeploy, newP)
		}
		if strings.TrimSpace(d.Admins) == defaultAdmin(oldP) && d.Admins != defaultAdmin(newP) {
			d.Admins = defaultAdmin(newP) // on screen through followShown
		}
		if d.Out == defaultOut(&draft{Primary: d.seenPrimary, Deploy: d.Deploy}) {
			d.Out = "" // derived again when the deployment page is reached
		}
		d.seenPrimary = d.Primary
	}
	if d.Admins != d.seenAdmins {
		if strings.TrimSpace(d.Abuse) == defaultAbuse(d.seenAdmins) {
			d.Abuse = defaultAbuse(d.Admins)
		}
		d.seenAdmins = d.Admins
	}
	if d.Deploy != d.seenDeploy {
		if d.Out == defaultOut(&draft{Primary: d.Primary, Deploy: d.seenDeploy}) {
			d.Out = defaultOut(d)
		}
		// A cluster runs no TURN server: the suggested host goes, and
		// comes back when another deployment is chosen, unless the
		// person changed the TURN host in between.
		p := strings.TrimSpace(d.Primary)
		switch {
		case d.Deploy == config.DeployKubernetes && d.TURN != "" && d.TURN == defaultTURN(d.seenDeploy, p):
			d.TURN, d.turnDropped = "", true
		case d.Deploy != config.DeployKubernetes && d.turnDropped && d.TURN == "":
			d.TURN, d.turnDropped = defaultTURN(d.Deploy, p), false
		}
		d.seenDeploy = d.Deploy
	}
	d.seenTURN = d.TURN
}

// defaultAdmin is the admin account the wizard suggests for a primary
// domain: admin@<domain>, so that the default path ends with an account
// that has admin rights. Answers files without admins keep none (see
// config.Defaults); only the wizard suggests one.
func defaultAdmin(primary string) string {
	if primary == "" {
		return ""
	}
	return "admin@" + primary
}

// contactAdmins are the admins' accounts as contact addresses (see
// config.DefaultContact), normalised as the answers will be.
func contactAdmins(admins []string) []string {
	jids := make([]string, len(admins))
	for i, j := range admins {
		jids[i] = config.NormalizeJID(j)
	}
	return config.DefaultContact(jids).Admin
}

// defaultAbuse is the abuse address the wizard suggests for the admins as
// typed: their accounts as xmpp: URIs (config.DefaultContact).
func defaultAbuse(admins string) string {
	return strings.Join(contactAdmins(words(opt(admins))), " ")
}

// followedInput is an input whose value follow may change while its page
// is on screen: huh's input keeps its own copy of the text, and writes it
// back over the bound value on every message. describe, when set, is its
// description, which follows too.
type followedInput struct {
	in       *huh.Input
	value    *string
	describe func() string
}

// followed binds in to value and notes it, so that followShown can hand
// it the value follow derived (and describe's description).
func (d *draft) followed(in *huh.Input, value *string, describe func() string) *huh.Input {
	if !d.accessible { // the prompts build each question again
		d.shown = append(d.shown, followedInput{in, value, describe})
	}
	if describe != nil {
		in = in.Description(describe())
	}
	return in.Value(value)
}

// followShown runs follow and hands the page's followed inputs the values
// (and descriptions) it set; it reports whether it changed one. The inputs
// have just written their text over the bound values, so a value that
// differs after follow is one follow derived.
func (d *draft) followShown() bool {
	before := make([]string, len(d.shown))
	for i, f := range d.shown {
		before[i] = *f.value
	}
	d.follow()
	changed := false
	for i, f := range d.shown {
		if *f.value != before[i] {
			// Emptied first, so that the cursor lands at the end of the
			// new text (bubbles' textinput keeps it where it was unless
			// the text was empty).
			var empty string
			f.in.Value(&empty)
			f.in.Value(f.value)
			changed = true
		}
		if f.describe != nil {
			f.in.Description(f.describe())
		}
	}
	return changed
}

// networkDriver: the storage chosen is a database server, with a host,
// port, user and password (config's driver table says which).
func (d *draft) networkDriver() bool {
	drv, _ := config.LookupDriver(d.Driver)
	return drv.Network
}

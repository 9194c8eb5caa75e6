package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/compose-spec/compose-go/v2/cli"

	"prosody-wizard/config"
	"prosody-wizard/internal/testkit"
)

// turn proves calls support end to end: coturn runs with exactly the
// command compose.yaml gives it (its config file, the realm and the secret
// from .env), or on a host the command Debian's coturn service runs with
// the drop-in the host install wrote (hostCoturn); Prosody hands alice
// TURN credentials over XEP-0215, and coturn accepts them for an
// allocation. The relay to a loopback peer must then be refused: the
// generated config keeps the relay out of private networks.
func (r *cellRun) turn() error {
	if r.a.TURN.Host == "" {
		return nil
	}
	var args []string
	var err error
	runAs, group := r.uid, r.gid
	if r.a.Deploy == config.DeployHost {
		args, runAs, group, err = r.hostCoturn()
	} else {
		args, err = r.composeCommand("coturn")
		for i, a := range args {
			if a == "/etc/coturn/turnserver.conf" {
				args[i] = filepath.Join(r.out, "coturn", "turnserver.conf")
			}
		}
	}
	if err != nil {
		return err
	}
	// Inside the namespace only loopback exists; coturn will not pick it
	// by itself. The relay address is the test's, not the config's.
	args = append(args, "--listening-ip=127.0.0.1", "--relay-ip=127.0.0.1")
	var log testkit.SyncBuffer
	cmd := r.ns.command("setpriv", append([]string{"--reuid=" + runAs, "--regid=" + group, "--clear-groups", "--", "turnserver"}, args...)...)
	cmd.Stdout, cmd.Stderr = &log, &log
	coturn, err := startProc(cmd)
	if err != nil {
		return err
	}
	defer func() {
		if exited, _, _ := coturn.stop(5 * time.Second); !exited {
			r.t.Logf("coturn ignored SIGTERM")
		}
	}()
	// Ready is when coturn answers on UDP, where turnutils_uclient talks
	// to it. Its TCP listener is no sign: coturn opens it in each relay
	// thread as the thread starts, and the UDP sockets only afterwards, from
	// its main thread once every relay thread is up; a datagram sent in
	// between is refused (ICMP port unreachable), and the client fails with
	// "recv: Connection refused" (seen once under load; reproduced 1 in 100
	// starts of coturn on a loaded machine).
	addr := fmt.Sprintf("127.0.0.1:%d", r.a.TURN.Port)
	const limit = 20 * time.Second
	var probe error
	if !testkit.WaitUntil(limit, func() bool {
		if coturn.exited() {
			return true
		}
		probe = r.ns.stunBinding(addr)
		return probe == nil
	}) || coturn.exited() {
		return fmt.Errorf("coturn did not answer a STUN binding request on UDP %s within %v (last: %v):\n%s", addr, limit, probe, log.String())
	}

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := r.login(ctx)
	if err != nil {
		return err
	}
	services, err := c.IQ("get", r.a.Primary(), "<services xmlns='urn:xmpp:extdisco:2'/>")
	c.Close()
	if err != nil {
		return fmt.Errorf("external services (XEP-0215): %w", err)
	}
	var user, pass string
	for _, svc := range regexp.MustCompile(`<service [^>]*>`).FindAllString(services, -1) {
		if attr(svc, "type") == "turn" && attr(svc, "transport") == "udp" {
			user, pass = attr(svc, "username"), attr(svc, "password")
			if attr(svc, "host") != r.a.TURN.Host || attr(svc, "port") != strconv.Itoa(r.a.TURN.Port) {
				return fmt.Errorf("TURN service points at %s:%s, want %s:%d", attr(svc, "host"), attr(svc, "port"), r.a.TURN.Host, r.a.TURN.Port)
			}
		}
	}
	if user == "" || pass == "" {
		return fmt.Errorf("no TURN credentials in %s", services)
	}
	out, _ := r.ns.command("timeout", "10", "turnutils_uclient", "-u", user, "-w", pass, "-p", strconv.Itoa(r.a.TURN.Port),
		"-n", "1", "-m", "1", "-e", "127.0.0.1", "127.0.0.1").CombinedOutput()
	switch {
	case strings.Contains(string(out), "Cannot complete Allocation") || strings.Contains(string(out), "401"):
		return fmt.Errorf("coturn refused Prosody's credentials:\n%s\ncoturn:\n%s", out, log.String())
	case !strings.Contains(string(out), "Forbidden IP"):
		return fmt.Errorf("coturn relayed to a loopback peer, or the allocation did not happen:\n%s", out)
	}
	return nil
}

// Debian's coturn unit, and where a host install's drop-in for it is.
const (
	coturnUnit   = "/lib/systemd/system/coturn.service"
	coturnDropIn = "etc/systemd/system/coturn.service.d/prosody-wizard.conf"
)

// hostCoturn is how Debian's coturn service runs with the drop-in a host
// install wrote: systemd-analyze verify takes Debian's unit with the
// drop-in without a word; the command is the drop-in's last ExecStart,
// run as the unit's User and Group, with %d (the credentials folder) a
// folder of the test's holding what LoadCredential copies there: the file
// it names, readable by that user alone, as systemd makes it.
func (r *cellRun) hostCoturn() (args []string, user, group string, err error) {
	unit, err := os.ReadFile(coturnUnit)
	if err != nil {
		return nil, "", "", err
	}
	dropIn, err := os.ReadFile(filepath.Join(r.out, coturnDropIn))
	if err != nil {
		return nil, "", "", err
	}
	units := filepath.Join(r.dir, "units")
	if err := os.MkdirAll(filepath.Join(units, "coturn.service.d"), 0o755); err != nil {
		return nil, "", "", err
	}
	_ = os.WriteFile(filepath.Join(units, "coturn.service"), unit, 0o644)
	_ = os.WriteFile(filepath.Join(units, "coturn.service.d", filepath.Base(coturnDropIn)), dropIn, 0o644)
	verify := exec.Command("systemd-analyze", "verify", filepath.Join(units, "coturn.service"))
	verify.Env = append(os.Environ(), "SYSTEMD_UNIT_PATH="+units+":")
	if out, err := verify.CombinedOutput(); err != nil || len(bytes.TrimSpace(out)) > 0 {
		return nil, "", "", fmt.Errorf("systemd-analyze verify of Debian's coturn unit with the drop-in: %v\n%s", err, out)
	}
	var credential, start string
	for _, l := range strings.Split(string(unit)+"\n"+string(dropIn), "\n") {
		k, v, _ := strings.Cut(strings.TrimSpace(l), "=")
		switch k {
		case "User":
			user = v
		case "Group":
			group = v
		case "LoadCredential":
			credential = v
		case "ExecStart":
			start = v
		}
	}
	id, source, ok := strings.Cut(credential, ":")
	if !ok || user == "" || group == "" {
		return nil, "", "", fmt.Errorf("no LoadCredential=ID:PATH in the drop-in, or no User and Group in %s:\n%s", coturnUnit, dropIn)
	}
	creds := filepath.Join(r.dir, "credentials")
	data, err := os.ReadFile(filepath.Join(r.out, source))
	if err != nil {
		return nil, "", "", fmt.Errorf("LoadCredential names %s: %w", source, err)
	}
	if err := os.MkdirAll(creds, 0o500); err != nil {
		return nil, "", "", err
	}
	if err := os.WriteFile(filepath.Join(creds, id), data, 0o400); err != nil {
		return nil, "", "", err
	}
	for _, p := range []string{creds, filepath.Join(creds, id)} {
		if out, err := exec.Command("chown", user+":"+group, p).CombinedOutput(); err != nil {
			return nil, "", "", fmt.Errorf("chown %s: %v %s", p, err, out)
		}
	}
	words := strings.Fields(strings.ReplaceAll(start, "%d", creds))
	if len(words) == 0 || words[0] != "/usr/bin/turnserver" {
		return nil, "", "", fmt.Errorf("the drop-in's ExecStart does not run /usr/bin/turnserver: %q", start)
	}
	return words[1:], user, group, nil
}

// composeCommand loads compose.yaml with compose-go, interpolating .env as
// docker compose would, and returns a service's command.
func (r *cellRun) composeCommand(service string) ([]string, error) {
	opts, err := cli.NewProjectOptions([]string{filepath.Join(r.out, "compose.yaml")},
		cli.WithWorkingDirectory(r.out), cli.WithEnvFiles(filepath.Join(r.out, ".env")), cli.WithDotEnv)
	if err != nil {
		return nil, err
	}
	p, err := opts.LoadProject(context.Background())
	if err != nil {
		return nil, err
	}
	svc, ok := p.Services[service]
	if !ok {
		return nil, fmt.Errorf("compose.yaml has no %s service", service)
	}
	return append([]string{}, svc.Command...), nil
}

// attr reads an attribute from one start tag, in either quote style.
func attr(tag, name string) string {
	m := regexp.MustCompile(`\s` + name + `=['"]([^'"]*)['"]`).FindStringSubmatch(tag)
	if m == nil {
		return ""
	}
	return m[1]
}

// stunBinding sends one STUN Binding request (RFC 8489) over UDP to addr
// inside the namespace and waits briefly for the matching success
// response: proof that a STUN/TURN server answers there.
func (n *netns) stunBinding(addr string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	c, err := n.dial(ctx, "udp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	req := make([]byte, 20)
	binary.BigEndian.PutUint16(req[0:], 0x0001) // Binding request, no attributes
	binary.BigEndian.PutUint32(req[4:], 0x2112A442)
	if _, err := rand.Read(req[8:20]); err != nil {
		return err
	}
	dl, _ := ctx.Deadline()
	_ = c.SetDeadline(dl)
	if _, err := c.Write(req); err != nil {
		return err
	}
	resp := make([]byte, 1500)
	for {
		k, err := c.Read(resp)
		if err != nil {
			return err
		}
		if k >= 20 && binary.BigEndian.Uint16(resp[0:]) == 0x0101 && bytes.Equal(resp[4:20], req[4:20]) {
			return nil
		}
	}
}

package e2e

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"prosody-wizard/internal/testkit"
)

// netns is a network namespace of its own for one end-to-end cell: only
// loopback exists in it, so every server the cell starts (prosody,
// postgres, mariadb) listens on loopback only, on the real ports, without
// colliding with anything on the machine.
type netns struct{ name string }

func newNetns(name string) (*netns, error) {
	_ = exec.Command("ip", "netns", "delete", name).Run() // a leftover of a killed run
	if out, err := exec.Command("ip", "netns", "add", name).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("ip netns add %s: %v: %s", name, err, out)
	}
	n := &netns{name: name}
	if out, err := n.command("ip", "link", "set", "lo", "up").CombinedOutput(); err != nil {
		n.delete()
		return nil, fmt.Errorf("lo up: %v: %s", err, out)
	}
	// ip netns exec binds /etc/netns/NAME/* over /etc: the compose service
	// names resolve to loopback, as they would resolve inside compose.
	etc := filepath.Join("/etc/netns", name)
	if err := os.MkdirAll(etc, 0o755); err != nil {
		return nil, err
	}
	hosts := "127.0.0.1 localhost postgres mariadb\n::1 localhost\n"
	if err := os.WriteFile(filepath.Join(etc, "hosts"), []byte(hosts), 0o644); err != nil {
		return nil, err
	}
	return n, nil
}

// command runs name inside the namespace (ip netns exec execs it, so the
// process's pid is the command's).
func (n *netns) command(name string, args ...string) *exec.Cmd {
	return exec.Command("ip", append([]string{"netns", "exec", n.name, name}, args...)...)
}

// pids lists the processes still in the namespace (never this one).
func (n *netns) pids() []string {
	out, _ := exec.Command("ip", "netns", "pids", n.name).Output()
	var pids []string
	for _, p := range strings.Fields(string(out)) {
		if p != strconv.Itoa(os.Getpid()) {
			pids = append(pids, p)
		}
	}
	return pids
}

func (n *netns) delete() {
	for _, p := range n.pids() {
		var pid int
		fmt.Sscan(p, &pid)
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
	_ = exec.Command("ip", "netns", "delete", n.name).Run()
	_ = os.RemoveAll(filepath.Join("/etc/netns", n.name))
}

// dial connects from inside the namespace: the socket is made on an OS
// thread that joined the namespace, and that thread is thrown away after.
func (n *netns) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	type result struct {
		c   net.Conn
		err error
	}
	ch := make(chan result, 1)
	go func() {
		// Locked and never unlocked: the thread is thrown away with the
		// goroutine. It goes back to its own namespace first anyway, since
		// the main thread cannot be thrown away.
		runtime.LockOSThread()
		home, err := os.Open("/proc/thread-self/ns/net")
		if err != nil {
			ch <- result{nil, err}
			return
		}
		defer home.Close()
		f, err := os.Open(filepath.Join("/run/netns", n.name))
		if err != nil {
			ch <- result{nil, err}
			return
		}
		defer f.Close()
		if err := unix.Setns(int(f.Fd()), unix.CLONE_NEWNET); err != nil {
			ch <- result{nil, fmt.Errorf("setns: %w", err)}
			return
		}
		c, err := (&net.Dialer{Timeout: 5 * time.Second}).DialContext(ctx, network, addr)
		if rerr := unix.Setns(int(home.Fd()), unix.CLONE_NEWNET); rerr != nil && err == nil {
			err = fmt.Errorf("setns back: %w", rerr)
		}
		ch <- result{c, err}
	}()
	r := <-ch
	return r.c, r.err
}

// portOpen reports whether something accepts on addr inside the namespace.
func (n *netns) portOpen(addr string) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	c, err := n.dial(ctx, "tcp", addr)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// proc is a child process with one waiter, so that readiness checks,
// SIGTERM and cleanup can all ask whether it has exited.
type proc struct {
	cmd  *exec.Cmd
	done chan struct{}
	err  error
}

func startProc(cmd *exec.Cmd) (*proc, error) {
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &proc{cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop sends SIGTERM, waits up to limit for the process to exit, then
// SIGKILLs it. It reports whether it exited by itself, its exit code and
// how long that took.
func (p *proc) stop(limit time.Duration) (exited bool, code int, took time.Duration) {
	start := time.Now()
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		code = 0
		if ee, ok := p.err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		}
		return true, code, time.Since(start)
	case <-time.After(limit):
		_ = p.cmd.Process.Kill()
		<-p.done
		return false, -1, time.Since(start)
	}
}

// dbServer is a PostgreSQL or MariaDB server the test started in a temp
// folder, inside the cell's namespace, on loopback.
type dbServer struct {
	stop func() error
	// asAdmin runs a command in the namespace as the server's superuser
	// (the postgres system user; root for MariaDB), with env.
	asAdmin func(name string, args ...string) *exec.Cmd
	// env points the server's clients at its socket, where the client
	// does not find it by default as on a Debian host with the server
	// installed.
	env []string
}

// startPostgres makes a private cluster (never the system's) and a role and
// database for prosody.
func startPostgres(n *netns, dir, user, password, db string) (*dbServer, error) {
	s, err := startEmptyPostgres(n, dir)
	if err != nil {
		return nil, err
	}
	if out, err := s.asAdmin("psql", "-h", dir, "-p", "5432", "-U", "postgres", "-v", "ON_ERROR_STOP=1", "-q",
		"-c", fmt.Sprintf("CREATE ROLE %s LOGIN PASSWORD '%s'", user, password),
		"-c", fmt.Sprintf("CREATE DATABASE %s OWNER %s", db, user),
		"-c", fmt.Sprintf("ALTER ROLE %s SET client_min_messages TO warning", user)).CombinedOutput(); err != nil {
		_ = s.stop()
		return nil, fmt.Errorf("psql: %v\n%s", err, out)
	}
	return s, nil
}

// startEmptyPostgres makes a private cluster (never the system's) with its
// superuser postgres only, reached through the socket in dir (PGHOST).
func startEmptyPostgres(n *netns, dir string) (*dbServer, error) {
	bin, err := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if err != nil || len(bin) == 0 {
		return nil, fmt.Errorf("PostgreSQL is not installed (no initdb)")
	}
	pgbin := filepath.Dir(bin[len(bin)-1])
	data := filepath.Join(dir, "data")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	if out, err := exec.Command("chown", "postgres:postgres", dir).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("chown: %v %s", err, out)
	}
	asPG := func(name string, args ...string) *exec.Cmd {
		c := n.command("setpriv", append([]string{"--reuid=postgres", "--regid=postgres", "--init-groups", "--", name}, args...)...)
		c.Dir = dir
		return c
	}
	if out, err := asPG(filepath.Join(pgbin, "initdb"), "-D", data, "-U", "postgres", "--auth-local=trust",
		"--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync").CombinedOutput(); err != nil {
		return nil, fmt.Errorf("initdb: %v\n%s", err, out)
	}
	ctl := func(args ...string) error {
		out, err := asPG(filepath.Join(pgbin, "pg_ctl"), args...).CombinedOutput()
		if err != nil {
			return fmt.Errorf("pg_ctl %s: %v\n%s", args[0], err, out)
		}
		return nil
	}
	if err := ctl("-D", data, "-l", filepath.Join(dir, "server.log"), "-o",
		"-p 5432 -k "+dir+" -c listen_addresses=127.0.0.1 -c fsync=off", "-w", "-t", "30", "start"); err != nil {
		return nil, err
	}
	return &dbServer{
		stop:    func() error { return ctl("-D", data, "-m", "fast", "-w", "-t", "30", "stop") },
		asAdmin: asPG,
		env:     []string{"PGHOST=" + dir, "PGPORT=5432"},
	}, nil
}

// startMariaDB makes a private datadir and starts mariadbd in the
// foreground (its pid is ours to stop), with a user and database for
// prosody.
func startMariaDB(n *netns, dir, user, password, db string) (*dbServer, error) {
	s, err := startEmptyMariaDB(n, dir)
	if err != nil {
		return nil, err
	}
	sql := fmt.Sprintf("CREATE DATABASE %s CHARACTER SET utf8mb4; CREATE USER '%s'@'127.0.0.1' IDENTIFIED BY '%s'; GRANT ALL ON %s.* TO '%s'@'127.0.0.1';",
		db, user, password, db, user)
	if out, err := s.asAdmin("mariadb", "-e", sql).CombinedOutput(); err != nil {
		_ = s.stop()
		return nil, fmt.Errorf("mariadb: %v\n%s", err, out)
	}
	return s, nil
}

// startEmptyMariaDB makes a private datadir and starts mariadbd in the
// foreground (its pid is ours to stop), with its root user only (unix_socket
// authentication), reached through the socket in dir (MYSQL_UNIX_PORT).
func startEmptyMariaDB(n *netns, dir string) (*dbServer, error) {
	data := filepath.Join(dir, "data")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	if out, err := exec.Command("chown", "mysql:mysql", dir).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("chown: %v %s", err, out)
	}
	if out, err := exec.Command("mariadb-install-db", "--user=mysql", "--datadir="+data,
		"--auth-root-authentication-method=socket", "--skip-test-db").CombinedOutput(); err != nil {
		return nil, fmt.Errorf("mariadb-install-db: %v\n%s", err, out)
	}
	sock := filepath.Join(dir, "mysqld.sock")
	cmd := n.command("mariadbd", "--no-defaults", "--user=mysql", "--datadir="+data, "--socket="+sock, "--port=3306",
		"--bind-address=127.0.0.1", "--pid-file="+filepath.Join(dir, "mysqld.pid"), "--skip-name-resolve",
		"--log-error="+filepath.Join(dir, "error.log"))
	p, err := startProc(cmd)
	if err != nil {
		return nil, err
	}
	s := &dbServer{stop: func() error {
		if exited, _, _ := p.stop(20 * time.Second); !exited {
			return fmt.Errorf("mariadbd did not stop within 20 s")
		}
		return nil
	}}
	if !testkit.WaitUntil(30*time.Second, func() bool { _, err := os.Stat(sock); return err == nil && n.portOpen("127.0.0.1:3306") }) {
		_ = s.stop()
		log, _ := os.ReadFile(filepath.Join(dir, "error.log"))
		return nil, fmt.Errorf("mariadbd not ready within 30 s:\n%s", log)
	}
	// The namespace's /etc/mysql (ip netns exec binds /etc/netns/NAME/*
	// over /etc) names this socket, as Debian's names its server's: the
	// client finds it by default, and an option file would override
	// MYSQL_UNIX_PORT.
	etc := filepath.Join("/etc/netns", n.name, "mysql")
	if err := os.MkdirAll(etc, 0o755); err != nil {
		_ = s.stop()
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(etc, "my.cnf"), []byte("[client]\nsocket = "+sock+"\n"), 0o644); err != nil {
		_ = s.stop()
		return nil, err
	}
	// As root, whom unix_socket authentication lets in as MariaDB's root,
	// as Debian's sudo mariadb does.
	s.asAdmin = func(name string, args ...string) *exec.Cmd {
		c := n.command(name, args...)
		c.Dir = dir
		return c
	}
	return s, nil
}

package dockere2e

import (
	"strings"
	"testing"
	"time"
)

// checkStandinPostgres: the environment compose.yaml gives postgres makes
// the database, its owner and the password (standinPassword) on a new
// volume; that password logs in over TCP, in the container and from
// another one on the network, and a wrong one is refused; the socket
// trusts local users (docker compose exec postgres pg_dump/psql); the
// compose healthcheck's pg_isready answers; postgres is PID 1 as user
// postgres, stops cleanly on docker stop, and a restart on the same
// volume keeps the data and the first password, whatever the environment
// says now.
func checkStandinPostgres(t *testing.T, e *standinEnv, image string) {
	vol := e.volume()
	run := func(password string) string {
		return e.start("--network-alias", "postgres", "-v", vol+":/var/lib/postgresql/data",
			"-e", "POSTGRES_DB=prosody", "-e", "POSTGRES_USER=prosody", "-e", "POSTGRES_PASSWORD="+password, image)
	}
	tcp := func(c, password, sql string) (string, error) {
		return e.docker(30*time.Second, "exec", "-e", "PGPASSWORD="+password, c,
			"psql", "-h", "127.0.0.1", "-U", "prosody", "-d", "prosody", "-XtAc", sql)
	}
	ready := func(c string) {
		e.wait("postgres accepts the password over TCP", 2*time.Minute, func() (bool, string) {
			out, err := tcp(c, standinPassword, "SELECT current_user || '|' || current_database()")
			return err == nil && out == "prosody|prosody", out
		})
	}

	c := run(standinPassword)
	ready(c)
	standinWant(t, "first start", e.logs(c), "initialising a new cluster")
	if out, err := tcp(c, "wrong", "SELECT 1"); err == nil {
		t.Fatalf("a wrong password logged in over TCP: %s", out)
	} else {
		standinWant(t, "wrong password", err.Error(), "password authentication failed")
	}
	out := e.must(30*time.Second, "exec", c, "psql", "-U", "prosody", "-d", "prosody", "-XqtAc",
		"CREATE TABLE standin_kept (note text); INSERT INTO standin_kept VALUES ('kept'); SHOW server_encoding")
	if out != "UTF8" {
		t.Fatalf("the socket without a password, then server_encoding: %q, want UTF8", out)
	}
	out, err := e.once(2*time.Minute, "-e", "PGPASSWORD="+standinPassword, image,
		"psql", "-h", "postgres", "-U", "prosody", "-d", "prosody", "-XtAc", "SELECT note FROM standin_kept")
	if err != nil || out != "kept" {
		t.Fatalf("from another container on the network: %q, %v", out, err)
	}
	e.must(30*time.Second, "exec", c, "pg_isready", "-U", "prosody", "-d", "prosody")
	standinWant(t, "pg_dump", e.must(time.Minute, "exec", c, "pg_dump", "-U", "prosody", "-d", "prosody"),
		"CREATE TABLE public.standin_kept")
	if comm, user := e.pid1(c); comm != "postgres" || user != "postgres" {
		t.Fatalf("PID 1 is %s as %s, want postgres as postgres", comm, user)
	}
	if sig := e.must(30*time.Second, "image", "inspect", "--format", "{{.Config.StopSignal}}", image); sig != "SIGINT" {
		t.Fatalf("STOPSIGNAL %q, want SIGINT (the official image's)", sig)
	}
	e.stop(c, 10*time.Second)
	e.must(time.Minute, "rm", "-v", c)

	c = run("a new password")
	ready(c)
	if logs := e.logs(c); !strings.Contains(logs, "ready to accept connections") || strings.Contains(logs, "initialising") {
		t.Fatalf("a restart on the same volume should start the kept cluster, not make one:\n%s", logs)
	}
	if out, err := tcp(c, "a new password", "SELECT 1"); err == nil {
		t.Fatalf("the restart's POSTGRES_PASSWORD replaced the kept one: %s", out)
	}
	if out, err := tcp(c, standinPassword, "SELECT note FROM standin_kept"); err != nil || out != "kept" {
		t.Fatalf("after a restart: %q, %v", out, err)
	}
	e.stop(c, 10*time.Second)
}

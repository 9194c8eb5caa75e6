package dockere2e

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

// checkStandinMariaDB: the environment compose.yaml gives mariadb makes
// the database and its user with the password (standinPassword) on a new
// volume, and a random root password printed once; the compose
// healthcheck (healthcheck.sh --connect --innodb_initialized) turns
// healthy, and fails where it should (no server; a login it cannot make;
// a test it does not know); the user logs in over TCP in the container and
// from another one, a wrong password is refused; mariadb-dump works;
// mariadbd is PID 1 as mysql, stops cleanly; a restart keeps data and
// password. MARIADB_ROOT_PASSWORD, on another volume, sets root's.
func checkStandinMariaDB(t *testing.T, e *standinEnv, image string) {
	vol := e.volume()
	run := func(password string) string {
		return e.start("--network-alias", "mariadb", "-v", vol+":/var/lib/mysql",
			"-e", "MARIADB_DATABASE=xmpp", "-e", "MARIADB_USER=xmpp", "-e", "MARIADB_PASSWORD="+password,
			"-e", "MARIADB_RANDOM_ROOT_PASSWORD=1", image)
	}
	healthy := func(c string) {
		e.wait("healthcheck.sh --connect --innodb_initialized", 2*time.Minute, func() (bool, string) {
			out, err := e.docker(30*time.Second, "exec", c, "healthcheck.sh", "--connect", "--innodb_initialized")
			return err == nil, out
		})
	}
	sql := func(c, user, password, query string, client ...string) (string, error) {
		args := append([]string{"exec", "-e", "MYSQL_PWD=" + password, c}, client...)
		return e.docker(30*time.Second, append(args, "-u", user, "-BNe", query)...)
	}
	tcp := []string{"mariadb", "-h", "127.0.0.1"}

	if out, err := e.once(time.Minute, "--entrypoint", "healthcheck.sh", image, "--connect"); err == nil {
		t.Fatalf("healthcheck.sh --connect passed with no server running: %s", out)
	}

	c := run(standinPassword)
	healthy(c)
	logs := e.logs(c)
	standinWant(t, "first start", logs, "initialising a new database")
	m := regexp.MustCompile(`GENERATED ROOT PASSWORD: (\S+)`).FindStringSubmatch(logs)
	if m == nil {
		t.Fatalf("no generated root password in the log:\n%s", logs)
	}
	if out, err := sql(c, "root", m[1], "SELECT 1", "mariadb"); err != nil || out != "1" {
		t.Fatalf("root with the generated password: %q, %v", out, err)
	}
	if out, err := sql(c, "root", "", "SELECT 1", "mariadb"); err == nil {
		t.Fatalf("root logged in without a password: %s", out)
	}

	if out, err := sql(c, "xmpp", standinPassword, "SELECT CURRENT_USER(), DATABASE()", append(tcp, "xmpp")...); err != nil || out != "xmpp@%\txmpp" {
		t.Fatalf("xmpp over TCP: %q, %v", out, err)
	}
	if out, err := sql(c, "xmpp", "wrong", "SELECT 1", append(tcp, "xmpp")...); err == nil {
		t.Fatalf("a wrong password logged in: %s", out)
	} else {
		standinWant(t, "wrong password", err.Error(), "Access denied")
	}
	if _, err := sql(c, "xmpp", standinPassword, "CREATE TABLE standin_kept (note TEXT); INSERT INTO standin_kept VALUES ('kept')", append(tcp, "xmpp")...); err != nil {
		t.Fatal(err)
	}
	out, err := e.once(2*time.Minute, "-e", "MYSQL_PWD="+standinPassword, image,
		"mariadb", "-h", "mariadb", "-u", "xmpp", "xmpp", "-BNe", "SELECT note FROM standin_kept")
	if err != nil || out != "kept" {
		t.Fatalf("from another container on the network: %q, %v", out, err)
	}
	standinWant(t, "mariadb-dump", e.must(time.Minute, "exec", "-e", "MYSQL_PWD="+standinPassword, c, "mariadb-dump", "-u", "xmpp", "xmpp"),
		"CREATE TABLE `standin_kept`", "'kept'")

	// The healthcheck's login, broken for a moment: connect still passes
	// (a refused login is a connection, as in the official script),
	// innodb_initialized must not.
	cnf := "/var/lib/mysql/.my-healthcheck.cnf"
	e.must(30*time.Second, "exec", c, "sh", "-c", "cp -p "+cnf+" "+cnf+".kept && sed -i 's/^password=.*/password=wrong/' "+cnf)
	e.must(30*time.Second, "exec", c, "healthcheck.sh", "--connect")
	if out, err := e.docker(30*time.Second, "exec", c, "healthcheck.sh", "--innodb_initialized"); err == nil {
		t.Fatalf("--innodb_initialized passed with a wrong healthcheck password: %s", out)
	}
	e.must(30*time.Second, "exec", c, "mv", "-f", cnf+".kept", cnf)
	if out, err := e.docker(30*time.Second, "exec", c, "healthcheck.sh", "--galera_online"); err == nil || !strings.Contains(out, "not supported") {
		t.Fatalf("an official test the stand-in lacks must fail, saying so: %q, %v", out, err)
	}

	if comm, user := e.pid1(c); comm != "mariadbd" || user != "mysql" {
		t.Fatalf("PID 1 is %s as %s, want mariadbd as mysql", comm, user)
	}
	e.stop(c, 10*time.Second)
	e.must(time.Minute, "rm", "-v", c)

	c = run("a new password")
	healthy(c)
	if logs := e.logs(c); strings.Contains(logs, "initialising") || strings.Contains(logs, "GENERATED ROOT PASSWORD") {
		t.Fatalf("a restart on the same volume made a new database:\n%s", logs)
	}
	if out, err := sql(c, "xmpp", "a new password", "SELECT 1", append(tcp, "xmpp")...); err == nil {
		t.Fatalf("the restart's MARIADB_PASSWORD replaced the kept one: %s", out)
	}
	if out, err := sql(c, "xmpp", standinPassword, "SELECT note FROM standin_kept", append(tcp, "xmpp")...); err != nil || out != "kept" {
		t.Fatalf("after a restart: %q, %v", out, err)
	}
	e.stop(c, 10*time.Second)

	root := e.start("-v", e.volume()+":/var/lib/mysql", "-e", "MARIADB_ROOT_PASSWORD="+standinPassword, image)
	healthy(root)
	if out, err := sql(root, "root", standinPassword, "SELECT CURRENT_USER()", tcp...); err != nil || out != "root@localhost" && out != "root@%" {
		t.Fatalf("root with MARIADB_ROOT_PASSWORD over TCP: %q, %v", out, err)
	}
}

package scaffold

import (
	"fmt"
	"net/netip"
	"path"
	"strings"

	"prosody-wizard/config"
)

// databaseAdmins say, per network driver, how its server's superuser
// creates Prosody's user and database on a host install: the command,
// run as that superuser the way Debian's packages set it up (the postgres
// system user through the local socket; root through MariaDB's
// unix_socket authentication), its SQL statements quoted by that
// server's rules. Prosody creates its tables itself on first start.
var databaseAdmins = map[string]func(s *setup) []string{
	config.DriverPostgres: func(s *setup) []string {
		d := s.Answers.Database
		return []string{"sudo", "-u", "postgres", "psql", "-v", "ON_ERROR_STOP=1",
			"-c", fmt.Sprintf("CREATE ROLE %s LOGIN PASSWORD %s", PostgresIdent(d.User), PostgresString(s.DBPassword)),
			"-c", fmt.Sprintf("CREATE DATABASE %s OWNER %s", PostgresIdent(d.Name), PostgresIdent(d.User))}
	},
	config.DriverMySQL: func(s *setup) []string {
		d := s.Answers.Database
		account := MariaDBString(d.User) + "@" + MariaDBString(mariaDBClientHost(s.Answers))
		return []string{"sudo", "mariadb", "-e", fmt.Sprintf(
			"CREATE DATABASE %s CHARACTER SET utf8mb4; CREATE USER %s IDENTIFIED BY %s; GRANT ALL PRIVILEGES ON %s.* TO %s;",
			MariaDBIdent(d.Name), account, MariaDBString(s.DBPassword), MariaDBIdent(d.Name), account)}
	},
}

// mariaDBClientHost is the host part of Prosody's MariaDB account: where
// MariaDB sees Prosody connect from. Prosody on the same machine connects
// over the socket for localhost (MariaDB's "localhost") and over TCP from
// the loopback address it names otherwise, which is what MariaDB matches
// when it does not resolve names (skip-name-resolve). A remote server
// sees this machine's address, which the answers do not know: "%", any.
func mariaDBClientHost(a config.Answers) string {
	h := strings.ToLower(strings.TrimSuffix(a.Database.Host, "."))
	if !config.LocalDatabase(a) {
		return "%"
	}
	if addr, err := netip.ParseAddr(h); err == nil {
		return addr.Unmap().String()
	}
	return "localhost"
}

// databaseStep is the next step that creates a host install's database
// user and database, or "" when there is none to create. It names where
// the password is kept besides, and the file's mode and owner as the plan
// writes them.
func databaseStep(s *setup) string {
	admin, ok := databaseAdmins[s.Answers.Database.Driver]
	if !ok || s.Container() {
		return ""
	}
	d := s.Answers.Database
	where := "on this machine"
	if !config.LocalDatabase(s.Answers) {
		where = fmt.Sprintf("on the database server %s (copy the command there)", d.Host)
	}
	what := fmt.Sprintf("create %s user %s and database %s, %s as its superuser (the password is the one in %s; the whole command, password included, is in %s; both files have mode %04o, owner root, group prosody)",
		s.Driver.Label, d.User, d.Name, where, "/"+path.Join(hostConfigDir, "prosody.cfg.lua"), "/"+path.Join(hostConfigDir, hostNotesFile), hostSecretMode)
	if s.Driver.Name == config.DriverMySQL && mariaDBClientHost(s.Answers) == "%" {
		what += "; narrow '%', any address, to this machine's"
	}
	return what + ": " + ShellCommand(admin(s)...)
}

// hostSecretMode is the mode of a host install's files that hold the
// database password or TURN secret: root writes them, the prosody group
// reads them.
const hostSecretMode = 0o640

package scaffold

import "prosody-wizard/config"

// BackupCommands are the commands that back up a compose repo's Prosody
// data and restore it, each element one shell line to run in the repo's
// folder. The generated README prints exactly these lines and the Docker
// end-to-end suite runs them (back up, down -v, restore), so what a person
// is told to run is what was tested.
type BackupCommands struct {
	// File is the backup file the commands write and read, relative to
	// the repo's folder.
	File string
	// Backup writes File; Restore puts its content back in place of the
	// current data and starts Prosody again.
	Backup, Restore []string
}

// backupDir holds the backups: made 0700, since they hold every account
// and message; .gitignore and .dockerignore keep it out of git and builds.
const backupDir = "backups"

// dataArchive is the data folder's backup.
const dataArchive = backupDir + "/prosody-data.tar.gz"

// databaseDump says how a compose database service dumps and loads the
// database: the words run in its container, and the dump's file name.
type databaseDump struct {
	file       string
	dump, load func(db config.Database) []string
}

// databaseDumps are the dumps of the compose database services (see
// config.Driver.Service).
var databaseDumps = map[string]databaseDump{
	// pg_dump over the container's local socket, which the official
	// image trusts (no password). --clean --if-exists drops each object
	// before creating it again, so the dump loads over an existing
	// database as well as a new, empty one; psql stops at the first error
	// and loads it in one transaction, all or nothing.
	"postgres": {file: backupDir + "/postgres.sql",
		dump: func(db config.Database) []string {
			return []string{"pg_dump", "-U", db.User, "-d", db.Name, "--clean", "--if-exists"}
		},
		load: func(db config.Database) []string {
			return []string{"psql", "-v", "ON_ERROR_STOP=1", "--single-transaction", "-U", db.User, "-d", db.Name}
		}},
	// The user, password and database come from the container's own
	// environment (compose.yaml's MARIADB_*), so the password never
	// appears on this machine's command line. --single-transaction: a
	// consistent snapshot of the InnoDB tables without locking Prosody
	// out; the dump drops each table before creating it again.
	"mariadb": {file: backupDir + "/mariadb.sql",
		dump: func(config.Database) []string {
			return []string{"sh", "-c", `exec mariadb-dump --single-transaction -u"$MARIADB_USER" -p"$MARIADB_PASSWORD" "$MARIADB_DATABASE"`}
		},
		load: func(config.Database) []string {
			return []string{"sh", "-c", `exec mariadb -u"$MARIADB_USER" -p"$MARIADB_PASSWORD" "$MARIADB_DATABASE"`}
		}},
}

// Backup is how a compose repo's data is backed up and restored:
//   - internal and SQLite storage: everything is in data/, a folder. Prosody
//     stops while tar archives it, keeping numeric owners (the container's
//     uid need not exist here); the restore replaces data/ with the archive.
//   - PostgreSQL and MariaDB services: the database lives in a named volume,
//     which "docker compose down -v" deletes. The dump runs in the database's
//     container (-T: no terminal, so the redirect gets the dump as is); the
//     restore starts the database alone, waits until it is healthy, and
//     loads the dump with Prosody stopped.
//
// It is empty for a host install and for a database server the answers
// name (database.host): that server is backed up where it runs.
func Backup(s config.Setup) BackupCommands {
	if !s.Compose() {
		return BackupCommands{}
	}
	compose := func(words ...string) string { return ShellCommand(append([]string{"docker", "compose"}, words...)...) }
	mkdir := ShellCommand("mkdir", "-p", "-m", "0700", backupDir)
	if !s.Driver.Network {
		return BackupCommands{
			File: dataArchive,
			Backup: []string{
				mkdir,
				compose("stop", "prosody"),
				ShellCommand("tar", "--numeric-owner", "-czf", dataArchive, "data"),
				compose("up", "-d"),
			},
			Restore: []string{
				compose("stop", "prosody"),
				ShellCommand("rm", "-rf", "data"),
				ShellCommand("tar", "--numeric-owner", "-xzpf", dataArchive),
				compose("up", "-d"),
			},
		}
	}
	service := (&setup{Setup: s}).DBService()
	d, ok := databaseDumps[service]
	if !ok {
		return BackupCommands{}
	}
	db := s.Answers.Database
	exec := func(words []string) string {
		return compose(append([]string{"exec", "-T", service}, words...)...)
	}
	return BackupCommands{
		File: d.file,
		Backup: []string{
			mkdir,
			exec(d.dump(db)) + " > " + ShellQuote(d.file),
		},
		Restore: []string{
			compose("stop", "prosody"),
			compose("up", "-d", "--wait", service),
			exec(d.load(db)) + " < " + ShellQuote(d.file),
			compose("up", "-d"),
		},
	}
}

// Backup is the setup's backup and restore commands (see Backup).
func (s *setup) Backup() BackupCommands { return Backup(s.Setup) }

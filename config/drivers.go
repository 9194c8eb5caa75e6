package config

import "strings"

// Driver is a storage driver Prosody can use, with everything the rest of
// the program needs to know about it. The table below is the one place
// that says it: nothing else switches on database.driver.
type Driver struct {
	// Name is the answer that chooses it (database.driver).
	Name string
	// Label names the database server for people ("PostgreSQL"); "" when
	// the data stays in files.
	Label string
	// About says where the data is kept, for the config's comment.
	About string
	// Storage is Prosody's storage backend: "internal" or "sql".
	Storage string
	// LuaDBI is LuaDBI's name for the driver mod_storage_sql loads, and
	// Package the Debian package that has it; both "" for internal.
	LuaDBI, Package string
	// Network: the data is on a database server, reached over the
	// network; otherwise in files in Prosody's data folder.
	Network bool
	// Port is the server's default port (Network only).
	Port int
	// Service and Image are the compose service that runs the server
	// when the answers name no database.host, and its image.
	Service, Image string
}

// drivers are the storage drivers, in the order the wizard offers them.
var drivers = []Driver{
	{Name: DriverInternal, About: "plain files in the data folder, one per user and store", Storage: "internal"},
	{Name: DriverSQLite, Label: "SQLite", About: "one SQLite file in the data folder", Storage: "sql",
		LuaDBI: "SQLite3", Package: "lua-dbi-sqlite3"},
	{Name: DriverPostgres, Label: "PostgreSQL", About: "PostgreSQL", Storage: "sql",
		LuaDBI: "PostgreSQL", Package: "lua-dbi-postgresql", Network: true, Port: 5432,
		Service: "postgres", Image: "postgres:17"},
	// The compose service is MariaDB, which speaks MySQL's protocol.
	{Name: DriverMySQL, Label: "MariaDB", About: "MySQL or MariaDB", Storage: "sql",
		LuaDBI: "MySQL", Package: "lua-dbi-mysql", Network: true, Port: 3306,
		Service: "mariadb", Image: "mariadb:11.4"},
}

// Drivers returns the storage drivers, in the order the wizard offers them.
func Drivers() []Driver { return append([]Driver(nil), drivers...) }

// LookupDriver returns the driver database.driver names.
func LookupDriver(name string) (Driver, bool) {
	for _, d := range drivers {
		if d.Name == name {
			return d, true
		}
	}
	return Driver{}, false
}

func driverNames() []string {
	names := make([]string, len(drivers))
	for i, d := range drivers {
		names[i] = d.Name
	}
	return names
}

// driverList is "internal, sqlite, postgres or mysql".
func driverList() string {
	names := driverNames()
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

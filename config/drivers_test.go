package config

import "testing"

// TestDriverTable: every driver the answers may name has one record, and
// each record is whole for what it is (files or a server).
func TestDriverTable(t *testing.T) {
	for _, name := range []string{DriverInternal, DriverSQLite, DriverPostgres, DriverMySQL} {
		d, ok := LookupDriver(name)
		switch {
		case !ok:
			t.Errorf("%s: no record", name)
		case d.About == "" || d.Storage == "":
			t.Errorf("%s: %+v lacks what the config says about it", name, d)
		case (d.LuaDBI == "") != (d.Storage == "internal") || (d.LuaDBI == "") != (d.Package == ""):
			t.Errorf("%s: %+v: LuaDBI driver and package go with SQL storage", name, d)
		case d.Network != (d.Port != 0) || d.Network != (d.Service != "" && d.Image != "" && d.Label != ""):
			t.Errorf("%s: %+v: a server has a port, a label, a compose service and image; files have none", name, d)
		}
	}
	if len(Drivers()) != 4 {
		t.Errorf("%d drivers", len(Drivers()))
	}
	if _, ok := LookupDriver("oracle"); ok {
		t.Error("an unknown driver has a record")
	}
	if got := driverList(); got != "internal, sqlite, postgres or mysql" {
		t.Errorf("driverList() = %q", got)
	}
}

package main

import "flag"

// update is accepted so that "go test ./... -update" runs here too; this
// package has no goldens.
var _ = flag.Bool("update", false, "refresh goldens (none in this package)")

package config

import "flag"

// update is accepted so that "go test ./... -update" (which refreshes the
// goldens of other packages) also runs here; this package has no goldens.
var _ = flag.Bool("update", false, "refresh goldens (none in this package)")

package safeio

// Accepts -update, so that "go test ./... -update" (which refreshes the
// goldens of other packages) runs here too; this package has no goldens.
import _ "prosody-wizard/internal/golden"

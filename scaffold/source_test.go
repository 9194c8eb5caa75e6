package scaffold

import "github.com/spf13/afero"

// testSource is an empty read-only filesystem for plans that read nothing.
func testSource() afero.Fs { return afero.NewReadOnlyFs(afero.NewMemMapFs()) }

package scaffold

import (
	"strings"
	"testing"

	"github.com/spf13/afero"

	"prosody-wizard/config"
)

// TestResolveOwnerHostMessages: a host install's owner comes from the
// prosody user of the system it is written into, and when there is none
// the message names the real cause: an output folder that is no system
// root, or a system without Debian's prosody package.
func TestResolveOwnerHostMessages(t *testing.T) {
	a := config.Defaults()
	a.Deploy = config.DeployHost
	withPasswd := func(passwd, group string) afero.Fs {
		fs := afero.NewMemMapFs()
		_ = afero.WriteFile(fs, "etc/passwd", []byte(passwd), 0o644)
		_ = afero.WriteFile(fs, "etc/group", []byte(group), 0o644)
		return fs
	}
	for _, c := range []struct {
		name, root string
		fs         afero.Fs
		want       []string // in the message
		not        []string // not in it
	}{
		{"a folder that is no system root", "./example.org", afero.NewMemMapFs(),
			[]string{"./example.org is not a system root", "etc/passwd", "give / as the output folder", "owner.uid"},
			[]string{"install Debian's prosody package", "apt-get"}},
		{"a copy of a system without prosody", "./root", withPasswd("root:x:0:0::/root:/bin/sh\n", "root:x:0:\n"),
			[]string{"root/etc/passwd has no prosody entry", "not installed on the system in ./root", "apt-get install prosody", "owner.uid"},
			[]string{"not a system root"}},
		{"this system without prosody", "/", withPasswd("root:x:0:0::/root:/bin/sh\n", "root:x:0:\n"),
			[]string{"/etc/passwd has no prosody entry", "not installed on this system", "apt-get install prosody"},
			[]string{"not a system root"}},
		{"this system without passwd", "/", afero.NewMemMapFs(),
			[]string{"cannot read /etc/passwd", "owner.uid"},
			[]string{"not a system root", "apt-get"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := ResolveOwner(a, c.fs, Invoker{UID: 1000, GID: 1000, Root: c.root})
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%q does not say %q", err, w)
				}
			}
			for _, w := range c.not {
				if strings.Contains(err.Error(), w) {
					t.Errorf("%q says %q", err, w)
				}
			}
		})
	}
	owner, _, err := ResolveOwner(a, withPasswd("prosody:x:102:105::/var/lib/prosody:/usr/sbin/nologin\n", "prosody:x:105:\n"),
		Invoker{UID: 1000, GID: 1000, Root: "/"})
	if err != nil || owner != (config.Owner{UID: 102, GID: 105}) {
		t.Errorf("prosody user 102:105: got %v, %v", owner, err)
	}
}

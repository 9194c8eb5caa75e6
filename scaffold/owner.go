package scaffold

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"

	"github.com/spf13/afero"

	"prosody-wizard/config"
	"prosody-wizard/safeio"
)

// Invoker is who runs prosody-wizard, for choosing owners.
type Invoker struct {
	UID, GID int
	// SudoUID and SudoGID are the ids sudo reports for the person behind
	// root ("" when not run through sudo).
	SudoUID, SudoGID string
	// OutOwner is the owner of the output folder, or of its nearest existing
	// parent (-1 when unknown).
	OutOwner config.Owner
	// Root is the output folder as shown in messages ("/" for a host).
	Root string
}

// SudoUser is the person behind root when run through sudo (SUDO_UID and
// SUDO_GID, a user other than root); ok is false otherwise.
func (w Invoker) SudoUser() (o config.Owner, ok bool) {
	if w.UID != 0 {
		return config.Owner{}, false
	}
	u, err1 := strconv.Atoi(w.SudoUID)
	g, err2 := strconv.Atoi(w.SudoGID)
	if err1 != nil || err2 != nil || u <= 0 {
		return config.Owner{}, false
	}
	return config.Owner{UID: u, GID: g}, true
}

// fallbackOwner is used for compose repos written by root when nothing
// better is known: the first normal user on most systems.
var fallbackOwner = config.Owner{UID: 1000, GID: 1000}

// ResolveOwner turns owner.uid/gid of -1 into numbers. compose: the person
// running the wizard (behind sudo if need be, else the owner of the output
// folder), never root, since Prosody refuses to run as root. host: Debian's
// prosody system user and group, read from root's etc/passwd and etc/group.
// It returns a note to show when it had to guess.
func ResolveOwner(a config.Answers, root afero.Fs, who Invoker) (config.Owner, string, error) {
	if a.Owner.UID >= 0 && a.Owner.GID >= 0 {
		return a.Owner, "", nil
	}
	if a.Deploy == config.DeployHost {
		uid, err := lookupID(root, who.Root, "etc/passwd", "prosody", 2)
		if err != nil {
			return config.Owner{}, "", err
		}
		gid, err := lookupID(root, who.Root, "etc/group", "prosody", 2)
		if err != nil {
			return config.Owner{}, "", err
		}
		return config.Owner{UID: uid, GID: gid}, "", nil
	}
	if who.UID != 0 {
		return config.Owner{UID: who.UID, GID: who.GID}, "", nil
	}
	if o, ok := who.SudoUser(); ok {
		return o, "", nil
	}
	if who.OutOwner.UID > 0 {
		return who.OutOwner, fmt.Sprintf("running as root: the files belong to %d:%d, the owner of the output folder; set owner.uid and owner.gid to choose", who.OutOwner.UID, who.OutOwner.GID), nil
	}
	return fallbackOwner, fmt.Sprintf("running as root: the files belong to %d:%d (Prosody refuses to run as root); set owner.uid and owner.gid to choose", fallbackOwner.UID, fallbackOwner.GID), nil
}

// maxUserDB bounds how much of passwd or group is read.
const maxUserDB = 16 << 20

// lookupID finds name in a colon-separated database (passwd or group) and
// returns the numeric field at index field. Its errors name the cause: an
// output folder that is not a system root (a host install writes into /,
// or into a copy of a Debian system), or a system without Debian's
// prosody package.
func lookupID(root afero.Fs, rootName, file, name string, field int) (int, error) {
	shownFile := path.Join(rootName, file)
	atRoot := rootName == "" || path.Clean(rootName) == "/"
	if atRoot {
		shownFile = "/" + file
	}
	const orOwner = "or set owner.uid and owner.gid in the answers (the wizard's Owner uid and gid)"
	data, err := safeio.ReadRegular(root, file, maxUserDB)
	switch {
	case err != nil && errors.Is(err, fs.ErrNotExist) && !atRoot:
		return 0, fmt.Errorf("the output folder %s is not a system root: it has no %s to find the %s user in. "+
			"A host install (deploy: host) writes into / itself (/etc/prosody, /var/lib/prosody); "+
			"give / as the output folder, or a copy of a Debian system for a test, %s", rootName, file, name, orOwner)
	case err != nil:
		return 0, fmt.Errorf("cannot read %s to find the %s user: %v; %s", shownFile, name, err, orOwner)
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		parts := strings.Split(sc.Text(), ":")
		if len(parts) > field && parts[0] == name {
			id, err := strconv.Atoi(parts[field])
			if err != nil {
				return 0, fmt.Errorf("%s: the %s entry has no numeric id", shownFile, name)
			}
			return id, nil
		}
	}
	where := "this system"
	if !atRoot {
		where = "the system in " + rootName
	}
	return 0, fmt.Errorf("%s has no %s entry: Debian's prosody package, which creates it, is not installed on %s; "+
		"install it first (apt-get install prosody), %s", shownFile, name, where, orOwner)
}

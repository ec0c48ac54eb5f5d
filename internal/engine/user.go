package engine

import (
	"bufio"
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/dietimg/diet/internal/rootfs"
)

// ExecUser is who a container's process runs as.
type ExecUser struct {
	UID, GID   uint32
	Additional []uint32
	Home       string
}

// ResolveUser turns an image or spec user ("", "name", "uid", "uid:gid",
// "name:group") into numeric ids, reading /etc/passwd and /etc/group of
// the root file system fsys as Docker does. diet's sensor uses it inside
// the container to start the program as the image's user.
func ResolveUser(fsys rootfs.FS, user string) (ExecUser, error) {
	u := ExecUser{Home: "/"}
	if user == "" {
		user = "0"
	}
	uname, gname, hasGroup := strings.Cut(user, ":")
	passwd := readDB(fsys, "/etc/passwd")
	groups := readDB(fsys, "/etc/group")

	if id, err := strconv.ParseUint(uname, 10, 32); err == nil {
		u.UID = uint32(id)
		for _, f := range passwd {
			if len(f) >= 6 && f[2] == uname {
				if g, err := strconv.ParseUint(f[3], 10, 32); err == nil {
					u.GID = uint32(g)
				}
				u.Home = f[5]
				uname = f[0]
				break
			}
		}
	} else {
		found := false
		for _, f := range passwd {
			if len(f) >= 6 && f[0] == uname {
				id, err1 := strconv.ParseUint(f[2], 10, 32)
				g, err2 := strconv.ParseUint(f[3], 10, 32)
				if err1 != nil || err2 != nil {
					return u, fmt.Errorf("user %q: bad /etc/passwd entry in the image", uname)
				}
				u.UID, u.GID, u.Home = uint32(id), uint32(g), f[5]
				found = true
				break
			}
		}
		if !found {
			return u, fmt.Errorf("user %q: no such user in the image's /etc/passwd (use a numeric uid:gid)", uname)
		}
	}
	if hasGroup {
		if g, err := strconv.ParseUint(gname, 10, 32); err == nil {
			u.GID = uint32(g)
		} else {
			found := false
			for _, f := range groups {
				if len(f) >= 3 && f[0] == gname {
					g, err := strconv.ParseUint(f[2], 10, 32)
					if err != nil {
						return u, fmt.Errorf("group %q: bad /etc/group entry in the image", gname)
					}
					u.GID = uint32(g)
					found = true
					break
				}
			}
			if !found {
				return u, fmt.Errorf("group %q: no such group in the image's /etc/group (use a numeric gid)", gname)
			}
		}
		return u, nil
	}
	// Supplementary groups: those that list the user as a member.
	for _, f := range groups {
		if len(f) < 4 || f[3] == "" {
			continue
		}
		for _, m := range strings.Split(f[3], ",") {
			if m == uname {
				if g, err := strconv.ParseUint(f[2], 10, 32); err == nil && uint32(g) != u.GID {
					u.Additional = append(u.Additional, uint32(g))
				}
			}
		}
	}
	return u, nil
}

// readDB reads a colon-separated database (passwd, group) from fsys,
// resolving symlinks inside the root; a missing file is empty.
func readDB(fsys rootfs.FS, name string) [][]string {
	data, err := rootfs.ReadFile(fsys, name)
	if err != nil {
		return nil
	}
	var out [][]string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		out = append(out, strings.Split(line, ":"))
	}
	return out
}

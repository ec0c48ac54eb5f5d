package rootfs

import (
	"archive/tar"
	"path"
	"strings"
)

// EntrySize is what one tar entry adds to Docker's size of its layer. The
// overlay2 driver sums the lstat sizes of the unpacked files: a regular
// file its length, a symlink the length of its target; a hard link shares
// its target's inode and is counted once, and directories, devices and
// whiteouts (character devices once unpacked) count nothing.
func EntrySize(hdr *tar.Header) int64 {
	if strings.HasPrefix(path.Base(hdr.Name), whiteoutPrefix) {
		return 0
	}
	switch hdr.Typeflag {
	case tar.TypeReg, tar.TypeRegA:
		return hdr.Size
	case tar.TypeSymlink:
		return int64(len(hdr.Linkname))
	}
	return 0
}

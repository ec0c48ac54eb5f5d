package layer

import "io/fs"

// Kind names the type of an entry of mode m as the reports of diet build
// and diet slim list it: "dir", "symlink" or "file".
func Kind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "dir"
	case m&fs.ModeSymlink != 0:
		return "symlink"
	}
	return "file"
}

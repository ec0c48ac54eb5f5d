package rootfs

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"golang.org/x/sys/unix"
)

// Defaults of UnpackOptions: generous for real images, finite for hostile
// ones.
const (
	DefaultMaxTotalSize int64 = 8 << 30
	DefaultMaxFileSize  int64 = 4 << 30
	DefaultMaxEntries         = 1_000_000
)

// Whiteout markers of the OCI image layer format.
const (
	whiteoutPrefix = ".wh."
	whiteoutOpaque = ".wh..wh..opq"
)

// ErrLimit is returned, wrapped with the layer and entry, when unpacking
// would exceed a size or entry limit of UnpackOptions.
var ErrLimit = errors.New("rootfs: unpack limit exceeded")

// ErrUnsafeEntry is returned, wrapped with the layer and entry, for a layer
// entry that tries to leave the target directory or remove its root.
var ErrUnsafeEntry = errors.New("rootfs: unsafe layer entry")

// UnpackOptions bounds and shapes Unpack. Zero values mean the defaults.
type UnpackOptions struct {
	// MaxFileSize is the largest file, in bytes written, that may be
	// unpacked (default 4 GiB).
	MaxFileSize int64
	// MaxTotalSize bounds the bytes written over all layers (default
	// 8 GiB); data of entries that are skipped counts too, so that a
	// decompression bomb cannot hide in them.
	MaxTotalSize int64
	// MaxEntries bounds the number of tar entries over all layers
	// (default one million).
	MaxEntries int
	// KeepOwners keeps the owners recorded in the layers, setuid and
	// setgid bits, and extended attributes (file capabilities, user.*,
	// trusted.*). As root the files get those owners; otherwise they
	// belong to the caller, and the report's Owners says whose they are
	// in the image (a rootless runtime gives them their owners inside a
	// user namespace).
	KeepOwners bool
}

// Owner is the owner of an unpacked entry as its layer recorded it, with
// the mode it was given (setuid and setgid included, which a later chown
// would clear) and its extended attributes (SCHILY.xattr records), which
// the host file may lack where the caller could not set them.
type Owner struct {
	UID, GID int
	Mode     fs.FileMode
	Xattrs   map[string]string
}

func (o UnpackOptions) withDefaults() UnpackOptions {
	if o.MaxFileSize <= 0 {
		o.MaxFileSize = DefaultMaxFileSize
	}
	if o.MaxTotalSize <= 0 {
		o.MaxTotalSize = DefaultMaxTotalSize
	}
	if o.MaxEntries <= 0 {
		o.MaxEntries = DefaultMaxEntries
	}
	return o
}

// UnpackReport says what Unpack did.
type UnpackReport struct {
	Layers  int   `json:"layers"`
	Entries int   `json:"entries"`
	Bytes   int64 `json:"bytes"`
	// Size is the size Docker reports for the image once loaded: the sum
	// of EntrySize over every entry of every layer, whether this unpack
	// created it or not (artifact.Sizes's uncompressed figure, without a
	// second read of the layers).
	Size    int64          `json:"size"`
	Skipped []SkippedEntry `json:"skipped,omitempty"`
	// Owners, with KeepOwners, holds the owner of every entry in the
	// tree by its clean name relative to the root ("." for the root),
	// taken from the tar headers, never from the host files: the same
	// whether the caller could chown or not.
	Owners map[string]Owner `json:"-"`
	// LostXattrs are extended attributes of the layers that this file
	// system or these privileges would not take (trusted.* needs
	// CAP_SYS_ADMIN); Reason says why.
	LostXattrs []SkippedEntry `json:"lost_xattrs,omitempty"`
}

// SkippedEntry is a layer entry Unpack did not create, with the reason.
type SkippedEntry struct {
	Layer  int    `json:"layer"` // index, from 0 at the bottom
	Name   string `json:"name"`  // as in the layer, cleaned and absolute
	Reason string `json:"reason"`
}

// Unpack applies the layers of img in order into dir, creating dir if
// needed, the way a container runtime would: later layers replace earlier
// files, and whiteouts (.wh.NAME, .wh..wh..opq) delete them.
//
// The image is not trusted. No entry writes outside dir: names with ".."
// are refused, absolute names are taken relative to dir, symlinks in the
// parent directories of an entry are followed with chroot semantics (an
// absolute target restarts at dir) and every write goes through an
// os.Root, which refuses escapes. Hard links must name a file already in
// the tree. Device nodes and FIFOs are never created: they are listed in
// the report's Skipped. Sizes and entry counts are bounded by opts.
func Unpack(ctx context.Context, img v1.Image, dir string, opts UnpackOptions) (*UnpackReport, error) {
	layers, err := img.Layers()
	if err != nil {
		return nil, fmt.Errorf("reading layers: %w", err)
	}
	return UnpackLayers(ctx, layers, dir, opts)
}

// UnpackLayers is Unpack for a list of layers, bottom first.
func UnpackLayers(ctx context.Context, layers []v1.Layer, dir string, opts UnpackOptions) (*UnpackReport, error) {
	return unpackOnto(ctx, layers, dir, opts, nil, 0, nil)
}

// unpackOnto unpacks layers onto the tree in dir that the layers below
// them (first of them, the report base) made: the report goes on from
// base's, the layers are numbered from first, and dirs are the
// directories already there whose modes and times are set at the end.
func unpackOnto(ctx context.Context, layers []v1.Layer, dir string, opts UnpackOptions, base *UnpackReport, first int, dirs map[string]dirMeta) (*UnpackReport, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("creating %s: %w", dir, err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", dir, err)
	}
	defer root.Close()
	u := &unpacker{
		ctx:     ctx,
		root:    root,
		dir:     dir,
		opts:    opts.withDefaults(),
		chown:   opts.KeepOwners && os.Geteuid() == 0,
		dirMeta: map[string]dirMeta{},
		dirs:    map[string]string{},
		report:  &UnpackReport{},
	}
	defer u.closeSub()
	if opts.KeepOwners {
		u.report.Owners = map[string]Owner{}
	}
	if base != nil {
		*u.report = *base
		u.report.Skipped = slices.Clone(base.Skipped)
		u.report.LostXattrs = slices.Clone(base.LostXattrs)
		if opts.KeepOwners {
			u.report.Owners = maps.Clone(base.Owners)
			if u.report.Owners == nil {
				u.report.Owners = map[string]Owner{}
			}
		}
	}
	maps.Copy(u.dirMeta, dirs)
	for i, l := range layers {
		if err := u.layer(first+i, l); err != nil {
			return u.report, err
		}
		u.report.Layers++
	}
	if err := u.finishDirs(); err != nil {
		return u.report, err
	}
	return u.report, nil
}

type dirMeta struct {
	mode  fs.FileMode
	mtime time.Time
}

type unpacker struct {
	ctx     context.Context
	root    *os.Root
	dir     string
	opts    UnpackOptions
	chown   bool
	dirMeta map[string]dirMeta // modes and times of directories, applied at the end
	report  *UnpackReport

	dirs    map[string]string // resolveDir's answers, until something is removed
	sub     *os.Root          // the directory subName, opened in root
	subName string

	// per layer
	index   int
	current map[string]bool // paths this layer created, which its opaque markers keep
}

func (u *unpacker) layer(i int, l v1.Layer) error {
	u.index = i
	u.current = map[string]bool{}
	var rc io.ReadCloser
	var err error
	if c, ok := l.(diffChecked); ok {
		rc, err = c.tarStream()
	} else {
		rc, err = layerTar(l)
	}
	if err != nil {
		return fmt.Errorf("layer %d: %w", i, err)
	}
	defer rc.Close()
	ra := newReadAhead(rc)
	defer ra.Close()
	tr := tar.NewReader(&ctxReader{ctx: u.ctx, r: ra})
	for {
		if err := u.ctx.Err(); err != nil {
			return err
		}
		hdr, err := tr.Next()
		if err == io.EOF {
			// The rest of the stream (the archive's padding) is read too:
			// its end is where a compressed stream's checksum and a
			// layer's diff ID are checked.
			if _, err := io.Copy(io.Discard, ra); err != nil {
				return fmt.Errorf("%s: %w", layerName(i, l), err)
			}
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: reading tar: %w", layerName(i, l), err)
		}
		u.report.Entries++
		u.report.Size += EntrySize(hdr)
		if u.report.Entries > u.opts.MaxEntries {
			return fmt.Errorf("%s: entry %q: more than %d entries: %w", layerName(i, l), hdr.Name, u.opts.MaxEntries, ErrLimit)
		}
		if err := u.entry(hdr, tr); err != nil {
			return fmt.Errorf("%s: entry %q: %w", layerName(i, l), hdr.Name, err)
		}
		// Whatever data the entry has left (a whiteout or a symlink with
		// a size, a sparse file's holes) is read here, within the limits,
		// rather than skipped by the tar reader without any.
		if err := u.discard(tr); err != nil {
			return fmt.Errorf("%s: entry %q: %w", layerName(i, l), hdr.Name, err)
		}
	}
}

// layerName names layer i for an error. The digest is only asked for here:
// a layer made from an uncompressed tar would compress itself to know it.
func layerName(i int, l v1.Layer) string {
	if d, err := l.Digest(); err == nil {
		return fmt.Sprintf("layer %d (%s)", i, d)
	}
	return fmt.Sprintf("layer %d", i)
}

// cleanName turns a layer entry name into a clean name relative to the
// root ("" for the root itself), refusing ".." components.
func cleanName(name string) (string, error) {
	for c := range strings.SplitSeq(name, "/") {
		if c == ".." {
			return "", fmt.Errorf("%w: name has a \"..\" component", ErrUnsafeEntry)
		}
	}
	n := strings.TrimPrefix(path.Clean("/"+name), "/")
	return n, nil
}

func (u *unpacker) skip(name, reason string) {
	u.report.Skipped = append(u.report.Skipped, SkippedEntry{Layer: u.index, Name: "/" + name, Reason: reason})
}

func (u *unpacker) entry(hdr *tar.Header, r io.Reader) error {
	name, err := cleanName(hdr.Name)
	if err != nil {
		return err
	}
	dirName, base := path.Split(name)
	dirName = strings.TrimSuffix(dirName, "/")

	if strings.HasPrefix(base, whiteoutPrefix) {
		return u.whiteout(dirName, base)
	}

	if name == "" {
		return u.rootEntry(hdr)
	}

	switch hdr.Typeflag {
	case tar.TypeChar, tar.TypeBlock:
		u.skip(name, "device node not created")
		return nil
	case tar.TypeFifo:
		u.skip(name, "FIFO not created")
		return nil
	case tar.TypeXGlobalHeader:
		return nil
	case tar.TypeDir, tar.TypeReg, tar.TypeSymlink, tar.TypeLink:
	default:
		u.skip(name, fmt.Sprintf("unsupported tar entry type %q", hdr.Typeflag))
		return nil
	}

	parent, err := u.resolveDir(dirName, true)
	if err != nil {
		return err
	}
	full := join(parent, base)
	// Every operation on the entry goes through its parent directory,
	// opened once for the entries of that directory: a name of one
	// component costs one system call, not one per directory of its path.
	dir, err := u.dirRoot(parent)
	if err != nil {
		return err
	}
	if err := u.create(dir, full, base, hdr, r); err != nil {
		return err
	}
	if hdr.Typeflag != tar.TypeLink {
		u.record(full, hdr)
	}
	// The entry and its directories belong to this layer: an opaque
	// marker that comes later in the layer keeps them.
	for p := full; p != "." && !u.current[p]; p = path.Dir(p) {
		u.current[p] = true
	}
	return nil
}

// rootEntry applies the entry of the root directory itself.
func (u *unpacker) rootEntry(hdr *tar.Header) error {
	if hdr.Typeflag != tar.TypeDir {
		return fmt.Errorf("%w: the root can only be a directory", ErrUnsafeEntry)
	}
	u.dirMeta["."] = dirMeta{mode: u.mode(hdr), mtime: hdr.ModTime}
	u.record(".", hdr)
	if u.chown {
		return u.root.Chown(".", hdr.Uid, hdr.Gid)
	}
	return nil
}

// create makes the directory, file, symlink or hard link of hdr as entry
// base of dir (full from the root), replacing what is there.
func (u *unpacker) create(dir *os.Root, full, base string, hdr *tar.Header, r io.Reader) error {
	switch hdr.Typeflag {
	case tar.TypeDir:
		if err := u.replacing(dir, full, base, true, func() error { return dir.Mkdir(base, 0o755) }); err != nil {
			return err
		}
		u.dirMeta[full] = dirMeta{mode: u.mode(hdr), mtime: hdr.ModTime}
		if err := u.owner(dir, base, hdr); err != nil {
			return err
		}
		if u.chown {
			u.xattrs(full, hdr)
		}
	case tar.TypeReg:
		return u.file(dir, full, base, hdr, r)
	case tar.TypeSymlink:
		if err := u.replacing(dir, full, base, false, func() error { return dir.Symlink(hdr.Linkname, base) }); err != nil {
			return err
		}
		if err := u.owner(dir, base, hdr); err != nil {
			return err
		}
		// os.Root has no Lchtimes. full is free of symlinks up to its
		// last component, which is not followed, in a tree only we write.
		ts := unix.NsecToTimespec(hdr.ModTime.UnixNano())
		_ = unix.UtimesNanoAt(unix.AT_FDCWD, filepath.Join(u.dir, filepath.FromSlash(full)), []unix.Timespec{ts, ts}, unix.AT_SYMLINK_NOFOLLOW)
	case tar.TypeLink:
		return u.hardlink(dir, full, base, hdr.Linkname)
	}
	return nil
}

// mode is the permission of an entry as it will be written: setuid and
// setgid only survive with KeepOwners.
func (u *unpacker) mode(hdr *tar.Header) fs.FileMode {
	m := fs.FileMode(hdr.Mode).Perm()
	if hdr.Mode&0o1000 != 0 {
		m |= fs.ModeSticky
	}
	if u.opts.KeepOwners {
		if hdr.Mode&0o4000 != 0 {
			m |= fs.ModeSetuid
		}
		if hdr.Mode&0o2000 != 0 {
			m |= fs.ModeSetgid
		}
	}
	return m
}

// record notes the owner of entry full from its header.
func (u *unpacker) record(full string, hdr *tar.Header) {
	if u.report.Owners != nil {
		o := Owner{UID: hdr.Uid, GID: hdr.Gid, Mode: u.mode(hdr)}
		for k, v := range hdr.PAXRecords {
			if n, ok := strings.CutPrefix(k, xattrPrefix); ok && n != "" {
				if o.Xattrs == nil {
					o.Xattrs = map[string]string{}
				}
				o.Xattrs[n] = v
			}
		}
		u.report.Owners[full] = o
	}
}

// replacing runs create, which makes entry base of dir (full from the
// root). If something is in the way, it is removed and create runs again,
// unless merge is set and a directory is in the way: layers merge
// directories.
func (u *unpacker) replacing(dir *os.Root, full, base string, merge bool, create func() error) error {
	err := create()
	if !errors.Is(err, fs.ErrExist) {
		return err
	}
	fi, err := dir.Lstat(base)
	if err != nil {
		return err
	}
	if merge && fi.IsDir() {
		return nil
	}
	if err := dir.RemoveAll(base); err != nil {
		return fmt.Errorf("replacing %s: %w", full, err)
	}
	u.forget(full)
	return create()
}

func (u *unpacker) owner(dir *os.Root, base string, hdr *tar.Header) error {
	if !u.chown {
		return nil
	}
	if err := dir.Lchown(base, hdr.Uid, hdr.Gid); err != nil {
		return fmt.Errorf("chown %s: %w", base, err)
	}
	return nil
}

func (u *unpacker) file(dir *os.Root, full, base string, hdr *tar.Header, r io.Reader) error {
	if hdr.Size > u.opts.MaxFileSize {
		return fmt.Errorf("file of %d bytes is larger than the limit of %d: %w", hdr.Size, u.opts.MaxFileSize, ErrLimit)
	}
	var f *os.File
	err := u.replacing(dir, full, base, false, func() (err error) {
		f, err = dir.OpenFile(base, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		return err
	})
	if err != nil {
		return err
	}
	_, err = u.copyLimited(f, r)
	if err == nil && u.chown {
		err = f.Chown(hdr.Uid, hdr.Gid)
	}
	// chown clears setuid bits, so the mode comes after it.
	if err == nil {
		err = f.Chmod(u.mode(hdr))
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("writing %s: %w", full, err)
	}
	if u.chown {
		u.xattrs(full, hdr)
	}
	return dir.Chtimes(base, hdr.ModTime, hdr.ModTime)
}

// xattrPrefix marks the PAX records of extended attributes, as GNU tar,
// Docker and BuildKit write them.
const xattrPrefix = "SCHILY.xattr."

// xattrs restores the extended attributes of an entry: file capabilities
// (setcap), which some programs need to run unprivileged (ping, a server
// binding port 80 as a user), and the user.* and trusted.* ones. An
// attribute the file system or the caller's privileges refuse is listed
// in the report's LostXattrs: the tree is still usable.
func (u *unpacker) xattrs(full string, hdr *tar.Header) {
	var names []string
	for k := range hdr.PAXRecords {
		if n, ok := strings.CutPrefix(k, xattrPrefix); ok && n != "" {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	for _, n := range names {
		// full is free of symlinks inside a tree only we write to.
		err := unix.Lsetxattr(filepath.Join(u.dir, filepath.FromSlash(full)), n, []byte(hdr.PAXRecords[xattrPrefix+n]), 0)
		if err != nil {
			u.report.LostXattrs = append(u.report.LostXattrs, SkippedEntry{Layer: u.index, Name: "/" + full, Reason: n + ": " + err.Error()})
		}
	}
}

// copyLimited copies r to w, counting against the file and total limits;
// it never writes a byte past them.
func (u *unpacker) copyLimited(w io.Writer, r io.Reader) (int64, error) {
	allowed := min(u.opts.MaxFileSize, u.opts.MaxTotalSize-u.report.Bytes)
	n, err := io.Copy(w, io.LimitReader(r, allowed))
	u.report.Bytes += n
	if err != nil {
		return n, err
	}
	if n == allowed {
		var one [1]byte
		if m, _ := io.ReadFull(r, one[:]); m > 0 {
			if allowed < u.opts.MaxFileSize {
				return n, fmt.Errorf("more than %d bytes in all layers: %w", u.opts.MaxTotalSize, ErrLimit)
			}
			return n, fmt.Errorf("file larger than %d bytes: %w", u.opts.MaxFileSize, ErrLimit)
		}
	}
	return n, nil
}

// discard reads what is left of the current entry, counting it against the
// total limit.
func (u *unpacker) discard(r io.Reader) error {
	allowed := u.opts.MaxTotalSize - u.report.Bytes
	n, err := io.Copy(io.Discard, io.LimitReader(r, allowed))
	u.report.Bytes += n
	if err != nil {
		return err
	}
	if n == allowed {
		var one [1]byte
		if m, _ := io.ReadFull(r, one[:]); m > 0 {
			return fmt.Errorf("more than %d bytes in all layers: %w", u.opts.MaxTotalSize, ErrLimit)
		}
	}
	return nil
}

func (u *unpacker) hardlink(dir *os.Root, full, base, linkname string) error {
	target, err := cleanName(linkname)
	if err != nil {
		return fmt.Errorf("hard link target %q: %w", linkname, err)
	}
	if target == "" {
		return fmt.Errorf("%w: hard link to the root", ErrUnsafeEntry)
	}
	tdir, tbase := path.Split(target)
	tparent, err := u.resolveDir(strings.TrimSuffix(tdir, "/"), false)
	if err != nil {
		return fmt.Errorf("hard link target %q: %w", linkname, err)
	}
	tfull := join(tparent, tbase)
	fi, err := u.root.Lstat(tfull)
	if err != nil {
		return fmt.Errorf("hard link target %q: %w", linkname, err)
	}
	if fi.IsDir() {
		return fmt.Errorf("%w: hard link %q names a directory", ErrUnsafeEntry, linkname)
	}
	if tfull == full {
		return nil
	}
	if err := u.replacing(dir, full, base, false, func() error { return u.root.Link(tfull, full) }); err != nil {
		return err
	}
	// A hard link shares its target's inode, and so its owner.
	if o, ok := u.report.Owners[tfull]; ok {
		u.report.Owners[full] = o
	}
	return nil
}

// whiteout applies a whiteout entry found in directory dirName.
func (u *unpacker) whiteout(dirName, base string) error {
	victim := strings.TrimPrefix(base, whiteoutPrefix)
	if base != whiteoutOpaque && (victim == "" || victim == "." || victim == "..") {
		return fmt.Errorf("%w: whiteout of %q", ErrUnsafeEntry, "/"+join(dirName, victim))
	}
	parent, err := u.resolveDir(dirName, false)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, errNotDir) {
		return nil // nothing below to hide
	}
	if err != nil {
		return err
	}
	if base == whiteoutOpaque {
		if parent == "." {
			// Hiding every lower layer is no image a builder makes.
			return fmt.Errorf("%w: opaque whiteout of the root", ErrUnsafeEntry)
		}
		return u.opaque(parent)
	}
	if strings.HasPrefix(victim, whiteoutPrefix) {
		// AUFS metadata (.wh..wh.plnk, .wh..wh.aufs): not part of the image.
		u.skip(join(dirName, base), "AUFS metadata")
		return nil
	}
	full := join(parent, victim)
	if full == "." || full == "" {
		return fmt.Errorf("%w: whiteout of the root", ErrUnsafeEntry)
	}
	if u.current[full] {
		// A whiteout hides lower layers only, never its own layer's
		// files: of a directory this layer writes into, it removes what
		// lower layers put there, like an opaque marker.
		if fi, err := u.root.Lstat(full); err == nil && fi.IsDir() {
			return u.opaque(full)
		}
		return nil
	}
	if err := u.root.RemoveAll(full); err != nil {
		return fmt.Errorf("whiteout of %s: %w", full, err)
	}
	u.forget(full)
	return nil
}

// opaque empties directory dir of everything that earlier layers put there,
// keeping what the current layer wrote.
func (u *unpacker) opaque(dir string) error {
	f, err := u.root.Open(dir)
	if err != nil {
		return err
	}
	entries, err := f.ReadDir(-1)
	f.Close()
	if err != nil {
		return err
	}
	for _, e := range entries {
		p := join(dir, e.Name())
		if !u.current[p] {
			if err := u.root.RemoveAll(p); err != nil {
				return fmt.Errorf("opaque whiteout of %s: %w", dir, err)
			}
			u.forget(p)
			continue
		}
		if e.IsDir() && e.Type()&fs.ModeSymlink == 0 {
			if err := u.opaque(p); err != nil {
				return err
			}
		}
	}
	return nil
}

// resolveDir resolves directory name (clean, relative) inside the root with
// chroot semantics and returns its symlink-free name ("." for the root).
// With create, missing directories are made as a runtime would (0755).
func (u *unpacker) resolveDir(name string, create bool) (string, error) {
	if d, ok := u.dirs[name]; ok {
		return d, nil
	}
	w := walker{lstat: u.root.Lstat, readlink: u.root.Readlink, dirs: true}
	if create {
		w.mkdir = func(name string) error { return u.root.Mkdir(name, 0o755) }
	}
	res, err := w.walk(name)
	if err != nil {
		return "", err
	}
	d := rel(res.Path)
	u.dirs[name] = d
	return d, nil
}

// dirRoot returns directory name (symlink-free, from resolveDir) opened in
// the root; it stays open for the next entries until another directory is
// asked for or something is removed.
func (u *unpacker) dirRoot(name string) (*os.Root, error) {
	if name == "." {
		return u.root, nil
	}
	if u.sub != nil && u.subName == name {
		return u.sub, nil
	}
	u.closeSub()
	r, err := u.root.OpenRoot(name)
	if err != nil {
		return nil, err
	}
	u.sub, u.subName = r, name
	return r, nil
}

func (u *unpacker) closeSub() {
	if u.sub != nil {
		u.sub.Close()
		u.sub, u.subName = nil, ""
	}
}

// finishDirs sets the modes and times of directories last, deepest first,
// since writing into a directory changes its time and a read-only mode
// would have stopped the writes.
func (u *unpacker) finishDirs() error {
	names := make([]string, 0, len(u.dirMeta))
	for n := range u.dirMeta {
		names = append(names, n)
	}
	slices.SortFunc(names, func(a, b string) int {
		if d := strings.Count(b, "/") - strings.Count(a, "/"); d != 0 {
			return d
		}
		return strings.Compare(a, b)
	})
	for _, n := range names {
		m := u.dirMeta[n]
		fi, err := u.root.Lstat(n)
		if err != nil || !fi.IsDir() {
			continue // replaced or removed by a later layer
		}
		if err := u.root.Chmod(n, m.mode); err != nil {
			return fmt.Errorf("chmod %s: %w", n, err)
		}
		if err := u.root.Chtimes(n, m.mtime, m.mtime); err != nil {
			return fmt.Errorf("setting times of %s: %w", n, err)
		}
	}
	return nil
}

// forget drops the directory metadata of p and everything below it, which
// has just been removed.
func (u *unpacker) forget(p string) {
	clear(u.dirs)
	if u.subName == p || strings.HasPrefix(u.subName, p+"/") {
		u.closeSub()
	}
	_, wasDir := u.dirMeta[p]
	for n := range u.dirMeta {
		if n == p || strings.HasPrefix(n, p+"/") {
			delete(u.dirMeta, n)
		}
	}
	if u.report.Owners == nil {
		return
	}
	delete(u.report.Owners, p)
	if wasDir {
		for n := range u.report.Owners {
			if strings.HasPrefix(n, p+"/") {
				delete(u.report.Owners, n)
			}
		}
	}
}

func join(dir, name string) string {
	if dir == "." || dir == "" {
		return name
	}
	return dir + "/" + name
}

// ctxReader stops a long copy when its context ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// Package image assembles images and reads and writes them in every
// transport skopeo and podman users know: oci:DIR[:TAG], oci-archive:FILE,
// docker-archive:FILE, docker-daemon:REF and docker://REF.
//
// Planned API (owned by the build work; other packages code against it):
//
//	func Read(ctx context.Context, ref string, opts ReadOptions) (v1.Image, error)
//	func Write(ctx context.Context, img v1.Image /* or v1.ImageIndex */, dest string, opts WriteOptions) (Written, error)
package image

// Package image reads and writes images in every transport skopeo and
// podman users know: oci:DIR[:TAG], oci-archive:FILE[:TAG],
// docker-archive:FILE[:REF], docker-daemon:REF and docker://REF (a bare
// reference means docker://). Writes to files and directories never leave
// a half-written result at the target path: they go to a temporary name
// beside it and are renamed into place.
package image

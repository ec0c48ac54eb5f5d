package sbom

import (
	"strings"
	"testing"
)

func TestChecksums(t *testing.T) {
	f, err := Checksums(strings.NewReader("abc"))
	if err != nil {
		t.Fatal(err)
	}
	if f.Size != 3 || f.SHA1 != "a9993e364706816aba3e25717850c26c9cd0d89d" ||
		f.SHA256 != "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" {
		t.Errorf("checksums of abc: %+v", f)
	}
}

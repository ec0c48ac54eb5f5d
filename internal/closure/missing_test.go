package closure

import (
	"errors"
	"fmt"
	"testing"
)

func TestMissingError(t *testing.T) {
	err := fmt.Errorf("building: %w", &MissingError{
		Root: "the image's tree",
		Missing: []Missing{
			{Soname: "libjq.so.1", NeededBy: []string{"/usr/bin/jq"}},
			{Soname: "libc.musl-x86_64.so.1", NeededBy: []string{"/a", "/b"}, Reason: "a glibc file of that name"},
		},
		Hint: "pass --allow-missing to build anyway",
	})
	if !errors.Is(err, ErrMissing) {
		t.Errorf("errors.Is(%v, ErrMissing) = false", err)
	}
	var me *MissingError
	if !errors.As(err, &me) || len(me.Missing) != 2 || me.Missing[0].Soname != "libjq.so.1" {
		t.Fatalf("errors.As gives %+v", me)
	}
	want := "building: unresolved libraries in the image's tree: libjq.so.1 (needed by /usr/bin/jq); " +
		"libc.musl-x86_64.so.1 (needed by /a, /b: a glibc file of that name) (pass --allow-missing to build anyway)"
	if err.Error() != want {
		t.Errorf("message\n %s\nwant\n %s", err, want)
	}
	if errors.Is(errors.New("unresolved libraries"), ErrMissing) {
		t.Error("another error of the same text is ErrMissing")
	}
}

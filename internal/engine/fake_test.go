package engine_test

import (
	"context"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"

	"github.com/dietimg/diet/internal/engine"
)

// fake is an Engine of another package, as a test of a package that
// takes an Engine would write one: the interface is not sealed.
type fake struct{ runs int }

func (f *fake) Name() string                        { return "fake" }
func (f *fake) Available(ctx context.Context) error { return nil }
func (f *fake) Run(ctx context.Context, img v1.Image, spec engine.Spec) (*engine.Result, error) {
	f.runs++
	return &engine.Result{Runtime: f.Name(), Stdout: []byte("fake\n")}, nil
}
func (f *fake) Start(ctx context.Context, img v1.Image, spec engine.Spec) (*engine.Container, error) {
	return nil, nil
}
func (f *fake) Hold(ctx context.Context, img v1.Image) (*engine.Held, error) { return nil, nil }
func (f *fake) HoldDir(ctx context.Context, img v1.Image, root string) (*engine.Held, error) {
	return nil, nil
}

func TestEngineFromAnotherPackage(t *testing.T) {
	img, err := random.Image(10, 1)
	if err != nil {
		t.Fatal(err)
	}
	f := &fake{}
	var e engine.Engine = f
	res, err := e.Run(context.Background(), img, engine.Spec{Args: []string{"x"}})
	if err != nil || string(res.Stdout) != "fake\n" || f.runs != 1 {
		t.Fatalf("the fake's Run: %+v, %v", res, err)
	}
}

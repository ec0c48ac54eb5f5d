package cli

import (
	"context"

	"github.com/dietimg/diet/internal/artifact"
	"github.com/dietimg/diet/internal/publish"
)

// publishArtifact writes art to dest, and report (nil for none) beside
// it. The report embeds *pub, which says where everything goes before the
// write (so the report file records it) and where it went after.
func publishArtifact(ctx context.Context, dest string, art artifact.Artifact, pub *publish.Published, report any, opts publish.Options) error {
	var err error
	if *pub, err = publish.Plan(dest, art, report != nil); err != nil {
		return err
	}
	got, err := publish.Write(ctx, dest, art, report, opts)
	if err != nil {
		return err
	}
	*pub = got
	return nil
}

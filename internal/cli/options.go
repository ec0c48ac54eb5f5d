package cli

import (
	"fmt"
	"os"
	"strconv"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/dietimg/diet/internal/engine"
	"github.com/dietimg/diet/internal/image"
)

// The option structs below are the flags that several commands share.
// Each is defined and parsed in one place; a command embeds the ones it
// takes and calls their addFlags.

// registryOptions is how a command talks to registries (docker:// images
// it reads or writes).
type registryOptions struct {
	insecure bool
}

func (o *registryOptions) addFlags(cmd *cobra.Command) {
	cmd.Flags().BoolVar(&o.insecure, "insecure", false, "allow plain HTTP to the registries of docker:// images")
}

// platformOptions is --platform: the platforms to build for, or the
// image to take from an index. usage says which, for the command.
type platformOptions struct {
	platform string
}

func (o *platformOptions) addFlags(cmd *cobra.Command, usage string) {
	cmd.Flags().StringVar(&o.platform, "platform", "", usage)
}

// platforms parses --platform as a list, os/arch[/variant][,...]; nil
// when it is not given.
func (o *platformOptions) platforms() ([]v1.Platform, error) {
	if o.platform == "" {
		return nil, nil
	}
	ps, err := image.ParsePlatforms(o.platform)
	if err != nil {
		return nil, fmt.Errorf("--platform: %w", err)
	}
	return ps, nil
}

// single parses --platform as one platform; nil when it is not given.
func (o *platformOptions) single() (*v1.Platform, error) {
	if o.platform == "" {
		return nil, nil
	}
	p, err := image.ParsePlatform(o.platform)
	if err != nil {
		return nil, fmt.Errorf("--platform: %w", err)
	}
	return &p, nil
}

// parseEpoch reads SOURCE_DATE_EPOCH, the time of every file and of the
// images diet writes: seconds since 1970, 0 when it is unset or empty.
func parseEpoch() (time.Time, error) {
	s := os.Getenv("SOURCE_DATE_EPOCH")
	if s == "" {
		return time.Unix(0, 0).UTC(), nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return time.Time{}, fmt.Errorf("SOURCE_DATE_EPOCH=%q: want seconds since 1970", s)
	}
	return time.Unix(n, 0).UTC(), nil
}

// runtimeFlag adds --runtime, how every command chooses its engine
// (engine.New), with one default.
func runtimeFlag(fl *pflag.FlagSet, p *string, what string) {
	fl.StringVar(p, "runtime", engine.Auto, what+": auto (runc, rootless when diet is not root; else Docker; else podman), runc, docker or podman")
}

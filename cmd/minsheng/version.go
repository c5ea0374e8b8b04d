package main

import (
	"fmt"
	"runtime"

	"github.com/spf13/cobra"
)

// Set at build time: go build -ldflags "-X main.version=1.2.0 -X main.commit=$(git rev-parse --short HEAD)".
var (
	version = "dev"
	commit  = "unknown"
)

func newVersion(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print version, commit and Go version",
		Args:  noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			_, err := fmt.Fprintf(g.stdout, "minsheng %s (commit %s, %s %s/%s)\n", version, commit, runtime.Version(), runtime.GOOS, runtime.GOARCH)
			return err
		},
	}
}

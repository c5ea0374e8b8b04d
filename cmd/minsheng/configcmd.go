package main

import (
	"errors"
	"fmt"

	"github.com/minsheng/minsheng/bot/aliyun"
	"github.com/minsheng/minsheng/config"
	"github.com/minsheng/minsheng/dialog"
	"github.com/spf13/cobra"
)

func newConfig(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Work with the configuration",
		Args:  noArgs,
		RunE:  func(c *cobra.Command, _ []string) error { return c.Help() },
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "check",
		Short: "Validate the configuration and print it with secrets redacted; exit 1 listing every problem",
		Args:  noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			cfg, err := config.Load(g.configFile)
			var probs config.Problems
			if err != nil && !errors.As(err, &probs) {
				return err
			}
			probs = append(probs, dialogProblems(cfg)...)
			probs = append(probs, aliyunProblems(cfg)...)
			out, yerr := cfg.Redacted().YAML()
			if yerr != nil {
				return yerr
			}
			fmt.Fprintf(g.stdout, "# effective configuration (secrets shown as ***)\n%s", out)
			if len(probs) > 0 {
				fmt.Fprintln(g.stderr, "minsheng:", probs.Error())
				return exitError{exitProblem}
			}
			fmt.Fprintln(g.stderr, "configuration ok")
			return nil
		},
	})
	return cmd
}

// dialogProblems checks the reply templates: overrides that do not parse.
func dialogProblems(cfg *config.Config) config.Problems {
	_, probs := dialog.NewTemplates(cfg.Dialog.Templates)
	return probs
}

// aliyunProblems checks that the mainland gateway's approved templates
// cover every reply key, when that channel is configured.
func aliyunProblems(cfg *config.Config) config.Problems {
	if !cfg.SMS.Aliyun.Enabled() {
		return nil
	}
	return aliyun.CheckTemplates(cfg.SMS.Aliyun.Templates, aliyun.ReplyKeys(cfg.Dialog.Templates))
}

package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/minsheng/minsheng/bot/aliyun"
	"github.com/minsheng/minsheng/config"
	"github.com/spf13/cobra"
)

// newTemplates is `minsheng templates --channel aliyun [--format text|yaml]`:
// for every reply key the text to submit for approval, and whether the
// configured templates cover them all.
func newTemplates(g *globals) *cobra.Command {
	var channel, format string
	cmd := &cobra.Command{
		Use:   "templates --channel aliyun [--format text|yaml]",
		Short: "Print, for every reply key, the SMS template text to submit for approval, and check the configured ones cover them",
		Args:  noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if channel != "aliyun" {
				return usageError{fmt.Errorf("--channel %q: the one channel that sends approved templates is aliyun", channel)}
			}
			if format != "text" && format != "yaml" {
				return usageError{fmt.Errorf("--format %q: one of text, yaml", format)}
			}
			cfg, err := config.Load(g.configFile)
			var probs config.Problems
			if err != nil && !errors.As(err, &probs) {
				return err
			}
			keys := aliyun.ReplyKeys(cfg.Dialog.Templates)
			a := cfg.SMS.Aliyun
			if format == "yaml" {
				printTemplatesYAML(g.stdout, keys, a.Templates)
			} else {
				printTemplatesText(g.stdout, keys)
			}
			missing := aliyun.CheckTemplates(a.Templates, keys)
			fmt.Fprintf(g.stderr, "%d reply keys; %d problems with sms.aliyun.templates\n", len(keys), len(missing))
			for _, p := range missing {
				fmt.Fprintln(g.stderr, "  "+p)
			}
			if a.Enabled() && len(missing) > 0 {
				return exitError{exitProblem}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&channel, "channel", "", "the channel whose templates to print: aliyun")
	cmd.Flags().StringVar(&format, "format", "text", "text (to read and submit) or yaml (a ready sms.aliyun.templates block)")
	return cmd
}

func printTemplatesText(w io.Writer, keys []aliyun.ReplyKey) {
	fmt.Fprintln(w, "# SMS templates to submit for approval (通知短信), one per reply key.")
	fmt.Fprintln(w, "# The signature 【…】 is added by the provider; set each variable's property as shown.")
	for _, k := range keys {
		fmt.Fprintf(w, "\n%s\n  %s\n", k.Name, k.Text)
		if len(k.Vars) > 0 {
			var vs []string
			for _, v := range k.Vars {
				vs = append(vs, v+": "+aliyun.Property(v))
			}
			fmt.Fprintf(w, "  variables: %s\n", strings.Join(vs, "; "))
		}
		if strings.Contains(k.Text, "}${") {
			fmt.Fprintf(w, "  note: two variables side by side, which reviewers refuse: put a word between them (dialog.templates.%s)\n", k.Name)
		}
	}
}

func printTemplatesYAML(w io.Writer, keys []aliyun.ReplyKey, have map[string]config.AliyunTemplate) {
	fmt.Fprintln(w, "# Replace each SMS_TODO_… with the code of the approved template (config check fails until then).")
	fmt.Fprintln(w, "sms:\n  aliyun:\n    templates:")
	for _, k := range keys {
		code := "SMS_TODO_" + k.Name
		if t, ok := have[k.Name]; ok && t.Code != "" {
			code = t.Code
		}
		fmt.Fprintf(w, "      %s: { code: %s, params: [%s] }  # %s\n", k.Name, code, strings.Join(k.Vars, ", "), k.Text)
	}
}

// Command minsheng (民声) takes citizens' appeals in over SMS and chat, talks
// with them until each appeal is complete, delivers the petitions to the
// case backend and carries the case's status and survey back.
//
//	minsheng serve          everything: HTTP, channels, queues, schedulers
//	minsheng chat           talk to the bot as a citizen from the terminal
//	minsheng config check   validate and print the effective configuration
//	minsheng version
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/minsheng/minsheng/config"
	"github.com/spf13/cobra"
)

// Exit codes.
const (
	exitOK      = 0
	exitProblem = 1 // invalid configuration, a failure while running
	exitUsage   = 2 // bad flags or arguments, unreadable config file
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// usageError marks mistakes in how the command was called (exit 2).
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// exitError carries an exit code for an error already reported.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit %d", e.code) }

// run is main without the process: tests call it directly.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := newRoot(stdin, stdout, stderr)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	var ee exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	fmt.Fprintln(stderr, "minsheng:", err)
	var ue usageError
	var fe *config.FileError
	if errors.As(err, &ue) || errors.As(err, &fe) {
		return exitUsage
	}
	return exitProblem
}

type globals struct {
	configFile string
	stdin      io.Reader
	stdout     io.Writer
	stderr     io.Writer
}

func newRoot(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	g := &globals{stdin: stdin, stdout: stdout, stderr: stderr}
	root := &cobra.Command{
		Use:           "minsheng",
		Short:         "民声: citizens' appeals by SMS and chat, taken in, handled and answered",
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          noArgs,
		RunE:          func(c *cobra.Command, _ []string) error { return c.Help() },
	}
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.PersistentFlags().StringVar(&g.configFile, "config", "", "YAML configuration file (default: embedded defaults + MINSHENG_* environment)")
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageError{fmt.Errorf("%w (see %s --help)", err, c.CommandPath())}
	})
	root.AddCommand(newServe(g), newChat(g), newConfig(g), newTrain(g), newClassify(g), newReport(g), newHot(g), newOffice(g), newTemplates(g), newVersion(g))
	return root
}

// noArgs rejects stray arguments and unknown subcommands with a usage error.
func noArgs(c *cobra.Command, args []string) error {
	if len(args) > 0 {
		if c.HasSubCommands() {
			return usageError{fmt.Errorf("unknown command %q for %q (see %s --help)", args[0], c.CommandPath(), c.CommandPath())}
		}
		return usageError{fmt.Errorf("%s takes no arguments, got %q", c.CommandPath(), args)}
	}
	return nil
}

// load reads the configuration; problems are printed, all of them.
func (g *globals) load() (*config.Config, error) {
	cfg, err := config.Load(g.configFile)
	var probs config.Problems
	if errors.As(err, &probs) {
		fmt.Fprintln(g.stderr, "minsheng:", probs.Error())
		return nil, exitError{exitProblem}
	}
	return cfg, err
}

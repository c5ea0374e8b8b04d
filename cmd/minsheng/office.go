package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/minsheng/minsheng/bot"
	"github.com/minsheng/minsheng/bot/officeauth"
	"github.com/minsheng/minsheng/config"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

func newOffice(g *globals) *cobra.Command {
	office := &cobra.Command{
		Use:   "office",
		Short: "The office page's accounts (/office/)",
		Args:  noArgs,
		RunE:  func(c *cobra.Command, _ []string) error { return c.Help() },
	}
	users := &cobra.Command{
		Use:   "user",
		Short: "Add, list, disable and enable the office page's accounts, and set their passwords",
		Long: `Named accounts of the office page, kept in the bot's Redis (redis.addr):
clerks use the page, admins also read the audit trail (/office/audit).
Passwords are read from a prompt at a terminal, else one line from stdin;
never from a flag. Each change is in the audit trail.

  minsheng office user add zhang --role admin
  printf '%s\n' "$PASSWORD" | minsheng office user add wang
  minsheng office user list
  minsheng office user passwd wang
  minsheng office user disable wang      # its sessions end at once`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error { return c.Help() },
	}
	var role string
	add := &cobra.Command{
		Use:   "add NAME [--role clerk|admin]",
		Short: "Add an account (password from the prompt, or stdin)",
		Args:  oneName,
		RunE: func(c *cobra.Command, args []string) error {
			r, err := officeauth.ParseRole(role)
			if err != nil {
				return usageError{fmt.Errorf("--role: %w", err)}
			}
			return withDoor(c.Context(), g, func(d *officeauth.Door, by officeauth.Actor, _ *config.Config) error {
				pw, err := readPassword(g, args[0])
				if err != nil {
					return err
				}
				if err := d.AddUser(c.Context(), by, args[0], r, pw); err != nil {
					return err
				}
				fmt.Fprintf(g.stdout, "added %s (%s)\n", args[0], r)
				return nil
			})
		},
	}
	add.Flags().StringVar(&role, "role", string(officeauth.Clerk), "clerk (uses the page) or admin (also reads the audit trail)")
	list := &cobra.Command{
		Use:   "list",
		Short: "List the accounts: name, role, state, when created, password set and last login",
		Args:  noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return withDoor(c.Context(), g, func(d *officeauth.Door, _ officeauth.Actor, cfg *config.Config) error {
				accts, err := d.Users(c.Context())
				if err != nil {
					return err
				}
				loc := cfg.Location()
				when := func(t time.Time) string {
					if t.IsZero() {
						return "-"
					}
					return t.In(loc).Format("2006-01-02 15:04")
				}
				tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "NAME\tROLE\tSTATE\tCREATED\tPASSWORD SET\tLAST LOGIN")
				for _, a := range accts {
					state := "active"
					if !a.Disabled.IsZero() {
						state = "disabled " + when(a.Disabled)
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", a.Name, a.Role, state, when(a.Created), when(a.PasswordSet), when(a.LastLogin))
				}
				return tw.Flush()
			})
		},
	}
	disable := &cobra.Command{
		Use:   "disable NAME",
		Short: "Stop an account from logging in, and end its sessions at once",
		Args:  oneName,
		RunE: func(c *cobra.Command, args []string) error {
			return withDoor(c.Context(), g, func(d *officeauth.Door, by officeauth.Actor, _ *config.Config) error {
				n, err := d.Disable(c.Context(), by, args[0])
				if err != nil {
					return err
				}
				fmt.Fprintf(g.stdout, "disabled %s: %d sessions ended\n", args[0], n)
				return nil
			})
		},
	}
	enable := &cobra.Command{
		Use:   "enable NAME",
		Short: "Let a disabled account log in again",
		Args:  oneName,
		RunE: func(c *cobra.Command, args []string) error {
			return withDoor(c.Context(), g, func(d *officeauth.Door, by officeauth.Actor, _ *config.Config) error {
				if err := d.Enable(c.Context(), by, args[0]); err != nil {
					return err
				}
				fmt.Fprintf(g.stdout, "enabled %s\n", args[0])
				return nil
			})
		},
	}
	passwd := &cobra.Command{
		Use:   "passwd NAME",
		Short: "Set an account's password (from the prompt, or stdin); its sessions end",
		Args:  oneName,
		RunE: func(c *cobra.Command, args []string) error {
			return withDoor(c.Context(), g, func(d *officeauth.Door, by officeauth.Actor, _ *config.Config) error {
				pw, err := readPassword(g, args[0])
				if err != nil {
					return err
				}
				n, err := d.SetPassword(c.Context(), by, args[0], pw)
				if err != nil {
					return err
				}
				fmt.Fprintf(g.stdout, "password of %s changed: %d sessions ended\n", args[0], n)
				return nil
			})
		},
	}
	users.AddCommand(add, list, disable, enable, passwd)
	office.AddCommand(users)
	return office
}

// oneName takes exactly the account's name.
func oneName(c *cobra.Command, args []string) error {
	if len(args) != 1 {
		return usageError{fmt.Errorf("%s takes the account's name (see %s --help)", c.CommandPath(), c.CommandPath())}
	}
	return nil
}

// withDoor opens the bot's Redis and runs f with the door and who acts
// ("(cli:user@host)").
func withDoor(ctx context.Context, g *globals, f func(*officeauth.Door, officeauth.Actor, *config.Config) error) error {
	cfg, err := g.load()
	if err != nil {
		return err
	}
	if cfg.Redis.Embedded() {
		return errors.New("office accounts live in the bot's Redis: set redis.addr (the embedded store keeps nothing between runs; there, http.admin_token opens the page)")
	}
	store, err := bot.OpenStore(ctx, cfg.Redis, 0)
	if err != nil {
		return err
	}
	defer store.Close()
	log := bot.NewLogger(g.stderr, "warn", cfg.Log.Format)
	return f(bot.NewDoor(cfg, store, time.Now, log), officeauth.Actor{Name: cliActor(), Addr: "local"}, cfg)
}

// cliActor names who runs the command in the audit trail.
func cliActor() string {
	name := "unknown"
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	host, _ := os.Hostname()
	return "(cli:" + name + "@" + host + ")"
}

// readPassword asks for a password twice at a terminal, else reads one
// line of stdin.
func readPassword(g *globals, name string) (string, error) {
	if f, ok := g.stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprintf(g.stderr, "password for %s (at least %d characters, two kinds): ", name, officeauth.MinPasswordLen)
		a, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(g.stderr)
		if err != nil {
			return "", fmt.Errorf("read the password: %w", err)
		}
		fmt.Fprint(g.stderr, "again: ")
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(g.stderr)
		if err != nil {
			return "", fmt.Errorf("read the password: %w", err)
		}
		if string(a) != string(b) {
			return "", errors.New("the passwords differ")
		}
		return string(a), nil
	}
	line, err := bufio.NewReader(g.stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read the password from stdin: %w", err)
	}
	pw := strings.TrimRight(line, "\r\n")
	if pw == "" {
		return "", errors.New("no password on stdin (one line)")
	}
	return pw, nil
}

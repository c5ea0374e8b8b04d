package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"time"

	"github.com/minsheng/minsheng/bot"
	"github.com/minsheng/minsheng/config"
	"github.com/minsheng/minsheng/intake/classify"
	"github.com/minsheng/minsheng/intake/hot"
	"github.com/minsheng/minsheng/intake/hot/live"
	"github.com/spf13/cobra"
)

type hotFlags struct {
	data, format, since, until, period string
	window                             time.Duration
	top                                int
}

func newHot(g *globals) *cobra.Command {
	var f hotFlags
	cmd := &cobra.Command{
		Use:   "hot (--since YYYY-MM-DD [--until YYYY-MM-DD] | --period week|month|quarter|this-week|this-month|this-quarter | --data FILE.jsonl[.gz]) [--format text|json] [--top 10]",
		Short: "Hot issues (热点): appeals from many citizens about one matter at one place, largest first",
		Long: `List hot issues, the largest (most distinct citizens) first, each with its
first three texts.

With --since/--until (days in the configured time zone, --until included;
or --period: the last full week, month or quarter, or this one to date):
the text is Chinese, for the office; the hot issues of the
petitions the bot delivered, as hot_issue on each petition says, read from
Redis: those of two citizens or more with a petition in the period. Live
ones (a petition within intake.hot_window) are there whole; ended ones for
report.retention after their last petition (400 days by default), with
their texts cut to 140 characters; a lone petition's only while it is live.

With --data: cluster the appeals of a file (JSON lines with id, user,
title, text, time, as the shared appeals-hot data; gzip-compressed or not)
over a sliding --window; times are read in the configured time zone.`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if !slices.Contains([]string{"text", "json"}, f.format) {
				return usageError{fmt.Errorf("--format %q: one of text, json", f.format)}
			}
			if f.window <= 0 || f.top <= 0 {
				return usageError{fmt.Errorf("--window and --top must be positive")}
			}
			stored := f.since != "" || f.until != "" || f.period != ""
			if f.data == "" && !stored {
				return usageError{fmt.Errorf("hot needs --since (or --period) for the stored petitions, or --data FILE.jsonl")}
			}
			if f.data != "" && stored {
				return usageError{fmt.Errorf("--data goes without --since, --until and --period")}
			}
			cfg, err := g.load()
			if err != nil {
				return err
			}
			loc, err := time.LoadLocation(cfg.Timezone)
			if err != nil {
				return fmt.Errorf("timezone: %w", err)
			}
			if stored {
				return runHotStored(c.Context(), g, cfg, f, loc)
			}
			return runHotFile(g, f, loc)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.since, "since", "", "first day (YYYY-MM-DD, in timezone): the bot's petitions")
	fl.StringVar(&f.until, "until", "", "last day, included (default: today with --since)")
	fl.StringVar(&f.period, "period", "", "week, month or quarter: the last full one; this-week, this-month or this-quarter: to date (instead of --since/--until)")
	fl.StringVar(&f.data, "data", "", "appeals, JSON lines {id,user,title,text,time}, .gz or not")
	fl.DurationVar(&f.window, "window", hot.DefaultWindow, "with --data: a cluster expires this long after its last appeal")
	fl.StringVar(&f.format, "format", "text", "text or json")
	fl.IntVar(&f.top, "top", 10, "how many clusters to list")
	return cmd
}

func runHotFile(g *globals, f hotFlags, loc *time.Location) error {
	in, err := os.Open(f.data)
	if err != nil {
		return usageError{fmt.Errorf("appeals: %w", err)}
	}
	items, err := hot.ReadAppeals(in, classify.Folding(classify.Default()), loc)
	in.Close()
	if err != nil {
		return fmt.Errorf("%s: %w", f.data, err)
	}
	clusters, placed := hotClusters(items, f.window)
	clusters = clusters[:min(f.top, len(clusters))]
	if f.format == "json" {
		return writeHotJSON(g.stdout, clusters)
	}
	fmt.Fprintf(g.stdout, "%d 条诉求，其中 %d 条有比区县更细的地点；热点窗口 %s\n", len(items), placed, hotWindow(f.window))
	writeHotText(g.stdout, clusters, loc)
	return nil
}

// runHotStored lists the hot issues of the bot's petitions in a period,
// from Redis (intake/hot/live).
func runHotStored(ctx context.Context, g *globals, cfg *config.Config, f hotFlags, loc *time.Location) error {
	p, err := periodOf(f.since, f.until, f.period, time.Now(), loc)
	if err != nil {
		return usageError{err}
	}
	if cfg.Redis.Embedded() {
		return fmt.Errorf("hot --since reads the bot's Redis: set redis.addr (the embedded store of chat keeps nothing between runs)")
	}
	store, err := bot.OpenStore(ctx, cfg.Redis, 0)
	if err != nil {
		return err
	}
	defer store.Close()
	x := live.New(store.Redis, store.Prefix, live.Options{Window: cfg.Intake.HotWindow, Retention: cfg.Report.Retention})
	clusters, err := x.List(ctx, p.Since, p.Until.AddDate(0, 0, 1))
	if err != nil {
		return err
	}
	clusters = clusters[:min(f.top, len(clusters))]
	if f.format == "json" {
		return writeHotJSON(g.stdout, clusters)
	}
	fmt.Fprintf(g.stdout, "热点（两位及以上群众反映）统计期：%s（%s）；热点窗口 %s\n",
		periodLabel(f.period, p.Since.Format(time.DateOnly), p.Until.Format(time.DateOnly)), cfg.Timezone, hotWindow(cfg.Intake.HotWindow))
	writeHotText(g.stdout, clusters, loc)
	return nil
}

// hotClusters runs the clusterer over items (in time order) and returns every
// cluster as it ended, largest first, and how many items had a place.
func hotClusters(items []hot.Item, window time.Duration) ([]hot.Cluster, int) {
	c := hot.New(window)
	latest := map[string]hot.Cluster{}
	placed := 0
	for _, it := range items {
		if k, ok := c.Add(it); ok {
			latest[k.ID] = k
			placed++
		}
	}
	out := make([]hot.Cluster, 0, len(latest))
	for _, k := range latest {
		out = append(out, k)
	}
	hot.SortBySize(out)
	return out, placed
}

// hotWindow is a window for people: "7 天", "36 小时".
func hotWindow(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%d 天", int(d/(24*time.Hour)))
	}
	if d%time.Hour == 0 {
		return fmt.Sprintf("%d 小时", int(d/time.Hour))
	}
	return d.String()
}

// hotSample is how many member texts a listed cluster shows, and how long.
const hotSample, hotSampleRunes = 3, 60

func writeHotText(w io.Writer, cs []hot.Cluster, loc *time.Location) {
	if len(cs) == 0 {
		fmt.Fprintln(w, "（无）")
	}
	for i, k := range cs {
		fmt.Fprintf(w, "%2d. %s  %d 位群众，%d 件诉求，%s 至 %s  [%s]\n", i+1, k.Title, k.Citizens,
			len(k.Members), k.First.In(loc).Format(time.DateOnly), k.Last.In(loc).Format(time.DateOnly), k.ID)
		for _, m := range k.Members[:min(hotSample, len(k.Members))] {
			rs := []rune(m.Text)
			fmt.Fprintf(w, "      %s\n", string(rs[:min(hotSampleRunes, len(rs))]))
		}
	}
}

type hotJSON struct {
	ID       string          `json:"id"`
	Title    string          `json:"title"`
	Place    string          `json:"place"`
	Matter   string          `json:"matter"`
	Category string          `json:"category"`
	Citizens int             `json:"citizens"`
	Appeals  int             `json:"appeals"`
	First    time.Time       `json:"first"`
	Last     time.Time       `json:"last"`
	Members  []hotMemberJSON `json:"members"`
}

type hotMemberJSON struct {
	ID   string    `json:"id"`
	Time time.Time `json:"time"`
	Text string    `json:"text"`
}

// writeHotJSON writes one JSON array; members are all of a cluster's
// appeals, the citizens' codes left out.
func writeHotJSON(w io.Writer, cs []hot.Cluster) error {
	out := make([]hotJSON, 0, len(cs))
	for _, k := range cs {
		j := hotJSON{ID: k.ID, Title: k.Title, Place: k.Place, Matter: k.Matter, Category: k.Category,
			Citizens: k.Citizens, Appeals: len(k.Members), First: k.First, Last: k.Last}
		for _, m := range k.Members {
			j.Members = append(j.Members, hotMemberJSON{ID: m.ID, Time: m.Time, Text: m.Text})
		}
		out = append(out, j)
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return fmt.Errorf("write hot issues: %w", err)
	}
	return nil
}

package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"time"

	"github.com/minsheng/minsheng/intake/classify"
	"github.com/minsheng/minsheng/intake/hot"
	"github.com/spf13/cobra"
)

func newHot(g *globals) *cobra.Command {
	var data, format string
	var window time.Duration
	var top int
	cmd := &cobra.Command{
		Use:   "hot --data FILE.jsonl[.gz] [--window 168h] [--format text|json] [--top 10]",
		Short: "Hot issues (热点): appeals from many citizens about one matter at one place, largest first",
		Long: `Cluster the appeals of a file (JSON lines with id, user, title, text, time, as
the shared appeals-hot data; gzip-compressed or not) by place and matter over a
sliding window, and list the largest clusters by distinct citizens, each with
its first three texts. Times are read in the configured timezone. Offline:
stored petitions are not read yet.`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if data == "" {
				return usageError{fmt.Errorf("hot needs --data FILE.jsonl")}
			}
			if !slices.Contains([]string{"text", "json"}, format) {
				return usageError{fmt.Errorf("--format %q: one of text, json", format)}
			}
			if window <= 0 || top <= 0 {
				return usageError{fmt.Errorf("--window and --top must be positive")}
			}
			cfg, err := g.load()
			if err != nil {
				return err
			}
			loc, err := time.LoadLocation(cfg.Timezone)
			if err != nil {
				return fmt.Errorf("timezone: %w", err)
			}
			f, err := os.Open(data)
			if err != nil {
				return usageError{fmt.Errorf("appeals: %w", err)}
			}
			items, err := hot.ReadAppeals(f, classify.Folding(classify.Default()), loc)
			f.Close()
			if err != nil {
				return fmt.Errorf("%s: %w", data, err)
			}
			clusters, placed := hotClusters(items, window)
			clusters = clusters[:min(top, len(clusters))]
			if format == "json" {
				return writeHotJSON(g.stdout, clusters)
			}
			fmt.Fprintf(g.stdout, "%d appeals, %d with a place finer than a region; window %s\n", len(items), placed, window)
			writeHotText(g.stdout, clusters)
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&data, "data", "", "appeals, JSON lines {id,user,title,text,time}, .gz or not")
	fl.DurationVar(&window, "window", hot.DefaultWindow, "a cluster expires this long after its last appeal")
	fl.StringVar(&format, "format", "text", "text or json")
	fl.IntVar(&top, "top", 10, "how many clusters to list")
	return cmd
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

// hotSample is how many member texts a listed cluster shows, and how long.
const hotSample, hotSampleRunes = 3, 60

func writeHotText(w io.Writer, cs []hot.Cluster) {
	for i, k := range cs {
		fmt.Fprintf(w, "%2d. %s  %d citizens, %d appeals, %s – %s  [%s]\n", i+1, k.Title, k.Citizens,
			len(k.Members), k.First.Format(time.DateOnly), k.Last.Format(time.DateOnly), k.ID)
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

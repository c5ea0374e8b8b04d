package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/minsheng/minsheng/bot"
	"github.com/minsheng/minsheng/config"
	"github.com/minsheng/minsheng/intake/report"
	"github.com/minsheng/minsheng/intake/report/chart"
	"github.com/spf13/cobra"
)

type reportFlags struct {
	since, until, period, by, format, chart, at string
	top                                         int
}

func newReport(g *globals) *cobra.Command {
	var f reportFlags
	c := &cobra.Command{
		Use:   "report",
		Short: "The offices' figures for a period, from what the bot recorded",
		Long: `Prints, for a period (days in the configured time zone): messages received,
petitions with and without duplicates, deadlines met, survey answers, the
ranking of units, what is overdue and the dead letters.

  minsheng report --since 2026-03-01 --until 2026-03-31 --format json
  minsheng report --period month --by unit --format csv`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			cfg, err := g.load()
			if err != nil {
				return err
			}
			return runReport(c.Context(), g, cfg, f)
		},
	}
	fl := c.Flags()
	fl.StringVar(&f.since, "since", "", "first day (YYYY-MM-DD, in timezone)")
	fl.StringVar(&f.until, "until", "", "last day, included (default: today with --since)")
	fl.StringVar(&f.period, "period", "", "the last full week, month or quarter (instead of --since/--until)")
	fl.StringVar(&f.by, "by", "", "break down by "+strings.Join(report.ByOptions, "|"))
	fl.StringVar(&f.format, "format", "text", "text, json or csv")
	fl.StringVar(&f.chart, "chart", "", "also draw petitions per day and the 满意 share to FILE.png or FILE.svg")
	fl.StringVar(&f.at, "at", "", "as of this time (RFC 3339; default now): what counts as overdue, and --period")
	fl.IntVar(&f.top, "rank", 5, "how many units the ranking shows at the top and at the bottom")
	return c
}

func runReport(ctx context.Context, g *globals, cfg *config.Config, f reportFlags) error {
	loc, err := time.LoadLocation(cfg.Timezone)
	if err != nil {
		return fmt.Errorf("timezone: %w", err)
	}
	now := time.Now()
	if f.at != "" {
		if now, err = time.Parse(time.RFC3339, f.at); err != nil {
			return usageError{fmt.Errorf("--at %q: want a time like 2026-03-31T18:00:00+08:00", f.at)}
		}
	}
	p, err := periodOf(f.since, f.until, f.period, now, loc)
	if err != nil {
		return usageError{err}
	}
	if f.by != "" && !slices.Contains(report.ByOptions, f.by) {
		return usageError{fmt.Errorf("--by %q: one of %s", f.by, strings.Join(report.ByOptions, ", "))}
	}
	if !slices.Contains([]string{"text", "json", "csv"}, f.format) {
		return usageError{fmt.Errorf("--format %q: one of text, json, csv", f.format)}
	}
	if f.chart != "" && !strings.HasSuffix(f.chart, ".png") && !strings.HasSuffix(f.chart, ".svg") {
		return usageError{fmt.Errorf("--chart %q: the file must end in .png or .svg", f.chart)}
	}
	if cfg.Redis.Embedded() {
		return fmt.Errorf("report reads the bot's Redis: set redis.addr (the embedded store of chat keeps nothing between runs)")
	}
	store, err := bot.OpenStore(ctx, cfg.Redis, 0)
	if err != nil {
		return err
	}
	defer store.Close()
	rd := &report.Reader{Redis: store.Redis, Prefix: store.Prefix, Loc: loc, DeadQueues: bot.QueueNames}
	rep, err := rd.Build(ctx, p, f.by, f.top, cfg.Report.RankMin, now)
	if err != nil {
		return err
	}
	if f.chart != "" {
		days, daily, err := rd.Daily(ctx, p)
		if err != nil {
			return err
		}
		if err := writeChart(f.chart, days, daily); err != nil {
			return err
		}
	}
	switch f.format {
	case "json":
		enc := json.NewEncoder(g.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	case "csv":
		return writeReportCSV(g.stdout, rep)
	}
	return writeReportText(g.stdout, rep)
}

// periodOf works out the days of a report: --since/--until (until
// defaults to today), or --period, the last full week (Monday to Sunday),
// month or quarter before now.
func periodOf(since, until, period string, now time.Time, loc *time.Location) (report.Period, error) {
	today := now.In(loc)
	today = time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, loc)
	if period != "" {
		if since != "" || until != "" {
			return report.Period{}, fmt.Errorf("--period goes without --since and --until")
		}
		switch period {
		case "week":
			monday := today.AddDate(0, 0, -((int(today.Weekday())+6)%7)-7)
			return report.Period{Since: monday, Until: monday.AddDate(0, 0, 6)}, nil
		case "month":
			first := time.Date(today.Year(), today.Month()-1, 1, 0, 0, 0, 0, loc)
			return report.Period{Since: first, Until: first.AddDate(0, 1, -1)}, nil
		case "quarter":
			q := (int(today.Month()) - 1) / 3
			first := time.Date(today.Year(), time.Month(q*3+1)-3, 1, 0, 0, 0, 0, loc)
			return report.Period{Since: first, Until: first.AddDate(0, 3, -1)}, nil
		}
		return report.Period{}, fmt.Errorf("--period %q: one of week, month, quarter", period)
	}
	if since == "" {
		return report.Period{}, fmt.Errorf("give --since (and --until) or --period")
	}
	s, err := time.ParseInLocation("2006-01-02", since, loc)
	if err != nil {
		return report.Period{}, fmt.Errorf("--since %q: want a date like 2026-03-01", since)
	}
	u := today
	if until != "" {
		if u, err = time.ParseInLocation("2006-01-02", until, loc); err != nil {
			return report.Period{}, fmt.Errorf("--until %q: want a date like 2026-03-31", until)
		}
	}
	if u.Before(s) {
		return report.Period{}, fmt.Errorf("--until %s is before --since %s", until, since)
	}
	if u.Sub(s) > 5*366*24*time.Hour {
		return report.Period{}, fmt.Errorf("a period of at most five years, please")
	}
	return report.Period{Since: s, Until: u}, nil
}

// csvColumns are the figures one CSV row holds.
var csvColumns = []string{"group", "messages_received", "messages_without_matter", "petitions", "petitions_without_duplicates", "duplicates",
	"incomplete", "callback_requested", "auto_replies", "callbacks", "callbacks_done",
	"first_reply_median_s", "first_reply_p90_s",
	"assigned", "assigned_on_time", "contacted", "contacted_on_time", "resolved", "resolved_on_time",
	"reopened", "reopened_after_unsatisfied", "surveys_sent", "answered", "satisfied", "understood", "unsatisfied", "no_answer",
	"satisfied_share", "understood_share", "unsatisfied_share"}

func csvRow(key string, f report.Figures) []string {
	n := func(v int64) string { return strconv.FormatInt(v, 10) }
	s := func(v float64) string { return strconv.FormatFloat(v, 'f', 3, 64) }
	return []string{key, n(f.Messages), n(f.NoMatter), n(f.Petitions), n(f.WithoutDuplicates), n(f.Duplicates),
		n(f.Incomplete), n(f.CallbackRequested), n(f.AutoReplies), n(f.Callbacks), n(f.CallbacksDone),
		n(f.FirstReply.MedianSeconds), n(f.FirstReply.P90Seconds),
		n(f.Assigned.Reached), n(f.Assigned.OnTime), n(f.Contacted.Reached), n(f.Contacted.OnTime), n(f.Resolved.Reached), n(f.Resolved.OnTime),
		n(f.Reopened), n(f.ReopenedUnsat), n(f.Survey.Sent), n(f.Survey.Answered), n(f.Survey.Satisfied), n(f.Survey.Understood),
		n(f.Survey.Unsatisfied), n(f.Survey.NoAnswer), s(f.Survey.SatisfiedShare), s(f.Survey.UnderstoodShare), s(f.Survey.UnsatisfiedShare)}
}

// writeReportCSV writes the totals, then one row per group.
func writeReportCSV(w io.Writer, rep *report.Report) error {
	cw := csv.NewWriter(w)
	_ = cw.Write(csvColumns)
	_ = cw.Write(csvRow("total", rep.Totals))
	for _, g := range rep.Groups {
		_ = cw.Write(csvRow(g.Key, g.Figures))
	}
	cw.Flush()
	return cw.Error()
}

func pct(v float64) string { return strconv.FormatFloat(v*100, 'f', 1, 64) + "%" }

func writeFiguresText(w io.Writer, indent string, f report.Figures) {
	fmt.Fprintf(w, "%s收到信息 %d 条（其中无内容 %d 条）；诉求 %d 件（不含重复件 %d，重复 %d）\n", indent, f.Messages, f.NoMatter, f.Petitions, f.WithoutDuplicates, f.Duplicates)
	fmt.Fprintf(w, "%s表述不全 %d（%s），要求回电 %d（%s）；会后联系自动回复 %d，回电清单 %d 项、已回电 %d\n", indent,
		f.Incomplete, pct(f.IncompleteShare), f.CallbackRequested, pct(f.CallbackReqShare), f.AutoReplies, f.Callbacks, f.CallbacksDone)
	fmt.Fprintf(w, "%s首次答复：中位 ≤%ds，90%% ≤%ds（%d 件）\n", indent, f.FirstReply.MedianSeconds, f.FirstReply.P90Seconds, f.FirstReply.Count)
	fmt.Fprintf(w, "%s交办 %d（按时 %s），联系 %d（按时 %s），办结 %d（按时 %s，办结率 %s）；重办 %d，其中不满意后重办 %d\n", indent,
		f.Assigned.Reached, pct(f.Assigned.OnTimeShare), f.Contacted.Reached, pct(f.Contacted.OnTimeShare),
		f.Resolved.Reached, pct(f.Resolved.OnTimeShare), pct(f.ResolvedShare), f.Reopened, f.ReopenedUnsat)
	s := f.Survey
	fmt.Fprintf(w, "%s回访 %d，答复 %d：满意 %s，理解 %s，不满意 %s；未答复 %d\n", indent,
		s.Sent, s.Answered, pct(s.SatisfiedShare), pct(s.UnderstoodShare), pct(s.UnsatisfiedShare), s.NoAnswer)
}

// writeReportText is the report for people.
func writeReportText(w io.Writer, rep *report.Report) error {
	fmt.Fprintf(w, "民声 %s 至 %s（%s）\n", rep.Since, rep.Until, rep.Timezone)
	writeFiguresText(w, "", rep.Totals)
	fmt.Fprintf(w, "现逾期：交办 %d，联系 %d，办结 %d；死信 %d（期内 %d）\n", rep.OverdueNow.Assign, rep.OverdueNow.Contact,
		rep.OverdueNow.Resolve, rep.DeadLetters.Now, rep.DeadLetters.InPeriod)
	for _, g := range rep.Groups {
		fmt.Fprintf(w, "\n[%s] %s\n", rep.By, g.Key)
		writeFiguresText(w, "  ", g.Figures)
	}
	r := rep.Ranking
	line := func(title string, es []report.RankEntry) {
		fmt.Fprintf(w, "%s：", title)
		if len(es) == 0 {
			fmt.Fprint(w, "（无）")
		}
		for i, e := range es {
			fmt.Fprintf(w, "%d. %s %s（%d）  ", i+1, e.Unit, pct(e.Share), e.Of)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "\n单位排名（至少 %d 件）\n", r.Min)
	line("满意率前", r.SatisfactionTop)
	line("满意率后", r.SatisfactionBottom)
	line("按时办结前", r.OnTimeTop)
	line("按时办结后", r.OnTimeBottom)
	return nil
}

// writeChart draws petitions per day and the day's 满意 share to path
// (.png or .svg).
func writeChart(path string, days []time.Time, daily []report.Counts) error {
	pts := make([]chart.Day, len(days))
	for i, d := range days {
		f := report.FiguresOf(daily[i])
		pts[i] = chart.Day{Date: d, Petitions: f.Petitions, Satisfied: f.Survey.SatisfiedShare, Answered: f.Survey.Answered}
	}
	format := strings.TrimPrefix(filepath.Ext(path), ".")
	out, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("chart: %w", err)
	}
	title := "民声 " + days[0].Format("2006-01-02") + " 至 " + days[len(days)-1].Format("2006-01-02")
	if err := chart.Write(out, format, title, pts); err != nil {
		out.Close()
		os.Remove(path)
		return err
	}
	return out.Close()
}

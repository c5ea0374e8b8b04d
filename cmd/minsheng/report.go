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
	"github.com/minsheng/minsheng/bot/telegram"
	"github.com/minsheng/minsheng/bot/voice"
	"github.com/minsheng/minsheng/config"
	"github.com/minsheng/minsheng/intake"
	"github.com/minsheng/minsheng/intake/report"
	"github.com/minsheng/minsheng/intake/report/chart"
	"github.com/minsheng/minsheng/intake/understand"
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
petitions with and without duplicates, deadlines met (open cases past a
deadline count as late), survey answers, the three rates (响应率, 解决率,
满意率), 回头看, the rankings of units and counties with the bottom places
held two periods running marked, what is overdue and the dead letters.
Text and CSV are for people (Chinese, CSV with a BOM for spreadsheet
programs); JSON keeps the codes.

  minsheng report --since 2026-03-01 --until 2026-03-31 --format json
  minsheng report --period this-month --by type
  minsheng report --period month --by unit --format csv > 上月.csv`,
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
	fl.StringVar(&f.period, "period", "", "week, month or quarter: the last full one; this-week, this-month or this-quarter: to date (instead of --since/--until)")
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
	rep.Period = f.period
	labelGroups(cfg, rep)
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

// periods are the named periods: the last full one, or this one to date.
var periods = map[string]string{
	"week": "上周", "month": "上月", "quarter": "上季度",
	"this-week": "本周至今", "this-month": "本月至今", "this-quarter": "本季度至今",
}

// periodOf works out the days of a report: --since/--until (until
// defaults to today), or --period: week, month, quarter (the last full
// week — Monday to Sunday —, month or quarter before now) or this-week,
// this-month, this-quarter (from its first day to today).
func periodOf(since, until, period string, now time.Time, loc *time.Location) (report.Period, error) {
	today := now.In(loc)
	today = time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, loc)
	if period != "" {
		if since != "" || until != "" {
			return report.Period{}, fmt.Errorf("--period goes without --since and --until")
		}
		monday := today.AddDate(0, 0, -((int(today.Weekday()) + 6) % 7))
		month := time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, loc)
		quarter := time.Date(today.Year(), time.Month((int(today.Month())-1)/3*3+1), 1, 0, 0, 0, 0, loc)
		switch period {
		case "week":
			return report.Period{Since: monday.AddDate(0, 0, -7), Until: monday.AddDate(0, 0, -1)}, nil
		case "month":
			return report.Period{Since: month.AddDate(0, -1, 0), Until: month.AddDate(0, 0, -1)}, nil
		case "quarter":
			return report.Period{Since: quarter.AddDate(0, -3, 0), Until: quarter.AddDate(0, 0, -1)}, nil
		case "this-week":
			return report.Period{Since: monday, Until: today}, nil
		case "this-month":
			return report.Period{Since: month, Until: today}, nil
		case "this-quarter":
			return report.Period{Since: quarter, Until: today}, nil
		}
		return report.Period{}, fmt.Errorf("--period %q: one of week, month, quarter, this-week, this-month, this-quarter", period)
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

// periodLabel says which period a report is of: "上月（2026-03-01 至
// 2026-03-31）", "本周至今（2026-04-13 至 2026-04-15）".
func periodLabel(name, since, until string) string {
	days := since + " 至 " + until
	if l := periods[name]; l != "" {
		return l + "（" + days + "）"
	}
	return days
}

// byLabels name the breakdowns for people.
var byLabels = map[string]string{"official": "领导", "unit": "承办单位", "category": "类别", "channel": "渠道", "urgency": "紧急程度",
	"type": "诉求类型", "county": "县区", "day": "日", "week": "周（起始日）"}

// channelNames and urgencyNames are the codes as the office reads them.
var (
	channelNames = map[string]string{bot.ChannelSMS: "短信", bot.ChannelTelegram: "Telegram", telegram.ChannelGroup: "Telegram 群转办",
		bot.ChannelConsole: "终端", voice.Name: "电话"}
	urgencyNames = map[string]string{intake.UrgencyUrgent: "紧急", intake.UrgencyNormal: "一般"}
)

// labelGroups gives each group the name a clerk reads: an official's
// title and name from the configuration (县长张三), a category's name, the
// channel, urgency and appeal type in Chinese.
func labelGroups(cfg *config.Config, rep *report.Report) {
	for i := range rep.Groups {
		rep.Groups[i].Label = groupLabel(cfg, rep.By, rep.Groups[i].Key)
	}
}

func groupLabel(cfg *config.Config, by, key string) string {
	switch by {
	case "official":
		for _, o := range cfg.Officials {
			if o.Number == key && o.Title+o.Name != "" {
				return o.Title + o.Name
			}
		}
		return "其他号码 " + key
	case "category":
		for _, c := range cfg.Intake.Categories {
			if c.Code == key {
				return c.Name
			}
		}
		if key == "" {
			return "未分类"
		}
	case "channel":
		if n := channelNames[key]; n != "" {
			return n
		}
	case "urgency":
		if n := urgencyNames[key]; n != "" {
			return n
		}
	case "type":
		if n := understand.AppealTypeNames[key]; n != "" {
			return n
		}
	}
	return key
}

// share is n of of as a percentage, "—" when it is a share of nothing.
func share(n, of int64) string {
	if of == 0 {
		return "—"
	}
	return pct(float64(n) / float64(of))
}

func pct(v float64) string { return strconv.FormatFloat(v*100, 'f', 1, 64) + "%" }

// seconds is a bound in seconds, "—" without any.
func seconds(v int64, n int64) string {
	switch {
	case n == 0:
		return "—"
	case v < 0:
		return ">1d"
	}
	return "≤" + strconv.FormatInt(v, 10) + "s"
}

// csvColumns are the figures one CSV row holds, named for people.
var csvColumns = []string{"分组", "编码", "收到信息", "无内容信息", "诉求", "不含重复件", "重复件",
	"表述不全", "要求回电", "会后联系自动回复", "回电清单", "已回电",
	"首次答复中位（秒）", "首次答复90%（秒）",
	"交办", "按时交办", "逾期未交办", "联系", "按时联系", "逾期未联系", "办结", "按时办结", "逾期未办结", "办结率",
	"重办", "不满意后重办", "回访", "答复", "满意", "理解", "不满意", "未答复",
	"满意率", "理解率", "不满意率", "已解决", "未解决", "响应率", "解决率",
	"回头看", "回头看答复", "回头看满意", "回头看满意率"}

func csvRow(label, key string, f report.Figures) []string {
	n := func(v int64) string { return strconv.FormatInt(v, 10) }
	fr := func(v int64) string {
		if f.FirstReply.Count == 0 {
			return "—"
		}
		return n(v)
	}
	s := f.Survey
	return []string{label, key, n(f.Messages), n(f.NoMatter), n(f.Petitions), n(f.WithoutDuplicates), n(f.Duplicates),
		n(f.Incomplete), n(f.CallbackRequested), n(f.AutoReplies), n(f.Callbacks), n(f.CallbacksDone),
		fr(f.FirstReply.MedianSeconds), fr(f.FirstReply.P90Seconds),
		n(f.Assigned.Reached), n(f.Assigned.OnTime), n(f.Assigned.OpenOverdue), n(f.Contacted.Reached), n(f.Contacted.OnTime),
		n(f.Contacted.OpenOverdue), n(f.Resolved.Reached), n(f.Resolved.OnTime), n(f.Resolved.OpenOverdue),
		share(f.Resolved.Reached, f.WithoutDuplicates),
		n(f.Reopened), n(f.ReopenedUnsat), n(s.Sent), n(s.Answered), n(s.Satisfied), n(s.Understood),
		n(s.Unsatisfied), n(s.NoAnswer), share(s.Satisfied, s.Answered), share(s.Understood, s.Answered), share(s.Unsatisfied, s.Answered),
		n(s.Solved), n(s.NotSolved), share(f.Rates.Response.N, f.Rates.Response.Of), share(f.Rates.Solved.N, f.Rates.Solved.Of),
		n(f.Revisit.Sent), n(f.Revisit.Answered), n(f.Revisit.Satisfied), share(f.Revisit.Satisfied, f.Revisit.Answered)}
}

// writeReportCSV writes the totals, then one row per group: Chinese
// headers and labels after a byte order mark, so that spreadsheet programs
// (Excel) read the UTF-8 as such.
func writeReportCSV(w io.Writer, rep *report.Report) error {
	if _, err := io.WriteString(w, "\uFEFF"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	_ = cw.Write(csvColumns)
	_ = cw.Write(csvRow("合计", "total", rep.Totals))
	for _, g := range rep.Groups {
		label := g.Label
		if label == "" {
			label = g.Key
		}
		_ = cw.Write(csvRow(label, g.Key, g.Figures))
	}
	cw.Flush()
	return cw.Error()
}

func writeFiguresText(w io.Writer, indent string, f report.Figures) {
	fmt.Fprintf(w, "%s收到信息 %d 条（其中无内容 %d 条）；诉求 %d 件（不含重复件 %d，重复 %d）\n", indent, f.Messages, f.NoMatter, f.Petitions, f.WithoutDuplicates, f.Duplicates)
	fmt.Fprintf(w, "%s表述不全 %d（%s），要求回电 %d（%s）；会后联系自动回复 %d，回电清单 %d 项、已回电 %d\n", indent,
		f.Incomplete, share(f.Incomplete, f.Petitions), f.CallbackRequested, share(f.CallbackRequested, f.Petitions), f.AutoReplies, f.Callbacks, f.CallbacksDone)
	if f.FirstReply.Count == 0 {
		fmt.Fprintf(w, "%s首次答复：—（0 件）\n", indent)
	} else {
		fmt.Fprintf(w, "%s首次答复：中位 %s，90%% %s（%d 件）\n", indent, seconds(f.FirstReply.MedianSeconds, f.FirstReply.Count),
			seconds(f.FirstReply.P90Seconds, f.FirstReply.Count), f.FirstReply.Count)
	}
	step := func(name string, s report.Step) string {
		out := fmt.Sprintf("%s %d（按时 %s", name, s.Reached, share(s.OnTime, s.Due()))
		if s.OpenOverdue > 0 {
			out += fmt.Sprintf("，另逾期未%s %d", name, s.OpenOverdue)
		}
		return out + "）"
	}
	fmt.Fprintf(w, "%s%s，%s，%s，办结率 %s；重办 %d，其中不满意后重办 %d\n", indent,
		step("交办", f.Assigned), step("联系", f.Contacted), step("办结", f.Resolved), share(f.Resolved.Reached, f.WithoutDuplicates),
		f.Reopened, f.ReopenedUnsat)
	s := f.Survey
	fmt.Fprintf(w, "%s回访 %d，答复 %d：满意 %s，理解 %s，不满意 %s；未答复 %d；答已解决 %d、未解决 %d\n", indent,
		s.Sent, s.Answered, share(s.Satisfied, s.Answered), share(s.Understood, s.Answered), share(s.Unsatisfied, s.Answered), s.NoAnswer,
		s.Solved, s.NotSolved)
	r := f.Rates
	fmt.Fprintf(w, "%s三率：响应率 %s（%d/%d），解决率 %s（%d/%d），满意率 %s（%d/%d）\n", indent,
		share(r.Response.N, r.Response.Of), r.Response.N, r.Response.Of, share(r.Solved.N, r.Solved.Of), r.Solved.N, r.Solved.Of,
		share(r.Satisfied.N, r.Satisfied.Of), r.Satisfied.N, r.Satisfied.Of)
	if v := f.Revisit; v.Sent > 0 || v.Answered > 0 || v.NoAnswer > 0 {
		fmt.Fprintf(w, "%s回头看 %d，答复 %d：满意 %s，理解 %d，不满意 %d；未答复 %d\n", indent,
			v.Sent, v.Answered, share(v.Satisfied, v.Answered), v.Understood, v.Unsatisfied, v.NoAnswer)
	}
}

// rateDefinitions say what the three rates are of, under the totals.
const rateDefinitions = `  响应率 = 按联系期限联系到群众的件数 ÷（期内联系的件数 + 联系期限已在期内过去仍未联系的件数）
  解决率 = 回访中答"已解决"（"1是"等）的件数 ÷ 回访中说明是否解决的件数
  满意率 = 回访答"满意"的件数 ÷ 回访答复件数（满意、理解、不满意）
  按时 = 按期限办到的件数 ÷（办到的件数 + 期限已在期内过去仍未办到的件数）
`

// writeReportText is the report for people.
func writeReportText(w io.Writer, rep *report.Report) error {
	fmt.Fprintf(w, "民声 统计期：%s（%s）\n", periodLabel(rep.Period, rep.Since, rep.Until), rep.Timezone)
	writeFiguresText(w, "", rep.Totals)
	fmt.Fprint(w, rateDefinitions)
	fmt.Fprintf(w, "现逾期：交办 %d，联系 %d，办结 %d；死信 %d（期内 %d）\n", rep.OverdueNow.Assign, rep.OverdueNow.Contact,
		rep.OverdueNow.Resolve, rep.DeadLetters.Now, rep.DeadLetters.InPeriod)
	for _, g := range rep.Groups {
		label := g.Label
		if label == "" {
			label = g.Key
		}
		fmt.Fprintf(w, "\n[按%s] %s\n", byLabels[rep.By], label)
		writeFiguresText(w, "  ", g.Figures)
	}
	line := func(title string, es []report.RankEntry) {
		fmt.Fprintf(w, "%s：", title)
		if len(es) == 0 {
			fmt.Fprint(w, "（无）")
		}
		for i, e := range es {
			mark := ""
			if e.Streak {
				mark = " ⚠连续两期后位"
			}
			fmt.Fprintf(w, "%d. %s %s（%d）%s  ", i+1, e.Unit, pct(e.Share), e.Of, mark)
		}
		fmt.Fprintln(w)
	}
	ranking := func(title string, r report.Ranking) {
		fmt.Fprintf(w, "\n%s（前后各 %d 名，至少 %d 件；⚠ 上期 %s 至 %s 也在后位，约谈）\n", title, r.N, r.Min, rep.Before.Since, rep.Before.Until)
		line("满意率前", r.SatisfactionTop)
		line("满意率后", r.SatisfactionBottom)
		line("按时办结前", r.OnTimeTop)
		line("按时办结后", r.OnTimeBottom)
	}
	ranking("单位排名", rep.Ranking)
	ranking("县区排名", rep.Counties)
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

package officepage

import (
	"context"
	"errors"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/minsheng/minsheng/bot/officeauth"
	"github.com/minsheng/minsheng/bot/officials"
	"github.com/minsheng/minsheng/intake"
	"github.com/minsheng/minsheng/intake/queue"
	"github.com/minsheng/minsheng/intake/report"
	"github.com/minsheng/minsheng/internal/testwait"
)

// What a clerk sees (issue 24 A), each through the real HTTP server over
// a real Redis: the call-back list called back from, Chinese words and
// officials' names on every page, urgent cases first, failed deliveries
// listed and tried again, whole histories.

const (
	county   = "+8613800000001" // 县长张三
	deputy   = "+8613800000002" // 副县长李四
	citizenA = "+8613900000002"
)

// names are the configured officials, as bot/report.go gives them.
var names = map[string]string{county: "县长张三", deputy: "副县长李四"}

// categories are the configured categories' names.
var categories = map[string]string{"urban": "城乡建设", "environment": "环境保护", "labour": "劳动和社会保障"}

// petition records a petition as the conversation's commit would.
func (w *world) petition(t *testing.T, p *intake.Petition) {
	t.Helper()
	rec := &report.Recorder{Prefix: w.prefix, Loc: w.loc, Units: map[string]string{"urban": "县住建局", "environment": "县生态环境局", "labour": "县人社局"}}
	b, err := rec.BatchFor(p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if p.Urgency == "" {
		p.Urgency = intake.UrgencyNormal
	}
	if p.Channel == "" {
		p.Channel = "sms"
	}
	if p.Category.Code != "" && p.Category.Name == "" {
		p.Category.Name = categories[p.Category.Code]
	}
	b.Petition(p, -1)
	if err := b.Apply(context.Background(), w.rdb); err != nil {
		t.Fatal(err)
	}
}

// status records a case status as the commit of a status event would.
func (w *world) status(t *testing.T, id, status, unit string, at time.Time) {
	t.Helper()
	b, err := (&report.Recorder{Prefix: w.prefix, Loc: w.loc}).BatchFor(id)
	if err != nil {
		t.Fatal(err)
	}
	b.Status(id, intake.StatusEvent{CaseID: id, Status: status, Unit: unit, At: at}, "", status == intake.StatusResolved)
	if err := b.Apply(context.Background(), w.rdb); err != nil {
		t.Fatal(err)
	}
}

// withOffice gives the page the officials' call-back lists on a real
// officials.Office, wired as bot/report.go wires them.
func (w *world) withOffice(t *testing.T) *officials.Office {
	t.Helper()
	office := officials.New(w.rdb, w.prefix, officials.Options{Now: w.clk.Now,
		Officials: []officials.Official{{Number: county, Title: "县长", Name: "张三"}, {Number: deputy, Title: "副县长", Name: "李四"}}})
	w.page.opt.Officials, w.page.opt.Categories = names, categories
	w.page.opt.CallbackDone = func(ctx context.Context, official, item, by string) error {
		_, err := office.MarkDone(ctx, official, item, by)
		if errors.Is(err, officials.ErrNoItem) || errors.Is(err, officials.ErrUnknown) {
			return fmt.Errorf("%w: %w", ErrNoCallback, err)
		}
		return err
	}
	w.page.opt.Callbacks = func(ctx context.Context) ([]Callbacks, error) {
		var out []Callbacks
		for _, off := range office.Officials() {
			items, err := office.Items(ctx, off.Number, true, "")
			if err != nil {
				return nil, err
			}
			l := Callbacks{Official: off.Number, Who: off.Who()}
			for _, it := range items {
				l.Items = append(l.Items, Callback{ID: it.ID, At: it.At.In(w.loc), Phone: it.Phone, Name: it.Name, PetitionID: it.PetitionID,
					Summary: it.Summary, Text: it.Text, Reasons: it.Reasons, Emergency: it.Emergency, ContactBy: it.ContactBy.In(w.loc)})
			}
			out = append(out, l)
		}
		return out, nil
	}
	return office
}

// TestTheCallBackListIsCalledBackFrom: the logged-in clerk sees the
// citizen's number in full as a tel: link, the whole matter, the reasons
// in words and the contact deadline; 已回电 (a form with the session's
// token) marks the item done by the clerk, in the audit trail, and it
// leaves the list. The CSV has the number in full too, under Chinese
// headers; the log has no citizen's number.
func TestTheCallBackListIsCalledBackFrom(t *testing.T) {
	w := newWorld(t, token)
	office := w.withOffice(t)
	w.user(t, "wang", officeauth.Clerk, clerkPW)
	ctx, now := context.Background(), w.clk.Now()
	long := "县长您好，幸福小区3号楼门口的路灯坏了一个月了，晚上很黑，老人孩子出门都摔过跤，物业说不归他们管，请帮忙解决"
	item, err := office.Add(ctx, intake.Callback{Official: county, Period: "b1", Phone: citizenA, Name: "王阿姨", At: now.Add(-2 * time.Hour),
		PetitionID: "MS-20260310-K7Q2P", Summary: "幸福小区3号楼门口的路灯坏了…", Text: long, Reason: intake.CallbackBusy,
		ContactBy: now.Add(70 * time.Hour)}, "sms:"+citizenA)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := office.Add(ctx, intake.Callback{Official: county, Period: "b1", Phone: citizenA, At: now.Add(-time.Hour),
		PetitionID: "MS-20260310-K7Q2P", Reason: intake.CallbackRequested}, "sms:"+citizenA); err != nil {
		t.Fatal(err)
	}
	other, err := office.Add(ctx, intake.Callback{Official: deputy, Phone: "+8613900000003", At: now.Add(-time.Hour), PetitionID: "MS-20260310-Z9Z9Z",
		Summary: "家里着火了", Text: "家里着火了，幸福小区5号楼", Reason: intake.CallbackUrgent, Emergency: "119", ContactBy: now.Add(time.Hour)}, "sms:+8613900000003")
	if err != nil {
		t.Fatal(err)
	}
	c, csrf := w.session(t, "wang", clerkPW)

	a := w.get(t, "/office/callbacks", c)
	if a.StatusCode != http.StatusOK {
		t.Fatalf("call-back list: %d", a.StatusCode)
	}
	row := rowOf(t, a.body, "cb-"+item.ID)
	for _, want := range []string{
		`<a class="tel" href="tel:` + citizenA + `">` + citizenA + `</a>`, "王阿姨", long, "MS-20260310-K7Q2P",
		`<td data-label="原因" class="reasons">会后联系、要求回电</td>`, `<td data-label="联系时限" class="due">03-13 07:00</td>`,
		`action="/office/callbacks/done"`, `name="csrf" value="` + csrf + `"`, `name="official" value="` + county + `"`,
		`name="item" value="` + item.ID + `"`, `<button class="done">已回电</button>`,
	} {
		if !strings.Contains(html.UnescapeString(row), want) {
			t.Errorf("the item's row lacks %s:\n%s", want, row)
		}
	}
	if r := rowOf(t, a.body, "cb-"+other.ID); !strings.Contains(r, `<b class="mark emergency">危急</b>`) || !strings.Contains(r, "已告知拨打 119") {
		t.Errorf("the emergency's item is not marked:\n%s", r)
	}
	if !strings.Contains(a.body, "<h2>县长张三（1）</h2>") || !strings.Contains(a.body, "<h2>副县长李四（1）</h2>") {
		t.Errorf("the lists are not named by title and name")
	}

	// 已回电: forged (no token) refused, then pressed
	if r := w.post(t, "/office/callbacks/done", url.Values{"official": {county}, "item": {item.ID}}, c); r.StatusCode != http.StatusForbidden {
		t.Fatalf("已回电 without the form token: %d", r.StatusCode)
	}
	w.clk.add(time.Minute)
	r := w.post(t, "/office/callbacks/done", url.Values{"csrf": {csrf}, "official": {county}, "item": {item.ID}}, c)
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/office/callbacks?done=1" {
		t.Fatalf("已回电: %d %s %s", r.StatusCode, r.Header.Get("Location"), r.body)
	}
	all, err := office.Items(ctx, county, false, "")
	if err != nil || len(all) != 1 || all[0].State != officials.Done || all[0].DoneBy != "wang" || !all[0].DoneAt.Equal(w.clk.Now()) {
		t.Fatalf("the item after 已回电: %+v %v", all, err)
	}
	a = w.get(t, "/office/callbacks?done=1", c)
	if strings.Contains(a.body, "cb-"+item.ID) || !strings.Contains(a.body, `id="done"`) || !strings.Contains(a.body, "<h2>县长张三（0）</h2>") {
		t.Errorf("the item done is still listed, or no notice:\n%s", a.body)
	}
	rec := find(w.auditRecords(t), officeauth.ActionCallbackDone)
	if rec == nil || rec.Who != "wang" || rec.Official != county || rec.Item != item.ID || !rec.At.Equal(w.clk.Now()) {
		t.Errorf("已回电 in the audit trail: %+v", rec)
	}
	if r := w.post(t, "/office/callbacks/done", url.Values{"csrf": {csrf}, "official": {county}, "item": {"nope"}}, c); r.StatusCode != http.StatusNotFound {
		t.Errorf("已回电 of no item: %d", r.StatusCode)
	}
	if r := w.post(t, "/office/callbacks/done", url.Values{"csrf": {csrf}, "official": {"+8613800009999"}, "item": {item.ID}}, c); r.StatusCode != http.StatusNotFound {
		t.Errorf("已回电 for no official: %d", r.StatusCode)
	}

	// the CSV: Chinese headers after the BOM, the numbers in full, in the trail
	csvBody := w.get(t, "/office/callbacks?format=csv", c).body
	if !strings.HasPrefix(csvBody, "\uFEFF领导,时间,群众,电话,诉求编号,诉求,原因,联系时限,已告知拨打\n") ||
		!strings.Contains(csvBody, "副县长李四,2026-03-10 08:00,,+8613900000003,MS-20260310-Z9Z9Z,家里着火了，幸福小区5号楼,紧急,2026-03-10 10:00,119") {
		t.Errorf("call-back CSV:\n%s", csvBody)
	}
	if strings.Contains(w.log.String(), "13900000002") || strings.Contains(w.log.String(), "13900000003") {
		t.Errorf("a citizen's number in the log:\n%s", w.log.String())
	}
}

// rowOf is the table row with the id.
func rowOf(t *testing.T, page, id string) string {
	t.Helper()
	m := regexp.MustCompile(`(?s)<tr[^>]* id="` + regexp.QuoteMeta(id) + `">.*?</tr>`).FindString(page)
	if m == "" {
		t.Fatalf("no row %s in\n%s", id, page)
	}
	return m
}

// visible is what a page shows in words: its text without the style
// element, tags and attributes (codes in URLs and form fields are not
// shown), and without what is marked translate="no" (account names,
// addresses, a provider's error).
func visible(page string) string {
	page = regexp.MustCompile(`(?s)<style>.*?</style>`).ReplaceAllString(page, " ")
	page = regexp.MustCompile(`(?s)<(span|td)[^>]* translate="no">[^<]*</(span|td)>`).ReplaceAllString(page, " ")
	page = regexp.MustCompile(`(?s)<[^>]*>`).ReplaceAllString(page, " ")
	return html.UnescapeString(page)
}

var (
	petitionIDs  = regexp.MustCompile(`MS-[0-9]{8}-[0-9A-Z]{5}`)
	latinWord    = regexp.MustCompile(`[A-Za-z][A-Za-z_]+`)
	officialsRaw = regexp.MustCompile(`\+?86138000000[0-9]{2}`)
)

// allowedLatin are the words the pages may show: the CSV link, Telegram's
// name, and the page's title.
var allowedLatin = map[string]bool{"CSV": true, "Telegram": true}

// englishIn lists the Latin words of a page's visible text, petition ids
// aside.
func englishIn(page string) []string {
	var out []string
	for _, w := range latinWord.FindAllString(petitionIDs.ReplaceAllString(visible(page), " "), -1) {
		if !allowedLatin[w] {
			out = append(out, w)
		}
	}
	return out
}

// TestEveryOfficePageSpeaksChinese: every page a clerk (and an admin)
// opens shows no English word and no official's number where a name is
// configured: by=category 城乡建设, by=channel 短信/Telegram/终端,
// by=urgency 紧急/一般, by=official 县长张三; statuses, ratings, flags and
// reasons in words. The pages' CSV files have Chinese headers after a
// UTF-8 BOM and words for codes.
func TestEveryOfficePageSpeaksChinese(t *testing.T) {
	w := newWorld(t, token)
	office := w.withOffice(t)
	w.page.opt.Failed = func(context.Context) ([]Failed, error) {
		return []Failed{{Queue: "outbox", Shard: 3, ID: "1773100000000-0", Case: "MS-20260310-AAAA1", Attempts: 50,
			Error: "backend answered 400: unknown category", Parked: w.clk.Now()}}, nil
	}
	w.user(t, "wang", officeauth.Clerk, clerkPW)
	w.user(t, "zhang", officeauth.Admin, adminPW)
	ctx, now := context.Background(), w.clk.Now()
	day := now.Add(-3 * time.Hour)
	for i, p := range []struct {
		official, channel, urgency, cat string
		flags                           []string
	}{
		{county, "sms", intake.UrgencyUrgent, "urban", []string{intake.FlagEmergency}},
		{county, "telegram", intake.UrgencyNormal, "environment", []string{intake.FlagIncomplete, intake.FlagCallbackRequested}},
		{deputy, "console", intake.UrgencyNormal, "labour", []string{intake.FlagOfficialBusy, intake.FlagCategoryUncertain}},
		{deputy, "voice", intake.UrgencyNormal, "urban", nil},
	} {
		id := intake.PetitionID(day, i, int64(i+1))
		w.petition(t, &intake.Petition{ID: id, ReceivedAt: day.Add(time.Duration(i) * time.Minute), Channel: p.channel, Urgency: p.urgency,
			AddressedTo: intake.Addressee{Number: p.official}, Category: intake.Category{Code: p.cat}, Flags: p.flags,
			Citizen: intake.Citizen{Phone: fmt.Sprintf("+86139000001%02d", i)}, Description: "幸福小区路灯坏了",
			Deadlines: intake.Deadlines{AssignBy: day.Add(time.Hour), ContactBy: day.Add(2 * time.Hour), ResolveBy: now.Add(time.Duration(i) * time.Hour)}})
		if i == 3 {
			w.status(t, id, intake.StatusAssigned, "县住建局", day.Add(2*time.Hour))
			w.status(t, id, intake.StatusResolved, "县住建局", day.Add(150*time.Minute))
			b, _ := (&report.Recorder{Prefix: w.prefix, Loc: w.loc}).BatchFor(id)
			b.Rating(&intake.Rating{PetitionID: id, Rating: intake.RatingUnsatisfied, Comment: "路灯还是不亮", At: day.Add(160 * time.Minute)}, "")
			if err := b.Apply(ctx, w.rdb); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := office.Add(ctx, intake.Callback{Official: county, Phone: citizenA, At: now, PetitionID: intake.PetitionID(day, 1, 2),
		Summary: "路灯坏了", Reason: intake.CallbackMissedCall, ContactBy: now.Add(time.Hour)}, "sms:"+citizenA); err != nil {
		t.Fatal(err)
	}
	clerk, _ := w.session(t, "wang", clerkPW)
	admin, _ := w.session(t, "zhang", adminPW)
	w.get(t, "/office/report?format=csv", clerk) // an export, for the audit page

	for _, pg := range []struct {
		path  string
		c     *http.Cookie
		wants []string
	}{
		{"/office/", clerk, []string{"危急", "表述不全", "要求回电", "会后联系", "类别待定", "已办结", "城乡建设", "投递失败"}},
		{"/office/unsatisfied", clerk, []string{"不满意", "路灯还是不亮", "已交办", "已办结"}},
		{"/office/overdue", clerk, []string{"逾期未交办"}},
		{"/office/callbacks", clerk, []string{"县长张三", "未接来电"}},
		{"/office/failed", clerk, []string{"报送办件系统", "MS-20260310-AAAA1", "50 次"}},
		{"/office/report?by=official", clerk, []string{`<td class="key">县长张三</td>`, `<td class="key">副县长李四</td>`, "按领导"}},
		{"/office/report?by=category", clerk, []string{`<td class="key">城乡建设</td>`, `<td class="key">劳动和社会保障</td>`}},
		{"/office/report?by=channel", clerk, []string{`<td class="key">短信</td>`, `<td class="key">Telegram</td>`, `<td class="key">终端</td>`, `<td class="key">电话</td>`}},
		{"/office/report?by=urgency", clerk, []string{`<td class="key">紧急</td>`, `<td class="key">一般</td>`}},
		{"/office/report?by=unit", clerk, []string{`<td class="key">县住建局</td>`}},
		{"/office/report?by=day", clerk, []string{`<td class="key">2026-03-10</td>`}},
		{"/office/report?by=week", clerk, []string{`<td class="key">2026-03-09</td>`}},
		{"/office/audit", admin, []string{"导出", "统计报表", "新建账号", "角色 办事员", "管理员"}},
		{"/office/login", nil, []string{"用户名", "密码"}},
	} {
		a := w.get(t, pg.path, pg.c)
		if a.StatusCode != http.StatusOK {
			t.Errorf("%s: %d", pg.path, a.StatusCode)
			continue
		}
		if en := englishIn(a.body); len(en) > 0 {
			t.Errorf("%s shows English: %v", pg.path, en)
		}
		if m := officialsRaw.FindString(visible(a.body)); m != "" {
			t.Errorf("%s shows the official's number %s where a name exists", pg.path, m)
		}
		for _, want := range pg.wants {
			if !strings.Contains(a.body, want) {
				t.Errorf("%s lacks %s", pg.path, want)
			}
		}
	}
	// the audit trail names the official of a 已回电 by title and name
	if _, err := office.Add(ctx, intake.Callback{Official: deputy, Phone: citizenA, At: now, Reason: intake.CallbackMissedCall}, "sms:"+citizenA); err != nil {
		t.Fatal(err)
	}
	items, _ := office.Items(ctx, deputy, true, "")
	if err := w.page.markCalledBack(w.sessionRequest(t, clerk), deputy, items[0].ID); err != nil {
		t.Fatal(err)
	}
	if a := w.get(t, "/office/audit", admin).body; !strings.Contains(a, "领导 副县长李四") || officialsRaw.MatchString(visible(a)) {
		t.Errorf("the audit page does not name the official")
	}

	// the pages' CSV files: Chinese headers after the BOM, words for codes
	for path, head := range map[string]string{
		"/office/?format=csv":                  "编号,办件编号,收到时间,领导,单位,类别,渠道,紧急程度,标记,重复件,群众,诉求,状态,交办时限,联系时限,办结时限,评价,理由,申请复核时间\n",
		"/office/unsatisfied?format=csv":       "编号,办件编号,收到时间,领导,",
		"/office/overdue?format=csv":           "编号,办件编号,收到时间,领导,",
		"/office/report?by=channel&format=csv": "渠道,收到信息,诉求,不含重复件,办结,按时办结,答复回访,满意,理解,不满意\n合计,",
	} {
		a := w.get(t, path, clerk)
		if !strings.HasPrefix(a.body, "\uFEFF"+head) {
			t.Errorf("%s starts %.200q", path, a.body)
		}
		for _, en := range latinWord.FindAllString(petitionIDs.ReplaceAllString(a.body, ""), -1) {
			if !allowedLatin[en] {
				t.Errorf("%s has English: %s", path, en)
			}
		}
	}
	today := w.get(t, "/office/?format=csv", clerk).body
	if !strings.Contains(today, ",县长张三,县住建局,城乡建设,短信,紧急,危急,,+86139****0100,幸福小区路灯坏了,已提交,") {
		t.Errorf("today's CSV does not say it in words:\n%s", today)
	}
}

// TestUrgentCasesComeFirstOnToday: today's urgent petitions lead the
// list, marked 危急 (the citizen was told to call 119/120/110) or 紧急,
// the emergency first, however many petitions came after them; the figure
// 紧急件 counts them. 投递失败 (not 死信) opens the failed deliveries.
func TestUrgentCasesComeFirstOnToday(t *testing.T) {
	w := newWorld(t, token)
	w.page.opt.Categories = categories
	w.user(t, "wang", officeauth.Clerk, clerkPW)
	start := w.clk.Now().Add(-8 * time.Hour) // 01:00
	n := int64(0)
	add := func(at time.Time, urgency string, flags ...string) string {
		n++
		id := intake.PetitionID(at, int(n%16), n)
		w.petition(t, &intake.Petition{ID: id, ReceivedAt: at, Urgency: urgency, Flags: flags, Category: intake.Category{Code: "urban"},
			AddressedTo: intake.Addressee{Number: county}, Citizen: intake.Citizen{Phone: "+8613900000" + strconv.Itoa(int(100+n))},
			Description: "第" + strconv.Itoa(int(n)) + "件：幸福小区路灯坏了"})
		return id
	}
	add(start.AddDate(0, 0, -1), intake.UrgencyUrgent) // yesterday's: not today's
	urgent := add(start, intake.UrgencyUrgent)
	emergency := add(start.Add(time.Minute), intake.UrgencyUrgent, intake.FlagEmergency)
	var normal []string
	for i := range 25 {
		normal = append(normal, add(start.Add(time.Duration(10+i)*time.Minute), intake.UrgencyNormal))
	}
	c, _ := w.session(t, "wang", clerkPW)
	a := w.get(t, "/office/", c)
	rows := regexp.MustCompile(`<tr class="item( emergency| urgent)?" id="item-([^"]+)">`).FindAllStringSubmatch(a.body, -1)
	var got []string
	for _, r := range rows {
		got = append(got, strings.TrimSpace(r[1])+":"+r[2])
	}
	want := []string{"emergency:" + emergency, "urgent:" + urgent}
	for i := 24; i >= 5; i-- { // the last 20, newest first
		want = append(want, ":"+normal[i])
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("today's list:\n got %v\nwant %v", got, want)
	}
	if r := rowOf(t, a.body, "item-"+emergency); !strings.Contains(r, `<b class="mark emergency">危急</b> 第`) || strings.Contains(r, "[危急]") {
		t.Errorf("the emergency is not marked 危急 (once):\n%s", r)
	}
	if r := rowOf(t, a.body, "item-"+urgent); !strings.Contains(r, `<b class="mark urgent">紧急</b> 第`) {
		t.Errorf("the urgent petition is not marked 紧急:\n%s", r)
	}
	for _, want := range []string{`紧急件<b id="urgent">2</b>`, "今日紧急件与最近 20 件（紧急在前）", `<a href="/office/failed" id="failed-link">投递失败<b id="dead">0</b></a>`,
		`<td data-label="单位" class="unit">县住建局</td>`, `<td data-label="状态" class="status">已提交</td>`} {
		if !strings.Contains(a.body, want) {
			t.Errorf("today lacks %s", want)
		}
	}
	if strings.Contains(a.body, "死信") {
		t.Errorf("today says 死信")
	}
}

// TestFailedDeliveriesAreListedAndTriedAgain: a delivery the backend
// refused for good is on 投递失败 (which queue, which case, the error in
// one line with the number in it masked, when) and counted on 今日; 重试
// (a form with the session's token) puts it back into its queue, which
// delivers it; the retry is in the audit trail, and a second one is 404.
func TestFailedDeliveriesAreListedAndTriedAgain(t *testing.T) {
	w := newWorld(t, token)
	w.user(t, "wang", officeauth.Clerk, clerkPW)
	var fixed atomic.Bool
	var delivered atomic.Int32
	q := queue.New(w.rdb, w.prefix, "outbox", func(ctx context.Context, e queue.Entry) error {
		if !fixed.Load() {
			return fmt.Errorf("backend answered 400:\n  citizen +8613912345678 unknown: %w", queue.ErrPermanent)
		}
		delivered.Add(1)
		return nil
	}, queue.Options{Block: 50 * time.Millisecond, Poll: 20 * time.Millisecond, Now: w.clk.Now})
	w.page.opt.Reader.DeadQueues = []string{"outbox"}
	w.page.opt.Failed = func(ctx context.Context) ([]Failed, error) {
		dls, err := q.DeadLetters(ctx, 50)
		var out []Failed
		for _, d := range dls {
			out = append(out, Failed{Queue: "outbox", Shard: d.Shard, ID: d.ID, Case: petitionIDs.FindString(string(d.Body)), Error: d.Error,
				Attempts: d.Attempts, At: d.At, Parked: d.Parked})
		}
		sort.Slice(out, func(i, j int) bool { return out[i].Parked.After(out[j].Parked) })
		return out, err
	}
	w.page.opt.Retry = func(ctx context.Context, name string, shard int, id string) error {
		if err := q.Requeue(ctx, shard, id, nil); errors.Is(err, queue.ErrNoDeadLetter) {
			return ErrNoFailed
		} else {
			return err
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = q.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	if err := q.Enqueue(context.Background(), "MS-20260310-K7Q2P", map[string]any{"type": "petition", "petition": map[string]string{"id": "MS-20260310-K7Q2P"}}); err != nil {
		t.Fatal(err)
	}
	testwait.For(t, "a dead letter", func() bool { st, _ := q.Stats(context.Background()); return st.Dead == 1 })

	c, csrf := w.session(t, "wang", clerkPW)
	if a := w.get(t, "/office/", c); !strings.Contains(a.body, `<div class="fig alarm"><a href="/office/failed" id="failed-link">投递失败<b id="dead">1</b></a></div>`) {
		t.Errorf("today does not count the failed delivery")
	}
	a := w.get(t, "/office/failed", c)
	dls, _ := q.DeadLetters(context.Background(), 10)
	if len(dls) != 1 {
		t.Fatalf("dead letters %+v", dls)
	}
	row := html.UnescapeString(rowOf(t, a.body, "f-"+dls[0].ID))
	for _, want := range []string{`<td data-label="投递">报送办件系统</td>`, `<td data-label="诉求">MS-20260310-K7Q2P</td>`,
		`办件系统未收下：<span class="err" translate="no">backend answered 400: citizen +86139****5678 unknown: permanent failure</span>`, "1 次",
		`<td data-label="时间" title="停止重试于 ` + dls[0].Parked.In(w.loc).Format("01-02 15:04") + `">03-10 09:00</td>`, `<button class="retry">重试</button>`} {
		if !strings.Contains(row, want) {
			t.Errorf("the failed delivery's row lacks %s:\n%s", want, row)
		}
	}
	if strings.Contains(a.body, "13912345678") {
		t.Errorf("a citizen's number in full on the failed deliveries")
	}
	form := url.Values{"queue": {"outbox"}, "shard": {strconv.Itoa(dls[0].Shard)}, "id": {dls[0].ID}}
	if r := w.post(t, "/office/failed/retry", form, c); r.StatusCode != http.StatusForbidden {
		t.Fatalf("重试 without the form token: %d", r.StatusCode)
	}
	fixed.Store(true)
	form.Set("csrf", csrf)
	if r := w.post(t, "/office/failed/retry", form, c); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/office/failed?done=1" {
		t.Fatalf("重试: %d %s", r.StatusCode, r.body)
	}
	testwait.For(t, "delivered on the retry", func() bool { return delivered.Load() == 1 })
	if a := w.get(t, "/office/failed?done=1", c); !strings.Contains(a.body, "（无投递失败）") || !strings.Contains(a.body, `id="done"`) {
		t.Errorf("the failed delivery is still listed:\n%s", a.body)
	}
	rec := find(w.auditRecords(t), officeauth.ActionRetry)
	if rec == nil || rec.Who != "wang" || rec.What != "outbox" || rec.Item != strconv.Itoa(dls[0].Shard)+"/"+dls[0].ID {
		t.Errorf("重试 in the audit trail: %+v", rec)
	}
	if r := w.post(t, "/office/failed/retry", form, c); r.StatusCode != http.StatusNotFound {
		t.Errorf("a second 重试: %d", r.StatusCode)
	}
}

// TestAHistoryIsJoinedNotDangling: a case's history on the 不满意专区 is
// its statuses joined by arrows, none after the last.
func TestAHistoryIsJoinedNotDangling(t *testing.T) {
	w := newWorld(t, token)
	w.user(t, "wang", officeauth.Clerk, clerkPW)
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, w.loc)
	id := intake.PetitionID(at, 1, 1)
	w.ratedUnsatisfied(t, id, at)
	w.status(t, id, intake.StatusAssigned, "县住建局", at.Add(time.Hour))
	w.status(t, id, intake.StatusResolved, "县住建局", at.AddDate(0, 0, 2))
	c, _ := w.session(t, "wang", clerkPW)
	a := w.get(t, "/office/unsatisfied", c)
	if !strings.Contains(a.body, `<p class="hist"><small>已交办 03-02 10:00 → 已办结 03-04 09:00</small></p>`) {
		t.Errorf("history: %s", regexp.MustCompile(`<p class="hist">.*?</p>`).FindString(a.body))
	}
}

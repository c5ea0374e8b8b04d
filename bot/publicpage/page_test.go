package publicpage

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/minsheng/minsheng/intake"
	"github.com/minsheng/minsheng/intake/hot"
	"github.com/minsheng/minsheng/intake/queue/redistest"
	"github.com/minsheng/minsheng/intake/report"
)

var shanghai, _ = time.LoadLocation("Asia/Shanghai")

// world is March 2026 written through the report's batches: petitions of
// named citizens with their words, handled by two units in two counties,
// and two hot issues, one answered.
type world struct {
	page     *Page
	now      time.Time
	hotCalls atomic.Int32
}

const (
	citizenPhone = "+8613912345678"
	citizenWords = "幸福小区3号楼门口的路灯坏了一个月了"
	citizenName  = "王秀英"
)

func newWorld(t *testing.T) *world {
	t.Helper()
	rdb, prefix := redistest.Client(t)
	ctx := context.Background()
	rec := &report.Recorder{Prefix: prefix, Loc: shanghai, Units: map[string]string{"urban": "市住建局"}}
	apply := func(id string, fill func(b *report.Batch)) {
		b, err := rec.BatchFor(id)
		if err != nil {
			t.Fatal(err)
		}
		fill(b)
		if err := b.Apply(ctx, rdb); err != nil {
			t.Fatal(err)
		}
	}
	var ids []string
	for i := range 12 {
		at := time.Date(2026, 3, 2+i, 9, 0, 0, 0, shanghai)
		id := intake.PetitionID(at, i%report.Shards, int64(i+1))
		ids = append(ids, id)
		p := &intake.Petition{ID: id, ReceivedAt: at, Channel: "sms", Citizen: intake.Citizen{Phone: citizenPhone, Name: citizenName},
			AddressedTo: intake.Addressee{Number: "+8613800000001"}, Description: citizenWords,
			Category: intake.Category{Code: "urban", Name: "城乡建设"}, Urgency: intake.UrgencyNormal, AppealType: []string{"complaint", "help", "consult"}[i%3],
			Location:  intake.Location{County: []string{"谯城区", "涡阳县"}[i%2]},
			Deadlines: intake.Deadlines{AssignBy: at.Add(24 * time.Hour), ContactBy: at.Add(72 * time.Hour), ResolveBy: at.Add(7 * 24 * time.Hour)}}
		apply(id, func(b *report.Batch) { b.Petition(p, time.Second) })
		if i == 11 {
			continue // never handled
		}
		unit := []string{"谯城区住建局", "涡阳县住建局"}[i%2]
		apply(id, func(b *report.Batch) {
			b.Status(id, intake.StatusEvent{Status: intake.StatusContacted, Unit: unit, At: at.Add(24 * time.Hour)}, "", false)
		})
		apply(id, func(b *report.Batch) {
			b.Status(id, intake.StatusEvent{Status: intake.StatusResolved, At: at.Add(48 * time.Hour)}, "", true)
		})
		yes := i%4 != 0
		rating := intake.RatingSatisfied
		if !yes {
			rating = intake.RatingUnsatisfied
		}
		apply(id, func(b *report.Batch) {
			b.Answer(&intake.Rating{PetitionID: id, Rating: rating, Solved: &yes, Comment: citizenWords + "还是不亮", At: at.Add(50 * time.Hour)}, "", nil)
		})
	}
	w := &world{now: time.Date(2026, 4, 10, 10, 0, 0, 0, shanghai)}
	member := func(id string) hot.Member {
		return hot.Member{ID: id, Citizen: citizenPhone, Text: citizenWords + "，" + citizenName, Time: time.Date(2026, 3, 3, 9, 0, 0, 0, shanghai)}
	}
	w.page = New(Options{Reader: &report.Reader{Redis: rdb, Prefix: prefix, Loc: shanghai}, Loc: shanghai, RankMin: 1,
		Now: func() time.Time { return w.now },
		HotIssues: func(ctx context.Context, since, until time.Time) ([]hot.Cluster, error) {
			w.hotCalls.Add(1)
			return []hot.Cluster{
				{ID: "hot-" + ids[0], Title: "幸福小区·路灯", Citizens: 2, Members: []hot.Member{member(ids[0]), member(ids[2])},
					First: time.Date(2026, 3, 2, 9, 0, 0, 0, shanghai), Last: time.Date(2026, 3, 4, 9, 0, 0, 0, shanghai)},
				{ID: "hot-" + ids[11], Title: "建设路·井盖", Citizens: 2, Members: []hot.Member{member(ids[11])}},
			}, nil
		}})
	return w
}

func (w *world) get(t *testing.T, path string) (int, http.Header, string) {
	t.Helper()
	mux := http.NewServeMux()
	for pattern, h := range w.page.Routes() {
		mux.Handle(pattern, h)
	}
	rr := httptest.NewRecorder()
	mux.ServeHTTP(rr, httptest.NewRequest(http.MethodGet, path, nil))
	b, _ := io.ReadAll(rr.Result().Body)
	return rr.Code, rr.Result().Header, string(b)
}

func TestPublicPageShowsTheMonthAndNoPersonalData(t *testing.T) {
	w := newWorld(t)
	code, h, body := w.get(t, "/public/") // the last full month: March
	if code != http.StatusOK {
		t.Fatalf("%d %s", code, body)
	}
	for _, want := range []string{"2026年3月群众诉求办理情况", `id="p-unique">12<`, "响应率", "解决率", "满意率",
		"承办单位排名", "县区排名", "谯城区住建局", "涡阳县", "投诉", "求助", "咨询", "幸福小区·路灯", "2 件"} {
		if !strings.Contains(body, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if strings.Contains(body, "建设路·井盖") {
		t.Error("a hot issue nobody answered is listed")
	}
	// nothing personal: no number (masked or not), no name, no citizen's words
	for _, never := range []string{"5678", "139", "+86", citizenName, "路灯坏了", "还是不亮", "MS-"} {
		if strings.Contains(body, never) {
			t.Errorf("the public page shows %q", never)
		}
	}
	if regexp.MustCompile(`1[3-9][0-9]\*{4}`).MatchString(body) {
		t.Error("a masked number on the public page")
	}
	if h.Get("Set-Cookie") != "" || !strings.Contains(h.Get("Content-Security-Policy"), "default-src 'none'") ||
		!strings.HasPrefix(h.Get("Cache-Control"), "public") {
		t.Errorf("headers %v", h)
	}
}

func TestPublicPageMonthsAndCache(t *testing.T) {
	w := newWorld(t)
	for path, want := range map[string]int{
		"/public/?month=2026-03": http.StatusOK, "/public/?month=2026-04": http.StatusOK, // to date
		"/public/?month=2026-05": http.StatusBadRequest, "/public/?month=2024-01": http.StatusBadRequest,
		"/public/?month=March": http.StatusBadRequest, "/public/x": http.StatusNotFound,
	} {
		if code, _, body := w.get(t, path); code != want {
			t.Errorf("%s: %d, want %d (%.80s)", path, code, want, body)
		}
	}
	if _, _, body := w.get(t, "/public/?month=2026-04"); !strings.Contains(body, "本月至今") || !strings.Contains(body, `id="p-unique">0<`) {
		t.Errorf("this month to date: %.400s", body)
	}
	// computed once per month while the cache lasts
	calls := w.hotCalls.Load()
	w.get(t, "/public/?month=2026-03")
	w.get(t, "/public/?month=2026-03")
	if got := w.hotCalls.Load(); got != calls {
		t.Errorf("recomputed within the cache: %d calls, then %d", calls, got)
	}
	w.now = w.now.Add(6 * time.Minute)
	w.get(t, "/public/?month=2026-03")
	if got := w.hotCalls.Load(); got != calls+1 {
		t.Errorf("not recomputed after the cache: %d calls, want %d", got, calls+1)
	}
}

package bot

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/minsheng/minsheng/config"
	"github.com/minsheng/minsheng/intake/backend/webhook/webhooktest"
	"github.com/minsheng/minsheng/internal/testwait"
)

// Pressing 复核 on the office page sends the backend
// POST /petitions/{petition id}/reopen_requests, a request
// docs/backend-openapi.yaml describes (the fake validates it): a backend
// built from the document takes it, and it is no dead letter.
func TestRecheckReachesTheWebhookAsTheContractSays(t *testing.T) {
	f := webhooktest.NewFake(t, "hooksecret")
	loc, _ := time.LoadLocation("Asia/Shanghai")
	clk := &clock{now: time.Date(2026, 3, 11, 10, 0, 0, 0, loc)} // a Wednesday morning: no quiet hours
	w := newWorld(t, worldOptions{backend: webhookTo(t, f), clock: clk, configure: func(c *config.Config) { c.HTTP.AdminToken = "admintok" }})
	w.run()
	w.say("幸福小区3号楼门口的路灯坏了一个月了")
	testwait.For(t, "case id noted", func() bool {
		st := w.state()
		return len(st.Cases) == 1 && st.Cases[0].CaseID == "CASE-A"
	})
	id := w.state().Cases[0].ID
	clk.Set(clk.Now().Add(2 * time.Hour))
	if code := w.postEvent("CASE-A", event("resolved", clk.Now()), ""); code != 200 {
		t.Fatalf("resolved: %d", code)
	}
	testwait.For(t, "survey", func() bool { return w.lastSent().Template == "survey" })
	clk.Set(clk.Now().Add(time.Hour))
	w.say("不满意，路灯还是不亮")
	testwait.For(t, "thanks", func() bool { return w.lastSent().Template == "survey_thanks_unsatisfied" })

	// The office logs in and presses 复核 in the 不满意专区.
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.PostForm(w.srv.URL+"/office/login", url.Values{"token": {"admintok"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var session *http.Cookie
	for _, c := range resp.Cookies() {
		session = c
	}
	if session == nil {
		t.Fatalf("login: %d without a session cookie", resp.StatusCode)
	}
	// the form token, as the browser has it from the page
	page, _ := http.NewRequest(http.MethodGet, w.srv.URL+"/office/unsatisfied", nil)
	page.AddCookie(session)
	resp, err = noRedirect.Do(page)
	if err != nil {
		t.Fatal(err)
	}
	form, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	_, rest, ok := strings.Cut(string(form), `name="csrf" value="`)
	csrf, _, _ := strings.Cut(rest, `"`)
	if !ok || csrf == "" {
		t.Fatalf("no form token on the 不满意专区: %d", resp.StatusCode)
	}
	req, _ := http.NewRequest(http.MethodPost, w.srv.URL+"/office/unsatisfied/"+id+"/recheck", strings.NewReader(url.Values{"csrf": {csrf}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(session)
	resp, err = noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("复核: %d, want 303 back to the list", resp.StatusCode)
	}

	reopen := func() []webhooktest.Request {
		var out []webhooktest.Request
		for _, r := range f.Requests() {
			if strings.HasSuffix(r.Path, "/reopen_requests") {
				out = append(out, r)
			}
		}
		return out
	}
	testwait.For(t, "the reopen request at the backend", func() bool { return len(reopen()) > 0 })
	testwait.For(t, "the outbox done", func() bool {
		st, err := w.box.Queue().Stats(context.Background())
		return err == nil && st.Empty()
	})
	rs := reopen()
	if len(rs) != 1 || rs[0].Response != http.StatusOK || rs[0].Contract != "" || !rs[0].SigOK {
		t.Fatalf("reopen requests %+v, want one taken", rs)
	}
	if !strings.HasPrefix(id, "MS-20260311-") || rs[0].Path != "/petitions/"+id+"/reopen_requests" {
		t.Errorf("path %s, want the petition id %s in it (not the case id CASE-A)", rs[0].Path, id)
	}
	var body struct {
		Reason      string `json:"reason"`
		RequestedBy string `json:"requested_by"`
		At          string `json:"at"`
	}
	if err := json.Unmarshal([]byte(rs[0].Body), &body); err != nil || body.Reason != "不满意，路灯还是不亮" || body.RequestedBy != "office" {
		t.Errorf("body %s: %v", rs[0].Body, err)
	}
	if at, err := time.Parse(time.RFC3339, body.At); err != nil || !at.Equal(clk.Now()) {
		t.Errorf("at %q, want the time 复核 was pressed, %v", body.At, clk.Now())
	}
	if st, _ := w.box.Queue().Stats(context.Background()); st.Dead != 0 {
		t.Errorf("%d dead letters", st.Dead)
	}
}

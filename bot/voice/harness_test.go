package voice_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/minsheng/minsheng/bot"
	"github.com/minsheng/minsheng/bot/sms"
	"github.com/minsheng/minsheng/bot/sms/smstest"
	"github.com/minsheng/minsheng/bot/voice"
	"github.com/minsheng/minsheng/config"
	"github.com/minsheng/minsheng/intake/queue"
	"github.com/minsheng/minsheng/intake/queue/redistest"
	"github.com/minsheng/minsheng/internal/testwait"
)

const (
	accountSID = "AC0123456789abcdef0123456789abcdef"
	authToken  = "authtoken0123456789abcdef"
	adminToken = "admin0123456789"
	// publicURL is what Twilio calls; the server under test listens
	// elsewhere (httptest), as behind a proxy.
	publicURL = "https://hotline.example.org"
	citizen   = "+8613912345678"

	mayor     = "+8613800000001" // available around the clock; busy when a test says so
	deputy    = "+8613800000002" // available, no forward_to
	secretary = "+8613800000003" // office hours on Sundays only: off hours in the tests
	nobody    = "+8613800000009" // no official's number
	mayorCell = "+8613900000001"
	secCell   = "+8613900000003"
)

// allDay is office hours around the clock, every day: only a busy period
// makes such an official away.
var allDay = config.Schedule{Days: []int{1, 2, 3, 4, 5, 6, 7}, From: "00:00", To: "23:59"}

// harness is the real runtime on the real Redis, with the SMS channel (so
// the auto-reply reaches the fake Twilio) and the voice channel behind
// bot.Server, its workers running.
type harness struct {
	tb    testing.TB
	rt    *bot.Runtime
	fake  *smstest.Fake
	local string // where the server listens
	now   func() time.Time
}

// newHarness builds it with the officials given (none: env.Officials is
// nil). The clock runs from a Wednesday 10:00 in Shanghai, so office hours
// do not depend on when the test runs.
func newHarness(tb testing.TB, officials []config.Official) *harness {
	tb.Helper()
	rdb, prefix := redistest.Client(tb)
	fake := smstest.NewFake(tb, accountSID, authToken)
	cfg := config.Default()
	cfg.HTTP.PublicURL, cfg.HTTP.AdminToken = publicURL, adminToken
	cfg.SMS.Twilio = config.Twilio{AccountSID: accountSID, AuthToken: authToken, APIBaseURL: fake.URL, RatePerSecond: 1000}
	cfg.Officials = officials
	dir := tb.TempDir()
	cfg.Backend.File.Path, cfg.Backend.Journal = dir+"/petitions.jsonl", dir+"/cases.jsonl"
	cfg.Redis.Spool = dir + "/spool"
	loc, err := time.LoadLocation(cfg.Timezone)
	if err != nil {
		tb.Fatal(err)
	}
	start, began := time.Date(2026, 3, 11, 10, 0, 0, 0, loc), time.Now()
	now := func() time.Time { return start.Add(time.Since(began)) }
	answerEach := time.Duration(0)
	rt, err := bot.NewRuntime(context.Background(), &cfg, bot.NewLogger(io.Discard, "debug", "text"), bot.RuntimeOptions{
		Store: bot.NewStore(rdb, prefix), Coalesce: &answerEach, Now: now,
		Queue: queue.Options{Block: 50 * time.Millisecond, Poll: 20 * time.Millisecond,
			Backoff: func(int) time.Duration { return 50 * time.Millisecond }},
	})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(rt.Close)
	ch, err := sms.New(sms.Options{Twilio: cfg.SMS.Twilio, AllowedCountryCodes: cfg.SMS.AllowedCountryCodes, PublicURL: publicURL}, rt.Env())
	if err != nil {
		tb.Fatal(err)
	}
	rt.Add(ch)
	vc, err := voice.New(voice.Options{Twilio: cfg.SMS.Twilio, PublicURL: publicURL, Officials: cfg.Officials, SayVoice: cfg.Voice.SayVoice}, rt.Env())
	if err != nil {
		tb.Fatal(err)
	}
	rt.Add(vc)
	hs := httptest.NewServer(rt.Server.Handler())
	tb.Cleanup(hs.Close)
	ctx, cancel := context.WithCancel(context.Background())
	wait := rt.Run(ctx, 20*time.Millisecond)
	tb.Cleanup(func() { cancel(); wait() })
	return &harness{tb: tb, rt: rt, fake: fake, local: hs.URL, now: now}
}

// theOfficials are the ones most tests call.
func theOfficials() []config.Official {
	return []config.Official{
		{Number: mayor, Name: "张三", Title: "市长", ForwardTo: mayorCell, Schedule: allDay},
		{Number: deputy, Name: "李四", Title: "副市长", Schedule: allDay},
		{Number: secretary, Name: "王五", Title: "秘书长", ForwardTo: secCell,
			Schedule: config.Schedule{Days: []int{7}, From: "08:00", To: "18:00"}},
	}
}

// answer is an HTTP answer, read.
type answer struct {
	status int
	ctype  string
	body   string
}

// post sends a form to path as Twilio would, signed with token.
func (h *harness) post(path string, form url.Values, token string) answer {
	h.tb.Helper()
	req, err := smstest.SignedRequest(token, h.local, publicURL+path, form)
	if err != nil {
		h.tb.Fatal(err)
	}
	return h.do(req)
}

func (h *harness) do(req *http.Request) answer {
	h.tb.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{status: resp.StatusCode, ctype: resp.Header.Get("Content-Type"), body: string(b)}
}

// call is a signed call from from to to, answered 200 with TwiML.
func (h *harness) call(from, to, sid string) (answer, twiml) {
	h.tb.Helper()
	return h.twiml(h.post(voice.CallPath, smstest.CallForm(accountSID, from, to, sid), authToken))
}

// dialEnded is the signed <Dial> action, answered 200 with TwiML.
func (h *harness) dialEnded(from, to, sid, status string) (answer, twiml) {
	h.tb.Helper()
	return h.twiml(h.post(voice.AfterPath, smstest.DialActionForm(accountSID, from, to, sid, status), authToken))
}

func (h *harness) twiml(a answer) (answer, twiml) {
	h.tb.Helper()
	if a.status != http.StatusOK || !strings.HasPrefix(a.ctype, "text/xml") {
		h.tb.Fatalf("answer %d %q %q", a.status, a.ctype, a.body)
	}
	// Every answer is TwiML as Twilio documents it (verbs, attributes,
	// a voice that speaks the language).
	if err := smstest.ValidateVoiceTwiML(a.body); err != nil {
		h.tb.Errorf("TwiML Twilio would not play as meant: %v\n%s", err, a.body)
	}
	return a, parseTwiML(h.tb, a.body)
}

// setBusy puts an official in a meeting for an hour through the admin API.
func (h *harness) setBusy(number, token string) int {
	h.tb.Helper()
	body, _ := json.Marshal(map[string]string{"state": "busy", "until": h.now().Add(time.Hour).Format(time.RFC3339), "reason": "开会"})
	req, err := http.NewRequest(http.MethodPut, h.local+"/api/v1/officials/"+number+"/availability", bytes.NewReader(body))
	if err != nil {
		h.tb.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	return h.do(req).status
}

// callbacks are the phones on an official's call-back list.
func (h *harness) callbacks(number string) []string {
	h.tb.Helper()
	req, _ := http.NewRequest(http.MethodGet, h.local+"/api/v1/officials/"+number+"/callbacks", nil)
	req.Header.Set("Authorization", "Bearer "+adminToken)
	a := h.do(req)
	var list struct {
		Items []struct {
			Call    string   `json:"call"`
			Reasons []string `json:"reasons"`
		} `json:"items"`
	}
	if err := json.Unmarshal([]byte(a.body), &list); err != nil {
		h.tb.Fatalf("callbacks %d %q: %v", a.status, a.body, err)
	}
	var phones []string
	for _, it := range list.Items {
		phones = append(phones, strings.TrimPrefix(it.Call, "tel:")+" "+strings.Join(it.Reasons, ","))
	}
	return phones
}

// drained waits until the send queue has nothing left to do.
func (h *harness) drained() {
	h.tb.Helper()
	testwait.For(h.tb, "send queue drained", func() bool {
		st, err := h.rt.SendQueue.Stats(context.Background())
		return err == nil && st.Empty() && st.Pending == 0
	})
}

// twiml is a TwiML answer as Twilio reads it.
type twiml struct {
	XMLName xml.Name `xml:"Response"`
	Dial    []struct {
		Timeout  string `xml:"timeout,attr"`
		Action   string `xml:"action,attr"`
		CallerID string `xml:"callerId,attr"`
		Number   string `xml:",chardata"`
	} `xml:"Dial"`
	Say []struct {
		Voice    string `xml:"voice,attr"`
		Language string `xml:"language,attr"`
		Text     string `xml:",chardata"`
	} `xml:"Say"`
	Hangup []struct{} `xml:"Hangup"`
	// Verbs are the verbs' names in the order they come.
	Verbs []string `xml:"-"`
}

func parseTwiML(tb testing.TB, body string) twiml {
	tb.Helper()
	var t twiml
	if err := xml.Unmarshal([]byte(body), &t); err != nil {
		tb.Fatalf("TwiML %q: %v", body, err)
	}
	dec, depth := xml.NewDecoder(strings.NewReader(body)), 0
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		switch e := tok.(type) {
		case xml.StartElement:
			if depth++; depth == 2 {
				t.Verbs = append(t.Verbs, e.Name.Local)
			}
		case xml.EndElement:
			depth--
		}
	}
	return t
}

// said is the message of a Say-and-hang-up answer; the test fails for
// any other answer.
func said(tb testing.TB, t twiml) string {
	tb.Helper()
	if len(t.Say) != 1 || len(t.Dial) != 0 || strings.Join(t.Verbs, ",") != "Say,Hangup" ||
		t.Say[0].Voice != config.DefaultSayVoice || t.Say[0].Language != "cmn-CN" {
		tb.Fatalf("want Say (%s, cmn-CN) then Hangup, got %+v", config.DefaultSayVoice, t)
	}
	return t.Say[0].Text
}

package sms_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minsheng/minsheng/bot/sms"
	"github.com/minsheng/minsheng/bot/sms/smstest"
	"github.com/minsheng/minsheng/config"
	"github.com/minsheng/minsheng/dialog"
	"github.com/minsheng/minsheng/intake/backend/webhook/webhooktest"
	"github.com/minsheng/minsheng/internal/testwait"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestSignedInboundBecomesPetitionAndReplyFromTheNumberWrittenTo(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.start()
	resp := h.post(sms.InboundPath, smstest.InboundForm(accountSID, citizen, official, complaint, "SM0001"))
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/xml") ||
		string(body) != `<?xml version="1.0" encoding="UTF-8"?><Response/>` {
		t.Fatalf("answer %d %q %q", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	ps := h.petitions()
	if len(ps) != 1 {
		t.Fatalf("want 1 petition, got %d", len(ps))
	}
	p := ps[0].Petition
	if p.Channel != "sms" || p.Citizen.Phone != citizen || p.AddressedTo.Number != official || p.AddressedTo.Title != "市长" ||
		p.Description != complaint || ps[0].Conversation != "sms:"+citizen {
		t.Errorf("petition %+v", p)
	}
	msgs := h.fake.WaitForMessages(t, 1, 10*time.Second)
	m := msgs[0]
	if m.From != official || m.To != citizen || m.MessagingServiceSID != "" || !strings.Contains(m.Body, p.ID) ||
		m.StatusCallback != publicURL+sms.StatusPath+"?m=%3A1&n=0" { // the part it is: its callback needs no lookup
		t.Errorf("reply at Twilio %+v (petition %s)", m, p.ID)
	}
	h.drained()
	if n := testutil.ToFloat64(h.metrics.Outbound.WithLabelValues("sms", "sent")); n != 1 {
		t.Errorf("sent metric %v", n)
	}
	if n := testutil.ToFloat64(registryCounter(t, h, "minsheng_sms_segments_total", "kind", "reply")); n < 1 {
		t.Errorf("segments metric %v", n)
	}
}

func TestWrongOrMissingSignatureIsForbiddenAndStoresNothing(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	form := smstest.InboundForm(accountSID, citizen, official, complaint, "SMforged")
	req := func(sig string, f url.Values, target string) *http.Request {
		r, _ := http.NewRequest(http.MethodPost, h.local+target, strings.NewReader(f.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if sig != "" {
			r.Header.Set("X-Twilio-Signature", sig)
		}
		return r
	}
	tampered := url.Values{}
	for k, v := range form {
		tampered[k] = v
	}
	tampered.Set("Body", "改过的内容")
	extra := url.Values{}
	for k, v := range form {
		extra[k] = v
	}
	extra.Set("Injected", "1")
	for name, r := range map[string]*http.Request{
		"missing":             req("", form, sms.InboundPath),
		"garbage":             req("bm90IGEgc2lnbmF0dXJl", form, sms.InboundPath),
		"other token":         req(smstest.Sign("someoneelse", publicURL+sms.InboundPath, form), form, sms.InboundPath),
		"over the local URL":  req(smstest.Sign(authToken, h.local+sms.InboundPath, form), form, sms.InboundPath),
		"over another path":   req(smstest.Sign(authToken, publicURL+sms.StatusPath, form), form, sms.InboundPath),
		"field changed":       req(smstest.Sign(authToken, publicURL+sms.InboundPath, form), tampered, sms.InboundPath),
		"field added":         req(smstest.Sign(authToken, publicURL+sms.InboundPath, form), extra, sms.InboundPath),
		"query added":         req(smstest.Sign(authToken, publicURL+sms.InboundPath, form), form, sms.InboundPath+"?x=1"),
		"status, missing":     req("", form, sms.StatusPath),
		"status, other token": req(smstest.Sign("someoneelse", publicURL+sms.StatusPath, form), form, sms.StatusPath),
	} {
		resp := h.do(r)
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusForbidden || strings.Count(strings.TrimSpace(string(body)), "\n") != 0 {
			t.Errorf("%s: %d %q, want 403 with one line", name, resp.StatusCode, body)
		}
	}
	if keys := h.keys(); len(keys) != 0 {
		t.Errorf("a refused request stored %v", keys)
	}
	// The same request, rightly signed, is taken: the test refused for the right reason.
	if resp := h.post(sms.InboundPath, form); resp.StatusCode != http.StatusOK {
		t.Fatalf("signed: %d", resp.StatusCode)
	}
}

func TestSignatureCoversTheQueryOfTheConfiguredURL(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	// Twilio configured with a query string: it signs the URL with it.
	form := smstest.InboundForm(accountSID, citizen, official, complaint, "SMq")
	r, _ := smstest.SignedRequest(authToken, h.local, publicURL+sms.InboundPath+"?office=bozhou", form)
	if resp := h.do(r); resp.StatusCode != http.StatusOK {
		t.Fatalf("signed with a query: %d", resp.StatusCode)
	}
}

func TestMalformedAndOversizedBodiesAreRefused(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	post := func(body string, sig string) int {
		r, _ := http.NewRequest(http.MethodPost, h.local+sms.InboundPath, strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set("X-Twilio-Signature", sig)
		return h.do(r).StatusCode
	}
	if code := post("From=%zz&To=1", "x"); code != http.StatusBadRequest {
		t.Errorf("malformed form: %d", code)
	}
	big := smstest.InboundForm(accountSID, citizen, official, strings.Repeat("长", 30000), "SMbig")
	if code := post(big.Encode(), smstest.Sign(authToken, publicURL+sms.InboundPath, big)); code != http.StatusRequestEntityTooLarge {
		t.Errorf("body over 64 KiB: %d", code)
	}
	// Signed, but not an SMS: no From.
	noFrom := smstest.InboundForm(accountSID, citizen, official, complaint, "SMnofrom")
	noFrom.Del("From")
	if code := h.post(sms.InboundPath, noFrom).StatusCode; code != http.StatusBadRequest {
		t.Errorf("without From: %d", code)
	}
	if r, _ := http.NewRequest(http.MethodGet, h.local+sms.InboundPath, nil); h.do(r).StatusCode != http.StatusMethodNotAllowed {
		t.Error("GET should not be allowed")
	}
	if keys := h.keys(); len(keys) != 0 {
		t.Errorf("a refused request stored %v", keys)
	}
}

func TestRedeliveredMessageSidIsOnePetitionOneReply(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.start()
	for i := 0; i < 3; i++ {
		h.inbound(citizen, complaint, "SMsame")
	}
	if n := len(h.petitions()); n != 1 {
		t.Errorf("want 1 petition, got %d", n)
	}
	h.fake.WaitForMessages(t, 1, 10*time.Second)
	h.drained()
	time.Sleep(100 * time.Millisecond)
	if n := len(h.fake.Messages()); n != 1 {
		t.Errorf("want 1 reply, got %d", n)
	}
	if d := testutil.ToFloat64(h.metrics.Duplicates.WithLabelValues("sms")); d != 2 {
		t.Errorf("duplicates metric %v", d)
	}
}

func TestFloodGetsOneNoticeThenSilence(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.start()
	tpl, _ := dialog.NewTemplates(nil)
	notice := tpl.Render("flood", dialog.Data{})
	for i := 0; i < 30; i++ {
		h.inbound(citizen, complaint+"，第"+strings.Repeat("次", i%3+1)+"条", "SMflood"+string(rune('A'+i)))
	}
	h.drained()
	time.Sleep(100 * time.Millisecond)
	n := 0
	for _, m := range h.fake.Messages() {
		if m.Body == notice {
			n++
		}
	}
	if n != 1 {
		t.Errorf("flood notice sent %d times, want once (messages: %d)", n, len(h.fake.Messages()))
	}
	if got := testutil.ToFloat64(h.metrics.Inbound.WithLabelValues("sms")); got != 30 {
		t.Errorf("every message is still recorded: inbound metric %v", got)
	}
}

func TestSenderAbroadIsHeardButNotAnswered(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.start()
	const abroad = "+14155550100"
	h.inbound(abroad, complaint, "SMabroad")
	ps := h.petitions()
	if len(ps) != 1 || ps[0].Petition.Citizen.Phone != abroad {
		t.Fatalf("the petition must still be taken: %+v", ps)
	}
	h.drained()
	time.Sleep(100 * time.Millisecond)
	if h.fake.Attempts() != 0 {
		t.Errorf("Twilio was called for a number abroad: %+v", h.fake.Messages())
	}
	if d := testutil.ToFloat64(h.metrics.Outbound.WithLabelValues("sms", "dropped")); d < 1 {
		t.Errorf("dropped metric %v", d)
	}
	if d := testutil.ToFloat64(registryCounter(t, h, "minsheng_sms_dropped_total", "reason", "country")); d < 1 {
		t.Errorf("country guard metric %v", d)
	}
	if f := testutil.ToFloat64(registryCounter(t, h, "minsheng_sms_foreign_senders_total", "", "")); f != 1 {
		t.Errorf("foreign senders metric %v", f)
	}
	if len(h.deadLetters()) != 0 {
		t.Error("a dropped message is not a dead letter")
	}
}

func TestMMSMediaBecomeAttachmentsOfThePetition(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	form := smstest.AddMedia(smstest.InboundForm(accountSID, citizen, official, complaint, "MM0001"),
		smstest.Media{URL: "https://api.twilio.com/2010-04-01/Accounts/" + accountSID + "/Messages/MM0001/Media/ME1", ContentType: "image/jpeg"},
		smstest.Media{URL: "https://api.twilio.com/2010-04-01/Accounts/" + accountSID + "/Messages/MM0001/Media/ME2", ContentType: "video/mp4"},
	)
	if resp := h.post(sms.InboundPath, form); resp.StatusCode != http.StatusOK {
		t.Fatalf("MMS: %d", resp.StatusCode)
	}
	ps := h.petitions()
	if len(ps) != 1 {
		t.Fatalf("want 1 petition, got %d", len(ps))
	}
	att := ps[0].Petition.Attachments
	if len(att) != 2 || att[0].Kind != "image" || !strings.HasSuffix(att[0].URL, "/ME1") || att[0].Type != "image/jpeg" ||
		att[1].Kind != "video" || !strings.HasSuffix(att[1].URL, "/ME2") {
		t.Errorf("attachments %+v", att)
	}
}

// With workers.inline at -1 every SMS is only taken in by the webhook (one
// round trip) and the scheduler's workers run the dialog: each citizen
// still gets one receipt and the office one petition, Twilio's retries
// count once, and nothing is left in the queues.
func TestWebhookAnsweredBeforeTheDialogStillGetsEveryoneTheirReceipt(t *testing.T) {
	office := webhooktest.NewFake(t, "hooksecret")
	h := newHarness(t, harnessOptions{backendURL: office.URL, backendSecret: "hooksecret",
		configure: func(c *config.Config) { c.Workers.Inline = -1 }})
	ctx, cancel := context.WithCancel(context.Background())
	wait := h.rt.Run(ctx, time.Minute)
	t.Cleanup(func() { cancel(); wait() })
	const citizens = 12
	var wg sync.WaitGroup
	for i := range citizens {
		wg.Add(1)
		go func() {
			defer wg.Done()
			from, sid := fmt.Sprintf("+86139%08d", i), fmt.Sprintf("SMburst%d", i)
			h.inbound(from, complaint, sid)
			h.inbound(from, complaint, sid) // Twilio's retry of the same message
		}()
	}
	wg.Wait()
	if n := deferredCount(h); n != citizens {
		t.Errorf("%d messages deferred, want %d (the retries are duplicates)", n, citizens)
	}
	testwait.For(t, "every petition delivered and every receipt sent", func() bool {
		return office.Taken() >= citizens && len(h.fake.Messages()) >= citizens
	})
	if err := h.rt.Drain(context.Background(), 10*time.Second); err != nil {
		t.Fatal(err)
	}
	if n, m := office.Taken(), len(h.fake.Messages()); n != citizens || m != citizens {
		t.Errorf("%d petitions and %d SMS, want %d of each", n, m, citizens)
	}
	to := map[string]int{}
	for _, m := range h.fake.Messages() {
		to[m.To]++
	}
	if len(to) != citizens {
		t.Errorf("receipts went to %d numbers, want %d: %v", len(to), citizens, to)
	}
}

// deferredCount reads minsheng_inbound_deferred_total for SMS.
func deferredCount(h *harness) int {
	return int(testutil.ToFloat64(h.metrics.Deferred.WithLabelValues("sms")))
}

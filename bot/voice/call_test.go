package voice

import (
	"context"
	"encoding/xml"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minsheng/minsheng/bot"
	"github.com/minsheng/minsheng/bot/sms/smstest"
	"github.com/minsheng/minsheng/config"
	"github.com/minsheng/minsheng/intake"
	"github.com/prometheus/client_golang/prometheus"
)

var at = time.Date(2026, 3, 11, 10, 0, 0, 0, time.UTC)

const (
	sid, token = "AC0123456789abcdef0123456789abcdef", "authtoken0123456789abcdef"
	public     = "https://hotline.example.org"
)

func TestParseCallAndItsInbound(t *testing.T) {
	c, err := parseCall(smstest.CallForm(sid, "+8613912345678", "+8613800000001", "CA1"))
	if err != nil {
		t.Fatal(err)
	}
	in := c.inbound("call:CA1", at)
	want := bot.Inbound{Channel: bot.ChannelSMS, Conversation: "sms:+8613912345678",
		Reply: bot.Address{Channel: bot.ChannelSMS, To: "+8613912345678", From: "+8613800000001"}, To: "+8613800000001",
		Citizen: intake.Citizen{Phone: "+8613912345678"}, Call: true, ProviderID: "call:CA1", At: at}
	if in.Channel != want.Channel || in.Conversation != want.Conversation || in.Reply != want.Reply || in.To != want.To ||
		in.Citizen != want.Citizen || !in.Call || in.ProviderID != want.ProviderID || !in.At.Equal(at) ||
		in.Text != "" || in.Notify != nil || in.ReportedBy != nil {
		t.Errorf("got %+v\nwant %+v", in, want)
	}
	c, err = parseCall(smstest.DialActionForm(sid, "+8613912345678", "+8613800000001", "CA1", "No-Answer"))
	if err != nil || c.dialStatus != "no-answer" || c.sid != "CA1" {
		t.Errorf("dial action: %+v %v", c, err)
	}
}

func TestParseCallRefusesMissingFields(t *testing.T) {
	for _, field := range []string{"CallSid", "From", "To"} {
		form := smstest.CallForm(sid, "+8613912345678", "+8613800000001", "CA1")
		form.Set(field, " ")
		if _, err := parseCall(form); err == nil || err.Error() != "missing "+field {
			t.Errorf("without %s: %v", field, err)
		}
	}
}

// FuzzParseCall feeds arbitrary form bodies (as Twilio or an attacker could
// post them) through the parsing and the TwiML: never a panic, and what
// comes out is a well-formed missed call and well-formed XML.
func FuzzParseCall(f *testing.F) {
	f.Add(smstest.CallForm(sid, "+8613912345678", "+8613800000001", "CA1").Encode())
	f.Add(smstest.DialActionForm(sid, "anonymous", "+8613800000001", "CA2", "busy").Encode())
	f.Add("CallSid=%20&From=%2B86&To=1")
	f.Add("CallSid=x&From=<&To=%26&DialCallStatus=COMPLETED")
	f.Add("CallSid=&From=&To=")
	f.Add("%zz=1&From=x")
	f.Fuzz(func(t *testing.T, body string) {
		form, err := url.ParseQuery(body)
		if err != nil {
			return // the handler answers 400 before parsing
		}
		c, err := parseCall(form)
		if err != nil {
			return
		}
		in := c.inbound("call:"+c.sid, at)
		if in.Channel != bot.ChannelSMS || in.Conversation != "sms:"+in.Reply.To || in.Reply.To == "" || in.To == "" ||
			in.Reply.From != in.To || in.Citizen.Phone != in.Reply.To || !in.Call || in.ProviderID == "call:" || !in.At.Equal(at) {
			t.Fatalf("malformed inbound %+v", in)
		}
		for _, doc := range []string{dialTwiML(c.to, c.from, public+AfterPath), sayTwiML(config.DefaultSayVoice, message(bot.Availability{Known: true, State: stateBusy}, c.from))} {
			var v struct{}
			if err := xml.Unmarshal([]byte(doc), &v); err != nil {
				t.Fatalf("TwiML %q: %v", doc, err)
			}
		}
	})
}

func TestTwiMLEscapes(t *testing.T) {
	doc := sayTwiML("Polly.Zhiyu", message(bot.Availability{Known: true, State: stateBusy}, `<b>&"张"`))
	var r struct {
		Say string `xml:"Say"`
	}
	if err := xml.Unmarshal([]byte(doc), &r); err != nil || !strings.Contains(r.Say, `<b>&"张"正在开会`) {
		t.Errorf("%q: %+v %v", doc, r, err)
	}
	if !strings.HasPrefix(doc, `<?xml version="1.0" encoding="UTF-8"?><Response><Say voice="Polly.Zhiyu" language="cmn-CN">`) {
		t.Errorf("doc %q", doc)
	}
}

// Every answer the handlers build is TwiML as Twilio documents it: the
// message is spoken by a voice that speaks Mandarin.
func TestTwiMLIsAsTwilioDocumentsIt(t *testing.T) {
	docs := []string{dialTwiML("+8613900000001", "+8613912345678", public+AfterPath), dialTwiML("+8613900000001", "", public+AfterPath)}
	for _, a := range []bot.Availability{{Known: true, State: stateBusy}, {Known: true, State: stateOffHours}, {}} {
		for _, v := range config.MandarinVoices {
			docs = append(docs, sayTwiML(v, message(a, "市长张三")))
		}
	}
	for _, doc := range docs {
		if err := smstest.ValidateVoiceTwiML(doc); err != nil {
			t.Errorf("%v\n%s", err, doc)
		}
	}
}

func TestMessages(t *testing.T) {
	for _, c := range []struct {
		a    bot.Availability
		who  string
		want string
	}{
		{bot.Availability{Known: true, State: stateBusy}, "市长张三", "您好，市长张三正在开会，不方便接听。请挂机后发短信说明什么事、在哪里，会后联系您。"},
		{bot.Availability{Known: true, State: stateBusy}, "", "您好，领导正在开会，不方便接听。请挂机后发短信说明什么事、在哪里，会后联系您。"},
		{bot.Availability{Known: true, State: stateOffHours}, "市长张三", "您好，现在是下班时间，不方便接听。请挂机后发短信说明什么事、在哪里，上班后联系您。"},
		{bot.Availability{Known: true, State: stateAvailable}, "市长张三", "您好，暂时无法接听。请挂机后发短信说明什么事、在哪里，稍后联系您。"},
		{bot.Availability{}, "", "您好，暂时无法接听。请挂机后发短信说明什么事、在哪里，稍后联系您。"},
	} {
		if got := message(c.a, c.who); got != c.want {
			t.Errorf("%+v %q: %q", c.a, c.who, got)
		}
	}
}

// stubs: what the handler gets from the runtime, answering as told.
type stubIntake struct {
	mu  sync.Mutex
	ins []bot.Inbound
	err error
}

func (s *stubIntake) Handle(_ context.Context, in bot.Inbound) (bot.Result, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ins = append(s.ins, in)
	return bot.Result{}, s.err
}
func (s *stubIntake) OptOut(context.Context, string) error { return nil }

type stubOfficials struct {
	a   bot.Availability
	err error
}

func (s stubOfficials) Availability(context.Context, string) (bot.Availability, error) {
	return s.a, s.err
}
func (stubOfficials) Command(context.Context, bot.Command) (bot.Answer, bool, error) {
	return bot.Answer{}, false, nil
}
func (stubOfficials) Press(context.Context, bot.Command) (string, error) { return "", nil }

func stubChannel(t *testing.T, in bot.Intake, off bot.Officials) *Channel {
	t.Helper()
	c, err := New(Options{Twilio: config.Twilio{AccountSID: sid, AuthToken: token}, PublicURL: public + "/"},
		bot.ChannelEnv{Intake: in, Officials: off, Metrics: prometheus.NewRegistry(), Now: func() time.Time { return at }})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func serve(t *testing.T, c *Channel, path string, form url.Values) *httptest.ResponseRecorder {
	t.Helper()
	req, err := smstest.SignedRequest(token, "http://local", public+path, form)
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	mux := http.NewServeMux()
	for _, r := range c.Routes() {
		mux.Handle(r.Pattern, r.Handler)
	}
	mux.ServeHTTP(w, req)
	return w
}

// The message is spoken in the configured voice; without one, in the
// default, which speaks Mandarin.
func TestSayVoice(t *testing.T) {
	for _, c := range []struct{ voice, want string }{{"", config.DefaultSayVoice}, {"Google.cmn-CN-Wavenet-B", "Google.cmn-CN-Wavenet-B"}} {
		ch, err := New(Options{Twilio: config.Twilio{AccountSID: sid, AuthToken: token}, PublicURL: public, SayVoice: c.voice},
			bot.ChannelEnv{Intake: &stubIntake{}, Metrics: prometheus.NewRegistry(), Now: func() time.Time { return at }})
		if err != nil {
			t.Fatal(err)
		}
		w := serve(t, ch, CallPath, smstest.CallForm(sid, "+8613912345678", "+8613800000001", "CA1"))
		body := w.Body.String()
		if !strings.Contains(body, `<Say voice="`+c.want+`" language="cmn-CN">`) {
			t.Errorf("voice %q: %s", c.voice, body)
		}
		if err := smstest.ValidateVoiceTwiML(body); err != nil {
			t.Errorf("voice %q: %v", c.voice, err)
		}
	}
}

// The caller hears the message whatever fails behind: the store not
// answering about the official, the intake not taking the call.
func TestFailuresBehindStillAnswerTheCaller(t *testing.T) {
	in := &stubIntake{err: errors.New("redis down")}
	c := stubChannel(t, in, stubOfficials{err: errors.New("redis down")})
	w := serve(t, c, CallPath, smstest.CallForm(sid, "+8613912345678", "+8613800000001", "CA1"))
	if w.Code != 200 || !strings.Contains(w.Body.String(), "暂时无法接听") || len(in.ins) != 1 {
		t.Errorf("%d %q, %d handed in", w.Code, w.Body, len(in.ins))
	}
}

// A withheld number: nobody to text or call back, and no callerId a dial
// would fail on.
func TestWithheldNumber(t *testing.T) {
	in := &stubIntake{}
	c := stubChannel(t, in, stubOfficials{a: bot.Availability{Known: true, State: stateBusy}})
	w := serve(t, c, CallPath, smstest.CallForm(sid, "anonymous", "+8613800000001", "CA1"))
	if w.Code != 200 || !strings.Contains(w.Body.String(), "正在开会") || len(in.ins) != 0 {
		t.Errorf("busy: %d %q, %d handed in", w.Code, w.Body, len(in.ins))
	}
	c = stubChannel(t, in, stubOfficials{a: bot.Availability{Known: true, State: stateAvailable, ForwardTo: "+8613900000001"}})
	w = serve(t, c, CallPath, smstest.CallForm(sid, "anonymous", "+8613800000001", "CA2"))
	if body := w.Body.String(); w.Code != 200 || !strings.Contains(body, ">+8613900000001</Dial>") || strings.Contains(body, "callerId") {
		t.Errorf("available: %d %q", w.Code, body)
	}
	// The action URL keeps the public URL's whole path.
	if !strings.Contains(w.Body.String(), `action="https://hotline.example.org/voice/twilio/after"`) {
		t.Errorf("action in %q", w.Body)
	}
}

func TestNewRefusesMissingCredentials(t *testing.T) {
	env := bot.ChannelEnv{Intake: &stubIntake{}, Metrics: prometheus.NewRegistry()}
	for name, opt := range map[string]Options{
		"no token":      {Twilio: config.Twilio{AccountSID: sid}, PublicURL: public},
		"no public URL": {Twilio: config.Twilio{AccountSID: sid, AuthToken: token}},
		"English voice": {Twilio: config.Twilio{AccountSID: sid, AuthToken: token}, PublicURL: public, SayVoice: "Polly.Joanna"},
	} {
		if _, err := New(opt, env); err == nil {
			t.Errorf("%s: built", name)
		}
	}
	c, err := New(Options{Twilio: config.Twilio{AccountSID: sid, AuthToken: token}, PublicURL: public}, env)
	if err != nil || c.Name() != "voice" || c.Sender() != nil || len(c.Routes()) != 2 {
		t.Errorf("%v %+v", err, c)
	}
}

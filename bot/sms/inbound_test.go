package sms

import (
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/minsheng/minsheng/bot"
	"github.com/minsheng/minsheng/bot/sms/smstest"
	"github.com/minsheng/minsheng/intake"
)

var at = time.Date(2026, 3, 11, 14, 5, 0, 0, time.UTC)

func TestParseInboundSMS(t *testing.T) {
	in, err := parseInbound(smstest.InboundForm("AC1", "+8613912345678", "+8613800000001", "路灯坏了", "SM1"), at, "")
	if err != nil {
		t.Fatal(err)
	}
	want := bot.Inbound{Channel: bot.ChannelSMS, Conversation: "sms:+8613912345678",
		Reply:   bot.Address{Channel: bot.ChannelSMS, To: "+8613912345678", From: "+8613800000001"},
		Citizen: intake.Citizen{Phone: "+8613912345678"}, To: "+8613800000001", Text: "路灯坏了", ProviderID: "SM1", At: at}
	if in.Channel != want.Channel || in.Conversation != want.Conversation || in.Reply != want.Reply || in.Citizen != want.Citizen ||
		in.Notify != nil || in.ReportedBy != nil ||
		in.To != want.To || in.Text != want.Text || in.ProviderID != want.ProviderID || !in.At.Equal(at) || len(in.Attachments) != 0 {
		t.Errorf("got %+v\nwant %+v", in, want)
	}
}

func TestParseInboundMMS(t *testing.T) {
	form := smstest.AddMedia(smstest.InboundForm("AC1", "+8613912345678", "+8613800000001", "", "MM1"),
		smstest.Media{URL: "https://api.twilio.com/m/1", ContentType: "image/jpeg"},
		smstest.Media{URL: "https://api.twilio.com/m/2", ContentType: "audio/amr"},
		smstest.Media{URL: "https://api.twilio.com/m/3", ContentType: "video/3gpp"},
		smstest.Media{URL: "https://api.twilio.com/m/4", ContentType: "application/pdf"},
	)
	form.Set("MediaUrl9", "https://api.twilio.com/m/beyond-NumMedia")
	in, err := parseInbound(form, at, "")
	if err != nil {
		t.Fatal(err)
	}
	kinds := []string{"image", "audio", "video", "file"}
	if len(in.Attachments) != 4 {
		t.Fatalf("attachments %+v", in.Attachments)
	}
	for i, a := range in.Attachments {
		if a.Kind != kinds[i] || a.URL != "https://api.twilio.com/m/"+strconv.Itoa(i+1) || a.Type == "" {
			t.Errorf("attachment %d: %+v", i, a)
		}
	}
}

func TestParseInboundRefusesMissingFields(t *testing.T) {
	for _, field := range []string{"From", "To", "MessageSid"} {
		form := smstest.InboundForm("AC1", "+8613912345678", "+8613800000001", "x", "SM1")
		form.Del(field)
		if _, err := parseInbound(form, at, ""); err == nil || !strings.Contains(err.Error(), field) {
			t.Errorf("without %s: %v", field, err)
		}
	}
}

// FuzzParseInbound feeds arbitrary form bodies (as Twilio or an attacker
// could post them) through the parsing: never a panic, and what comes out
// is always a well-formed inbound message.
func FuzzParseInbound(f *testing.F) {
	f.Add(smstest.InboundForm("AC1", "+8613912345678", "+8613800000001", "路灯坏了", "SM1").Encode())
	f.Add(smstest.AddMedia(smstest.InboundForm("AC1", "+1415", "+86138", "", "MM1"),
		smstest.Media{URL: "https://x/1", ContentType: "image/png"}).Encode())
	f.Add("From=%2B86&To=1&MessageSid=S&NumMedia=99999999999999999999&MediaUrl0=u")
	f.Add("From=a&To=b&MessageSid=c&NumMedia=-3&MediaContentType0=IMAGE/GIF&MediaUrl0=u")
	f.Add("From=&To=&MessageSid=")
	f.Add("%zz=1&From=x")
	f.Fuzz(func(t *testing.T, body string) {
		form, err := url.ParseQuery(body)
		if err != nil {
			return // the handler answers 400 before parsing
		}
		in, err := parseInbound(form, at, "")
		if err != nil {
			return
		}
		if in.Channel != bot.ChannelSMS || in.Conversation != "sms:"+in.Reply.To || in.Reply.To == "" || in.To == "" ||
			in.Reply.From != in.To || in.ProviderID == "" || in.Citizen.Phone != in.Reply.To || !in.At.Equal(at) {
			t.Fatalf("malformed inbound %+v", in)
		}
		if len(in.Attachments) > maxMedia {
			t.Fatalf("%d attachments", len(in.Attachments))
		}
		for _, a := range in.Attachments {
			switch a.Kind {
			case "image", "audio", "video", "file":
			default:
				t.Fatalf("attachment kind %q", a.Kind)
			}
			if a.URL == "" {
				t.Fatal("attachment without URL")
			}
		}
	})
}

// Strict inputs: a From that is not a phone Twilio could have seen is
// refused; media that are not Twilio's https URLs with a MIME type never
// reach the petition (the backend might fetch them).
func TestParseInboundIsStrict(t *testing.T) {
	for _, from := range []string{"hello", "+86abc12345678", "../../etc/passwd", "+8613912345678901234", "8613912345678", "+861391234567"} {
		if _, err := parseInbound(smstest.InboundForm("AC1", from, "+8613800000001", "路灯坏了", "SM1"), at, ""); err == nil || !strings.Contains(err.Error(), "From") {
			t.Errorf("From %q: %v", from, err)
		}
	}
	for _, from := range []string{"+8613912345678", "+85291234567", "+14155550100"} {
		if _, err := parseInbound(smstest.InboundForm("AC1", from, "+8613800000001", "路灯坏了", "SM1"), at, ""); err != nil {
			t.Errorf("From %q refused: %v", from, err)
		}
	}
	form := smstest.AddMedia(smstest.InboundForm("AC1", "+8613912345678", "+8613800000001", "路灯坏了", "MM1"),
		smstest.Media{URL: "../../../etc/passwd", ContentType: "image/jpeg"},
		smstest.Media{URL: "file:///etc/shadow", ContentType: "image/jpeg"},
		smstest.Media{URL: "http://127.0.0.1:8080/_stats", ContentType: "text/html"},
		smstest.Media{URL: "http://api.twilio.com/m/1", ContentType: "image/jpeg"}, // not https
		smstest.Media{URL: "https://api.twilio.com/m/2", ContentType: "../x"},
		smstest.Media{URL: "https://user:pw@api.twilio.com/m/3", ContentType: "image/png"},
		smstest.Media{URL: "https://evil.example/m/4", ContentType: "image/png"},
		smstest.Media{URL: "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1", ContentType: "image/jpeg"},
		smstest.Media{URL: "https://s3-external-1.twiliocdn.com/x.jpg", ContentType: "image/jpeg"},
	)
	in, err := parseInbound(form, at, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(in.Attachments) != 2 || !strings.HasPrefix(in.Attachments[0].URL, "https://api.twilio.com/2010-04-01/") {
		t.Errorf("attachments %+v", in.Attachments)
	}
	// The configured API host (a proxy, a test fake) is Twilio's too.
	form = smstest.AddMedia(smstest.InboundForm("AC1", "+8613912345678", "+8613800000001", "", "MM2"),
		smstest.Media{URL: "http://127.0.0.1:9999/m/1", ContentType: "image/jpeg"})
	if in, _ := parseInbound(form, at, "127.0.0.1:9999"); len(in.Attachments) != 1 {
		t.Errorf("media on the configured API host dropped: %+v", in.Attachments)
	}
}

func TestCountryGuardWantsAValidNumber(t *testing.T) {
	g := countryGuard{codes: []string{"+86"}}
	for n, want := range map[string]bool{"+8613912345678": true, "+86abc12345678": false, "+8613912345678901234": false, "+14155550100": false} {
		if g.allows(n) != want {
			t.Errorf("allows(%q) = %v", n, !want)
		}
	}
}

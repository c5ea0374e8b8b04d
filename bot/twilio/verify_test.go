package twilio_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/minsheng/minsheng/bot/sms/smstest"
	"github.com/minsheng/minsheng/bot/twilio"
)

const (
	token  = "authtoken0123456789abcdef"
	public = "https://hotline.example.org/"
)

// check runs a request through VerifiedForm and says what was answered.
func check(t *testing.T, req *http.Request) (ok bool, status int, body string) {
	t.Helper()
	return checkWith(t, "", req)
}

func checkWith(t *testing.T, overrides string, req *http.Request) (ok bool, status int, body string) {
	t.Helper()
	v := twilio.NewVerifier(public, token, overrides)
	w := httptest.NewRecorder()
	ok = v.VerifiedForm(w, req)
	return ok, w.Code, w.Body.String()
}

func post(t *testing.T, path string, form url.Values, sig string) *http.Request {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if sig != "" {
		req.Header.Set("X-Twilio-Signature", sig)
	}
	return req
}

func TestVerifierChecksTheSignatureOverThePublicURL(t *testing.T) {
	form := url.Values{"CallSid": {"CA1"}, "From": {"+8613912345678"}, "To": {"+8613800000001"}}
	signed := smstest.Sign(token, "https://hotline.example.org/voice/twilio?x=1", form)

	if ok, status, _ := check(t, post(t, "/voice/twilio?x=1", form, signed)); !ok || status != http.StatusOK {
		t.Errorf("signed request refused: %d", status)
	}
	for name, req := range map[string]*http.Request{
		"no signature":       post(t, "/voice/twilio?x=1", form, ""),
		"other path":         post(t, "/voice/twilio/after?x=1", form, signed),
		"other query":        post(t, "/voice/twilio?x=2", form, signed),
		"a field changed":    post(t, "/voice/twilio?x=1", url.Values{"CallSid": {"CA2"}, "From": form["From"], "To": form["To"]}, signed),
		"over the local URL": post(t, "/voice/twilio?x=1", form, smstest.Sign(token, "http://example.com/voice/twilio?x=1", form)),
		"another token":      post(t, "/voice/twilio?x=1", form, smstest.Sign("other", "https://hotline.example.org/voice/twilio?x=1", form)),
	} {
		if ok, status, body := check(t, req); ok || status != http.StatusForbidden || strings.Count(body, "\n") != 1 {
			t.Errorf("%s: ok %v, %d %q", name, ok, status, body)
		}
	}
}

// Connection overrides ride on the webhook URL as a fragment, which never
// reaches the server; a signature over the URL with the configured fragment
// is accepted, as is one without; another fragment is not.
func TestVerifierWithConnectionOverrides(t *testing.T) {
	form := url.Values{"MessageSid": {"SM1"}, "From": {"+8613912345678"}, "To": {"+8613800000001"}}
	u := "https://hotline.example.org/sms/twilio"
	for _, tc := range []struct {
		name, overrides, signedOver string
		ok                          bool
	}{
		{"signed with the fragment", "rc=3&rp=all", u + "#rc=3&rp=all", true},
		{"signed without it", "rc=3&rp=all", u, true},
		{"configured with its #", "#rc=3&rp=all", u + "#rc=3&rp=all", true},
		{"another fragment", "rc=3&rp=all", u + "#rc=5&rp=all", false},
		{"fragment not configured", "", u + "#rc=3&rp=all", false},
		// Twilio has signed with the default port on the URL at times;
		// twilio-go accepts both forms and so do we.
		{"signed with the port", "", "https://hotline.example.org:443/sms/twilio", true},
		{"signed with another port", "", "https://hotline.example.org:8443/sms/twilio", false},
	} {
		ok, status, _ := checkWith(t, tc.overrides, post(t, "/sms/twilio", form, smstest.Sign(token, tc.signedOver, form)))
		if ok != tc.ok {
			t.Errorf("%s: ok %v (%d), want %v", tc.name, ok, status, tc.ok)
		}
	}
}

func TestVerifierRefusesABadBody(t *testing.T) {
	req := httptest.NewRequest(http.MethodPost, "/voice/twilio", strings.NewReader("%zz"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if ok, status, _ := check(t, req); ok || status != http.StatusBadRequest {
		t.Errorf("malformed body: ok %v, %d", ok, status)
	}
}

func TestWriteTwiML(t *testing.T) {
	w := httptest.NewRecorder()
	twilio.WriteTwiML(w, twilio.EmptyTwiML)
	if w.Code != 200 || w.Header().Get("Content-Type") != "text/xml; charset=utf-8" || w.Body.String() != `<?xml version="1.0" encoding="UTF-8"?><Response/>` {
		t.Errorf("%d %q %q", w.Code, w.Header().Get("Content-Type"), w.Body)
	}
}

func TestCheckCredentials(t *testing.T) {
	for _, c := range []struct {
		sid, token string
		ok         bool
	}{
		{"AC0123", "tok123", true},
		{"", "tok123", false},
		{"AC0123", "", false}, // an empty key would let anyone sign webhooks
		{"AC 0123", "tok", false},
		{"AC0123", "tok\n", false},
	} {
		if err := twilio.CheckCredentials(c.sid, c.token); (err == nil) != c.ok {
			t.Errorf("%q %q: %v", c.sid, c.token, err)
		}
	}
}

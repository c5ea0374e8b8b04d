package twilio

import (
	"math/rand"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/minsheng/minsheng/bot/sms/smstest"
)

// The fast check agrees with twilio-go's validator on the URL as given:
// every signature it accepts twilio-go accepts, and one twilio-go makes
// over that URL (first values only) it never refuses (random forms: names and values with spaces,
// Chinese, '&', '=', empty values, repeated names).
func TestSignedOverAgreesWithTwilioGo(t *testing.T) {
	const token = "authtoken0123456789abcdef"
	v := NewVerifier("https://hotline.example.org", token, "")
	rng := rand.New(rand.NewSource(1))
	pieces := []string{"", "a", "From", "Body", "+8613912345678", "路灯 坏了", "&", "=", "%", "SM1", "x y"}
	pick := func() string {
		var b strings.Builder
		for range rng.Intn(3) + 1 {
			b.WriteString(pieces[rng.Intn(len(pieces))])
		}
		return b.String()
	}
	for i := range 2000 {
		form := url.Values{}
		for range rng.Intn(6) {
			k := pick()
			form[k] = append(form[k], pick())
		}
		u := "https://hotline.example.org/sms/twilio"
		if i%3 == 0 {
			u += "?n=" + url.QueryEscape(pick())
		}
		params := map[string]string{}
		first := url.Values{} // what twilio-go signs: a name's first value
		for k, vs := range form {
			params[k] = vs[0]
			first[k] = vs[:1]
		}
		genuine := smstest.Sign(token, u, first)
		sigs := []string{genuine, smstest.Sign(token, u+"x", form), smstest.Sign("other", u, form), genuine[:len(genuine)-2] + "==", "", "!!"}
		for j, sig := range sigs {
			fast, slow := v.signedOver(u, form, sig), v.validator.Validate(u, params, sig)
			if fast && !slow {
				t.Fatalf("form %v sig %d: the fast check accepted what twilio-go refuses", form, j)
			}
			if j == 0 && !fast {
				t.Fatalf("form %v: the fast check refused a genuine signature", form)
			}
		}
	}
}

// BenchmarkVerifiedForm is the signature check of one inbound SMS, the
// fields Twilio posts.
func BenchmarkVerifiedForm(b *testing.B) {
	const token = "authtoken0123456789abcdef"
	form := url.Values{
		"ToCountry": {"CN"}, "ToState": {""}, "SmsMessageSid": {"SM0123456789abcdef0123456789abcdef"}, "NumMedia": {"0"},
		"ToCity": {""}, "FromZip": {""}, "SmsSid": {"SM0123456789abcdef0123456789abcdef"}, "FromState": {""},
		"SmsStatus": {"received"}, "FromCity": {""}, "Body": {"幸福小区门口的路灯坏了一个星期了，晚上很黑，请尽快修理"},
		"FromCountry": {"CN"}, "To": {"+8613800000001"}, "ToZip": {""}, "NumSegments": {"1"},
		"MessageSid": {"SM0123456789abcdef0123456789abcdef"}, "AccountSid": {"AC0123456789abcdef0123456789abcdef"},
		"From": {"+8613912345678"}, "ApiVersion": {"2010-04-01"},
	}
	body := form.Encode()
	sig := smstest.Sign(token, "https://hotline.example.org/sms/twilio", form)
	v := NewVerifier("https://hotline.example.org/", token, "")
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, "/sms/twilio", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Twilio-Signature", sig)
		if !v.VerifiedForm(httptest.NewRecorder(), req) {
			b.Fatal("refused")
		}
	}
}

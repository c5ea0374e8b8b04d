package sms

import (
	"net/http"
	"strings"

	"github.com/minsheng/minsheng/bot"
	"github.com/twilio/twilio-go/client"
)

// twiMLEmpty is the answer to a webhook: nothing for Twilio to do; replies
// go through the send queue, rate-limited and retried.
const twiMLEmpty = `<?xml version="1.0" encoding="UTF-8"?><Response/>`

// verifier checks X-Twilio-Signature.
type verifier struct {
	publicURL string // http.public_url, without a trailing slash
	validator client.RequestValidator
}

// verifiedForm parses the form and checks its signature. It answers 413 or
// 400 for a bad body and 403 for a missing or wrong signature itself, and
// returns false then. The signature covers the public URL Twilio called
// (never the local address: behind a proxy they differ), the query
// included, and every posted field: fields Twilio adds later are covered
// without a change here.
//
// A field posted twice is checked and read with its first value only
// (twilio-go's validator takes one value per name, and Twilio posts each
// field once): extra unsigned values are never used.
func (v *verifier) verifiedForm(w http.ResponseWriter, r *http.Request) bool {
	if !bot.ParseForm(w, r) {
		return false
	}
	sig := r.Header.Get("X-Twilio-Signature")
	if sig == "" {
		bot.Error(w, http.StatusForbidden, "missing X-Twilio-Signature")
		return false
	}
	params := make(map[string]string, len(r.PostForm))
	for k, vs := range r.PostForm {
		params[k] = vs[0]
	}
	if !v.validator.Validate(v.publicURL+r.URL.RequestURI(), params, sig) {
		bot.Error(w, http.StatusForbidden, "X-Twilio-Signature does not match (is http.public_url the URL Twilio calls?)")
		return false
	}
	return true
}

func newVerifier(publicURL, authToken string) *verifier {
	return &verifier{publicURL: strings.TrimSuffix(publicURL, "/"), validator: client.NewRequestValidator(authToken)}
}

// answerTwiML answers a webhook with empty TwiML.
func answerTwiML(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(twiMLEmpty))
}

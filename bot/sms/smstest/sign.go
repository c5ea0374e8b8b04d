// Package smstest speaks Twilio's wire format for tests: a fake Twilio REST
// API that records the messages it was asked to send (and can be told to
// fail), and the signer Twilio uses on the webhooks it calls, so tests can
// send inbound messages, status callbacks and calls (CallForm,
// DialActionForm) exactly as Twilio would.
package smstest

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// Sign computes X-Twilio-Signature the way Twilio does: base64 of the
// HMAC-SHA1, keyed with the auth token, of the full URL Twilio called
// followed by every posted field as name+value, names sorted (several values
// of one name in sorted order). twilio-go exports a validator but no signer.
func Sign(authToken, fullURL string, form url.Values) string {
	var b strings.Builder
	b.WriteString(fullURL)
	keys := make([]string, 0, len(form))
	for k := range form {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		vs := append([]string(nil), form[k]...)
		sort.Strings(vs)
		for _, v := range vs {
			b.WriteString(k)
			b.WriteString(v)
		}
	}
	mac := hmac.New(sha1.New, []byte(authToken))
	mac.Write([]byte(b.String()))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// SignedRequest builds the POST Twilio would make to publicURL (what the
// signature covers), sent instead to the same path and query under
// localBase, where the server under test listens (as behind a proxy).
func SignedRequest(authToken, localBase, publicURL string, form url.Values) (*http.Request, error) {
	pub, err := url.Parse(publicURL)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequest(http.MethodPost, strings.TrimSuffix(localBase, "/")+pub.RequestURI(), strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Twilio-Signature", Sign(authToken, publicURL, form))
	req.Header.Set("User-Agent", "TwilioProxy/1.1")
	return req, nil
}

// InboundForm is the form Twilio posts for an SMS from a citizen (from) to
// one of our numbers (to), with the fields Twilio adds besides the message.
func InboundForm(accountSID, from, to, body, messageSID string) url.Values {
	return url.Values{
		"ToCountry":     {"CN"},
		"ToState":       {""},
		"SmsMessageSid": {messageSID},
		"NumMedia":      {"0"},
		"ToCity":        {""},
		"FromZip":       {""},
		"SmsSid":        {messageSID},
		"FromState":     {""},
		"SmsStatus":     {"received"},
		"FromCity":      {""},
		"Body":          {body},
		"FromCountry":   {"CN"},
		"To":            {to},
		"ToZip":         {""},
		"NumSegments":   {"1"},
		"MessageSid":    {messageSID},
		"AccountSid":    {accountSID},
		"From":          {from},
		"ApiVersion":    {"2010-04-01"},
	}
}

// AddMedia turns an inbound form into an MMS with the given media, as
// MediaUrl{N} and MediaContentType{N} with NumMedia.
func AddMedia(form url.Values, media ...Media) url.Values {
	for i, m := range media {
		n := strconv.Itoa(i)
		form.Set("MediaUrl"+n, m.URL)
		form.Set("MediaContentType"+n, m.ContentType)
	}
	form.Set("NumMedia", strconv.Itoa(len(media)))
	return form
}

// Media is one attachment of an MMS.
type Media struct {
	URL         string
	ContentType string
}

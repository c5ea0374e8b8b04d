package sms

import (
	"mime"
	"net/url"
	"regexp"
	"strings"
	"sync"

	"github.com/nyaruka/phonenumbers"
)

// validNumber reports whether s is a phone number that can be texted: E.164
// ("+" and digits only) and valid for its country by libphonenumber's
// metadata (lengths, prefixes: a Chinese mobile has 11 digits).
// "+86abc12345678" and "+8613912345678901234" are not.
func validNumber(s string) bool {
	if len(s) < 8 || len(s) > 16 || s[0] != '+' {
		return false
	}
	for _, r := range s[1:] {
		if r < '0' || r > '9' {
			return false
		}
	}
	if ok, known := cnMobiles.valid(s); known {
		return ok
	}
	return validByMetadata(s)
}

func validByMetadata(s string) bool {
	n, err := phonenumbers.Parse(s, "")
	return err == nil && phonenumbers.IsValidNumber(n)
}

// cnMobiles remembers libphonenumber's answer per five-digit prefix of
// mainland mobile numbers (+86 and 11 digits from 1): its metadata decides
// on those digits and the length alone, and asking it costs more than the
// rest of an inbound webhook's parsing (≈60 µs).
var cnMobiles prefixCache

type prefixCache struct{ m sync.Map } // "1xxxx" → bool

func (c *prefixCache) valid(s string) (ok, known bool) {
	if len(s) != 14 || s[:4] != "+861" {
		return false, false
	}
	prefix := s[3:8]
	if v, hit := c.m.Load(prefix); hit {
		return v.(bool), true
	}
	ok = validByMetadata(s)
	c.m.Store(prefix, ok)
	return ok, true
}

// mediaHosts are where Twilio keeps the media of an MMS.
var mediaHosts = []string{"api.twilio.com", ".twilio.com", ".twiliocdn.com"}

// validMedia reports whether an MMS's media URL and content type are what
// Twilio sends: an https URL on Twilio's media hosts (or on apiHost, the
// configured api_base_url's, for a proxy or a test fake), and a MIME type.
// Anything else (a file: URL, an internal address, a path) must never
// reach the backend, which may fetch it.
func validMedia(rawURL, contentType, apiHost string) bool {
	u, err := url.Parse(rawURL)
	if err != nil || u.User != nil || u.Host == "" {
		return false
	}
	host := strings.ToLower(u.Hostname())
	switch {
	case apiHost != "" && strings.EqualFold(u.Host, apiHost):
		// the configured API's own host: the test fake, a proxy
	case u.Scheme != "https":
		return false
	default:
		ok := false
		for _, h := range mediaHosts {
			ok = ok || host == h || strings.HasPrefix(h, ".") && strings.HasSuffix(host, h)
		}
		if !ok {
			return false
		}
	}
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && mimeType.MatchString(mt)
}

// mimeType is type/subtype as RFC 6838 names them.
var mimeType = regexp.MustCompile(`^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$`)

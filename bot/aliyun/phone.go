package aliyun

import (
	"strings"
)

// e164 turns a number as the provider writes it (1381111xxxx, 861381111xxxx,
// +86…, 0086…) into E.164 (+861381111xxxx); "" when it is not a number.
func e164(n string) string {
	n = strings.TrimSpace(n)
	switch {
	case strings.HasPrefix(n, "+"):
	case strings.HasPrefix(n, "00"):
		n = "+" + n[2:]
	case len(n) == 11 && n[0] == '1':
		n = "+86" + n
	case strings.HasPrefix(n, "86") && len(n) == 13:
		n = "+" + n
	default:
		return ""
	}
	if len(n) < 8 || len(n) > 16 {
		return ""
	}
	for _, c := range n[1:] {
		if c < '0' || c > '9' {
			return ""
		}
	}
	return n
}

// national is an E.164 number as SendSms and QuerySendDetails take it: 11
// digits for the mainland, the country code and number elsewhere.
func national(n string) string {
	if rest, ok := strings.CutPrefix(n, "+86"); ok {
		return rest
	}
	return strings.TrimPrefix(n, "+")
}

// countryGuard keeps SMS to sms.allowed_country_codes (SMS pumping fraud);
// no codes: nowhere.
type countryGuard struct{ codes []string }

func (g countryGuard) allows(number string) bool {
	if e164(number) != number {
		return false
	}
	for _, c := range g.codes {
		if c != "" && strings.HasPrefix(number, c) {
			return true
		}
	}
	return false
}

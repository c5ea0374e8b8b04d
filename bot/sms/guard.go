package sms

import "strings"

// countryGuard keeps SMS to the allowed country codes: SMS pumping fraud
// makes a bot text premium numbers abroad at the account's cost, and the
// citizens this service answers have local numbers. A citizen writing from
// abroad is still heard (the petition is taken), only not answered by SMS.
type countryGuard struct {
	codes []string // "+86", "+852"
}

// allows reports whether number (E.164) is in an allowed country. No codes
// configured means nowhere: the guard fails closed.
func (g countryGuard) allows(number string) bool {
	if !validNumber(number) {
		return false // "+86abc…" starts like an allowed code
	}
	for _, c := range g.codes {
		if c != "" && strings.HasPrefix(number, c) {
			return true
		}
	}
	return false
}

package smstest

import "net/url"

// CallForm is the form Twilio posts to a number's voice webhook when a
// call from from to one of our numbers (to) comes in, with the fields
// Twilio adds besides the call.
func CallForm(accountSID, from, to, callSID string) url.Values {
	return url.Values{
		"AccountSid":    {accountSID},
		"ApiVersion":    {"2010-04-01"},
		"CallSid":       {callSID},
		"CallStatus":    {"ringing"},
		"Called":        {to},
		"CalledCountry": {"CN"},
		"Caller":        {from},
		"CallerCountry": {"CN"},
		"Direction":     {"inbound"},
		"From":          {from},
		"FromCity":      {""},
		"FromCountry":   {"CN"},
		"FromState":     {""},
		"FromZip":       {""},
		"StirVerstat":   {"TN-Validation-Passed-C"},
		"To":            {to},
		"ToCity":        {""},
		"ToCountry":     {"CN"},
		"ToState":       {""},
		"ToZip":         {""},
	}
}

// DialActionForm is the form Twilio posts to a <Dial>'s action URL when the
// dialed leg ends: the parent call's fields, its status now, and how the
// dial went (DialCallStatus: completed, answered, busy, no-answer, failed,
// canceled).
func DialActionForm(accountSID, from, to, callSID, dialCallStatus string) url.Values {
	form := CallForm(accountSID, from, to, callSID)
	form.Set("CallStatus", "in-progress")
	form.Set("DialCallStatus", dialCallStatus)
	form.Set("DialCallSid", "CAd"+callSID)
	form.Set("DialCallDuration", "0")
	form.Set("DialBridged", "false")
	if dialCallStatus == "completed" {
		form.Set("DialCallDuration", "42")
		form.Set("DialBridged", "true")
	}
	return form
}

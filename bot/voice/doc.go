// Package voice is the voice channel on Twilio: calls to an official's
// published number (会后联系).
//
// POST /voice/twilio takes Twilio's incoming-call webhook, signed like SMS
// (X-Twilio-Signature over http.public_url + the request URI and every
// posted field; 403 otherwise, before anything is looked at). When the
// official is available and has a forward_to phone, the call is forwarded
// there with the caller's number shown (<Dial>), and Twilio reports how the
// dial went to POST /voice/twilio/after. Otherwise (busy, off hours, no
// forward_to, a number that is no official's, no officials configured at
// all, or a forwarded call nobody took) the caller hears a short message
// (<Say> in voice.say_voice, a Mandarin voice, then <Hangup>) and the
// channel hands the runtime one SMS-channel bot.Inbound with Call set: the
// dialog answers it with the auto-reply SMS inviting the caller to text
// what and where, and keeps a call-back item for the official. No petition is opened until the caller texts.
//
// The channel only takes in: the SMS goes out through the SMS channel's
// sender (its guards apply: a caller outside sms.allowed_country_codes
// hears the message and gets no SMS, while the call-back item is kept).
// The pipeline deduplicates on the ProviderID ("call:<CallSid>", and
// "call:<CallSid>/after" for the dial's end), so a redelivered webhook is
// handled once and answered with the same TwiML.
package voice

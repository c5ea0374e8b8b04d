// Package twilio is what the channels on Twilio (bot/sms, bot/voice) share,
// so that each Twilio concern is written once: the check of the
// X-Twilio-Signature on the webhooks Twilio calls (Verifier), the TwiML
// answer written back (WriteTwiML), and the REST client built on twilio-go
// with what production needs of it (Client: the send's context, a timeout,
// api_base_url, no redirects, the HTTP status and Retry-After kept for the
// retry decision).
package twilio

// Package sms is the SMS channel on Twilio (github.com/twilio/twilio-go).
//
// In: POST /sms/twilio takes Twilio's inbound webhook. The X-Twilio-Signature
// is checked over http.public_url + the request URI and every posted field
// before anything is stored; the message (MMS media as attachments, by URL)
// goes to the runtime's bot.Intake (the pipeline, which deduplicates on the MessageSid), and
// Twilio gets an empty TwiML answer: replies go out through the send queue,
// never in the webhook's answer. POST /sms/twilio/status takes the delivery
// status callbacks: counted, recorded, failed messages with a transient
// carrier error sent again (a bounded number of times), error 21610 (the
// recipient unsubscribed at the carrier) turned into an opt-out.
//
// Out: Sender delivers the send queue's SMS messages with the REST API, from
// the number the citizen wrote to (or the messaging service). Before Twilio
// is called, guards drop what must never go out (numbers outside
// sms.allowed_country_codes: SMS pumping fraud; the same text to the same
// number more than three times in ten minutes: a reply loop with another
// bot), and a rate limit per sending number, shared by every replica through
// Redis, defers what would go too fast, replies before status and survey
// messages. Bodies over 1,600 characters go as several messages, in order.
// Each part is marked attempted in Redis before the call and sent after; a
// retry that finds an attempt with no outcome (Twilio answered after the
// timeout, or the worker died) looks the part up in Twilio's message list
// and sends it only if Twilio does not have it (dedup.go).
package sms

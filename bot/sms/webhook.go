package sms

import (
	"net/http"

	"github.com/minsheng/minsheng/bot/twilio"
)

// answerTwiML answers a webhook with empty TwiML: replies go through the
// send queue, never in the webhook's answer.
func answerTwiML(w http.ResponseWriter) { twilio.WriteTwiML(w, twilio.EmptyTwiML) }

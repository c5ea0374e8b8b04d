package smstest

import (
	"strings"
	"testing"
)

const decl = `<?xml version="1.0" encoding="UTF-8"?>`

// The table refuses what Twilio documents as failing or unknown, and takes
// what it documents.
func TestValidateVoiceTwiML(t *testing.T) {
	for _, c := range []struct {
		doc  string
		want string // "" = valid; else a part of the error
	}{
		{decl + `<Response/>`, ""},
		{decl + `<Response><Say voice="Polly.Zhiyu-Neural" language="cmn-CN">您好</Say><Hangup/></Response>`, ""},
		{decl + `<Response><Say voice="Polly.Zhiyu" language="cmn-CN">您好</Say></Response>`, ""},
		{decl + `<Response><Say voice="Google.cmn-CN-Wavenet-A" language="cmn-CN">您好</Say></Response>`, ""},
		{decl + `<Response><Dial timeout="20" action="https://h.example.org/voice/twilio/after" callerId="+8613912345678">+8613900000001</Dial></Response>`, ""},
		// The default voice (man) does not speak Chinese: Twilio fails the <Say>.
		{decl + `<Response><Say language="zh-CN">您好</Say><Hangup/></Response>`, `voice "man" does not speak language "zh-CN"`},
		{decl + `<Response><Say>您好</Say></Response>`, ""}, // en-US by man: valid TwiML (if useless for Chinese)
		{decl + `<Response><Say voice="Polly.Zhiyu-Neural" language="zh-CN">您好</Say></Response>`, `does not speak language "zh-CN"`},
		{decl + `<Response><Say voice="Polly.Zhiyu-Neural">您好</Say></Response>`, `does not speak language "en-US"`},
		{decl + `<Response><Say voice="Polly.Nobody" language="cmn-CN">您好</Say></Response>`, `"Polly.Nobody" is not a documented voice`},
		{decl + `<Response><Say voice="Polly.Zhiyu" language="cmn-CN" speed="2">您好</Say></Response>`, "speed is not an attribute of <Say>"},
		{decl + `<Response><Say voice="Polly.Zhiyu" language="cmn-CN" loop="-1">您好</Say></Response>`, "loop"},
		{decl + `<Response><Say voice="Polly.Zhiyu" language="cmn-CN"> </Say></Response>`, "nothing to say"},
		{decl + `<Response><Speak>您好</Speak></Response>`, "<Speak> is not a voice verb"},
		{decl + `<Response><Hangup>now</Hangup></Response>`, "takes no text"},
		{decl + `<Response><Dial timeout="0">+8613900000001</Dial></Response>`, "timeout"},
		{decl + `<Response><Dial action="/voice/twilio/after">+8613900000001</Dial></Response>`, "not an absolute URL"},
		{decl + `<Response><Dial callerId="anonymous">+8613900000001</Dial></Response>`, "callerId"},
		{decl + `<Response><Dial>13900000001</Dial></Response>`, "number to dial"},
		{decl + `<Response><Dial><Number>+8613900000001</Number></Dial></Response>`, "nested <Number>"},
		{decl + `<Reply/>`, "want <Response>"},
		{decl + `<Response><Say>`, "not well-formed"},
	} {
		err := ValidateVoiceTwiML(c.doc)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v", c.doc, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: got %v, want an error with %q", c.doc, err, c.want)
		}
	}
}

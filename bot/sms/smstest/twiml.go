package smstest

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// TwiML has no schema Twilio publishes (the 2008 XSD in old helper
// libraries knows neither the voices nor half of today's attributes), so
// the voice TwiML the bot answers with is checked against this table,
// taken from Twilio's documentation and from the TwiML typings Twilio
// generates for its Node helper (twilio/twilio-node,
// src/twiml/VoiceResponse.ts at 45d3d65a4ea87652f4c7973af0e0998f3af31322):
//
//   - https://www.twilio.com/docs/voice/twiml/say: attributes voice,
//     language, loop; "Using an invalid combination of voice and language
//     may result in error and <Say> instruction failure"; the default voice
//     is man, which speaks only a few Western languages.
//   - https://www.twilio.com/docs/voice/twiml/say/text-speech: which
//     language each voice speaks (Chinese, Mandarin: cmn-CN).
//   - https://www.twilio.com/docs/voice/twiml/dial: attributes; timeout a
//     positive integer of seconds (warning 13212 otherwise).
//   - https://www.twilio.com/docs/voice/twiml/hangup: no attributes, no content.
//
// A verb the bot starts to use is added here from those pages, not from
// the code under test.

// twimlVerb is what a verb of a voice <Response> may carry.
type twimlVerb struct {
	attrs []string                // documented attributes
	text  bool                    // may have text content (what to say, whom to dial)
	check func(el *twimlEl) error // the values, beyond the names
}

// voiceVerbs are the verbs of a voice <Response> the bot may answer with.
var voiceVerbs = map[string]twimlVerb{
	"Say": {attrs: []string{"voice", "language", "loop"}, text: true, check: checkSay},
	"Dial": {attrs: []string{
		"action", "answerOnBridge", "callerId", "events", "hangupOnStar", "method", "record",
		"recordingConfigurationId", "recordingStatusCallback", "recordingStatusCallbackEvent",
		"recordingStatusCallbackMethod", "recordingTrack", "referMethod", "referUrl", "ringTone",
		"sequential", "timeLimit", "timeout", "trim",
	}, text: true, check: checkDial},
	"Hangup":   {},
	"Pause":    {attrs: []string{"length"}},
	"Play":     {attrs: []string{"digits", "loop"}, text: true},
	"Redirect": {attrs: []string{"method"}, text: true},
	"Reject":   {attrs: []string{"reason"}},
}

// SayVoices are the <Say> voices this table knows and the languages each
// speaks (Twilio's text-to-speech page; Google's names carry their
// language). man (the default) and woman are Twilio's basic voices.
var SayVoices = map[string][]string{
	"man":                {"en", "en-US", "en-GB", "es", "es-ES", "fr", "fr-FR", "de", "de-DE"},
	"woman":              {"en", "en-US", "en-GB", "es", "es-ES", "fr", "fr-FR", "de", "de-DE"},
	"Polly.Zhiyu":        {"cmn-CN"},
	"Polly.Zhiyu-Neural": {"cmn-CN"},
}

func init() {
	for _, v := range []string{
		"Chirp3-HD-Aoede", "Chirp3-HD-Charon", "Chirp3-HD-Fenrir", "Chirp3-HD-Kore", "Chirp3-HD-Leda",
		"Chirp3-HD-Orus", "Chirp3-HD-Puck", "Chirp3-HD-Zephyr",
		"Standard-A", "Standard-B", "Standard-C", "Standard-D", "Wavenet-A", "Wavenet-B", "Wavenet-C", "Wavenet-D",
	} {
		SayVoices["Google.cmn-CN-"+v] = []string{"cmn-CN"}
	}
}

// twimlEl is one element of a TwiML document.
type twimlEl struct {
	name  string
	attrs map[string]string
	text  string
	kids  []*twimlEl
}

// ValidateVoiceTwiML checks a voice TwiML document as Twilio would read
// it: a <Response> of documented verbs with documented attributes, a
// <Say> voice that speaks its language, a <Dial> with a positive timeout,
// an absolute action URL and E.164 numbers. It names the first problem.
func ValidateVoiceTwiML(doc string) error {
	root, err := parseTwiML(doc)
	if err != nil {
		return err
	}
	if root.name != "Response" {
		return fmt.Errorf("root <%s>, want <Response>", root.name)
	}
	if len(root.attrs) > 0 || strings.TrimSpace(root.text) != "" {
		return errors.New("<Response> takes neither attributes nor text")
	}
	for i, el := range root.kids {
		v, ok := voiceVerbs[el.name]
		if !ok {
			return fmt.Errorf("verb %d <%s> is not a voice verb in the table", i+1, el.name)
		}
		for a := range el.attrs {
			if !slices.Contains(v.attrs, a) {
				return fmt.Errorf("<%s %s=…>: %s is not an attribute of <%s>", el.name, a, a, el.name)
			}
		}
		if len(el.kids) > 0 {
			return fmt.Errorf("<%s> with nested <%s>: not in the table", el.name, el.kids[0].name)
		}
		if !v.text && strings.TrimSpace(el.text) != "" {
			return fmt.Errorf("<%s> takes no text, has %q", el.name, el.text)
		}
		if v.check != nil {
			if err := v.check(el); err != nil {
				return fmt.Errorf("<%s>: %w", el.name, err)
			}
		}
	}
	return nil
}

func checkSay(el *twimlEl) error {
	voice, ok := el.attrs["voice"]
	if !ok {
		voice = "man" // Twilio's default
	}
	lang, ok := el.attrs["language"]
	if !ok {
		lang = "en-US" // Twilio's default
	}
	langs, known := SayVoices[voice]
	switch {
	case !known:
		return fmt.Errorf("voice %q is not a documented voice in the table", voice)
	case !slices.Contains(langs, lang):
		return fmt.Errorf("voice %q does not speak language %q (it speaks %s)", voice, lang, strings.Join(langs, ", "))
	case strings.TrimSpace(el.text) == "":
		return errors.New("nothing to say")
	}
	if l, ok := el.attrs["loop"]; ok {
		if n, err := strconv.Atoi(l); err != nil || n < 0 {
			return fmt.Errorf("loop %q is not an integer ≥ 0", l)
		}
	}
	return nil
}

var e164 = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)

func checkDial(el *twimlEl) error {
	if t, ok := el.attrs["timeout"]; ok {
		if n, err := strconv.Atoi(t); err != nil || n < 1 {
			return fmt.Errorf("timeout %q is not a positive integer of seconds", t)
		}
	}
	if a, ok := el.attrs["action"]; ok {
		u, err := url.Parse(a)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return fmt.Errorf("action %q is not an absolute URL", a)
		}
	}
	if c, ok := el.attrs["callerId"]; ok && !e164.MatchString(c) {
		return fmt.Errorf("callerId %q is not an E.164 number", c)
	}
	if m, ok := el.attrs["method"]; ok && m != "GET" && m != "POST" {
		return fmt.Errorf("method %q is not GET or POST", m)
	}
	if n := strings.TrimSpace(el.text); !e164.MatchString(n) {
		return fmt.Errorf("number to dial %q is not an E.164 number", n)
	}
	return nil
}

// parseTwiML reads the document into elements; it refuses what is not
// well-formed XML.
func parseTwiML(doc string) (*twimlEl, error) {
	dec := xml.NewDecoder(strings.NewReader(doc))
	var stack []*twimlEl
	var root *twimlEl
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("not well-formed XML: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			el := &twimlEl{name: t.Name.Local, attrs: map[string]string{}}
			if t.Name.Space != "" {
				return nil, fmt.Errorf("<%s> in namespace %q", t.Name.Local, t.Name.Space)
			}
			for _, a := range t.Attr {
				el.attrs[a.Name.Local] = a.Value
			}
			if len(stack) == 0 {
				if root != nil {
					return nil, errors.New("two root elements")
				}
				root = el
			} else {
				top := stack[len(stack)-1]
				top.kids = append(top.kids, el)
			}
			stack = append(stack, el)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text += string(t)
			} else if strings.TrimSpace(string(t)) != "" {
				return nil, errors.New("text outside <Response>")
			}
		}
	}
	if root == nil {
		return nil, errors.New("no <Response>")
	}
	return root, nil
}

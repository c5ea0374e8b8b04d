package voice

import (
	"encoding/xml"

	"github.com/minsheng/minsheng/bot"
	"github.com/minsheng/minsheng/config"
)

// dialTimeout is how long the official's phone rings (seconds) before the
// caller is told to text instead.
const dialTimeout = 20

// response is the TwiML document: one of Dial, or Say then Hangup.
// encoding/xml escapes what goes in (a name, a number).
type response struct {
	XMLName xml.Name  `xml:"Response"`
	Dial    *dial     `xml:"Dial,omitempty"`
	Say     *say      `xml:"Say,omitempty"`
	Hangup  *struct{} `xml:"Hangup,omitempty"`
}

type dial struct {
	Timeout  int    `xml:"timeout,attr"`
	Action   string `xml:"action,attr"`
	CallerID string `xml:"callerId,attr,omitempty"`
	Number   string `xml:",chardata"`
}

type say struct {
	Voice    string `xml:"voice,attr"`
	Language string `xml:"language,attr"`
	Text     string `xml:",chardata"`
}

func (r response) String() string {
	b, err := xml.Marshal(r)
	if err != nil { // strings and an int: cannot fail
		panic(err)
	}
	return xml.Header[:len(xml.Header)-1] + string(b)
}

// dialTwiML forwards the call to number, showing callerID ("" for
// Twilio's default), and has Twilio report the outcome to action.
func dialTwiML(number, callerID, action string) string {
	return response{Dial: &dial{Timeout: dialTimeout, Action: action, CallerID: callerID, Number: number}}.String()
}

// sayTwiML tells the caller text in voice (one of config.MandarinVoices,
// which speak cmn-CN) and hangs up. Both are named: Twilio's default voice
// speaks no Chinese, and a voice with a language it does not speak fails
// the <Say> (config/voices.go).
func sayTwiML(voice, text string) string {
	return response{Say: &say{Voice: voice, Language: config.MandarinLanguage, Text: text}, Hangup: &struct{}{}}.String()
}

// message is what the caller hears: why nobody answers, and to text what
// and where (the SMS that follows says it again). who names the official
// ("" for 领导).
func message(a bot.Availability, who string) string {
	const text = "请挂机后发短信说明什么事、在哪里，"
	switch {
	case a.Known && a.State == stateBusy:
		if who == "" {
			who = "领导"
		}
		return "您好，" + who + "正在开会，不方便接听。" + text + "会后联系您。"
	case a.Known && a.State == stateOffHours:
		return "您好，现在是下班时间，不方便接听。" + text + "上班后联系您。"
	}
	return "您好，暂时无法接听。" + text + "稍后联系您。"
}

package config

import "slices"

// The voice the voice channel speaks to callers with (<Say> in TwiML).
//
// Twilio's default <Say> voice ("man") speaks only a few Western languages,
// and "using an invalid combination of voice and language may result in
// error and <Say> instruction failure"
// (https://www.twilio.com/docs/voice/twiml/say): a Chinese message needs a
// voice that speaks Mandarin, named on every <Say> with its language.
//
// MandarinVoices are the voices Twilio documents for Chinese, Mandarin
// (language cmn-CN): Amazon Polly's Zhiyu and Google's cmn-CN voices
// (https://www.twilio.com/docs/voice/twiml/say/text-speech; the same
// names are in the TwiML typings Twilio generates, twilio/twilio-node
// src/twiml/VoiceResponse.ts, SayVoice; Amazon lists Zhiyu as cmn-CN with
// a standard and a neural engine,
// https://docs.aws.amazon.com/polly/latest/dg/available-voices.html).
// cmn-TW (Taiwan) and the Cantonese voices are left out: the messages are
// written for the mainland.
var MandarinVoices = []string{
	"Polly.Zhiyu-Neural", "Polly.Zhiyu",
	"Google.cmn-CN-Standard-A", "Google.cmn-CN-Standard-B", "Google.cmn-CN-Standard-C", "Google.cmn-CN-Standard-D",
	"Google.cmn-CN-Wavenet-A", "Google.cmn-CN-Wavenet-B", "Google.cmn-CN-Wavenet-C", "Google.cmn-CN-Wavenet-D",
	"Google.cmn-CN-Chirp3-HD-Aoede", "Google.cmn-CN-Chirp3-HD-Charon", "Google.cmn-CN-Chirp3-HD-Fenrir",
	"Google.cmn-CN-Chirp3-HD-Kore", "Google.cmn-CN-Chirp3-HD-Leda", "Google.cmn-CN-Chirp3-HD-Orus",
	"Google.cmn-CN-Chirp3-HD-Puck", "Google.cmn-CN-Chirp3-HD-Zephyr",
}

// MandarinLanguage is the <Say> language of MandarinVoices.
const MandarinLanguage = "cmn-CN"

// DefaultSayVoice is Amazon Polly's Zhiyu on its neural engine: documented
// by Twilio for cmn-CN, by Amazon for both its engines, and the neural one
// reads a sentence with natural pauses, which carries better over a phone
// line to elderly callers than the standard engine's; the message is
// about 50 characters, so the neural price is a fraction of a cent a call.
// Polly.Zhiyu (standard) is the cheaper documented fallback.
const DefaultSayVoice = "Polly.Zhiyu-Neural"

// IsMandarinVoice reports whether voice is one of MandarinVoices.
func IsMandarinVoice(voice string) bool { return slices.Contains(MandarinVoices, voice) }

package config

import (
	"errors"
	"strings"
	"testing"
)

// problemsWith loads the defaults with the environment given and returns
// the problems config check would list (nil when it says ok).
func problemsWith(t *testing.T, env map[string]string) Problems {
	t.Helper()
	for k, v := range env {
		t.Setenv(k, v)
	}
	_, err := Load("")
	if err == nil {
		return nil
	}
	var probs Problems
	if !errors.As(err, &probs) {
		t.Fatalf("want Problems, got %v", err)
	}
	return probs
}

// oneProblem checks that config check refuses with exactly one line,
// naming key, with every part of the reason given.
func oneProblem(t *testing.T, name string, probs Problems, key string, parts ...string) {
	t.Helper()
	if len(probs) != 1 || !strings.HasPrefix(probs[0], key+": ") || strings.Contains(probs[0], "\n") {
		t.Errorf("%s: want one problem of %s, got %q", name, key, probs)
		return
	}
	for _, p := range parts {
		if !strings.Contains(probs[0], p) {
			t.Errorf("%s: %q does not say %q", name, probs[0], p)
		}
	}
}

// voice.say_voice takes the voices Twilio documents for Mandarin and no other.
func TestSayVoiceIsAMandarinVoice(t *testing.T) {
	if d := Default().Voice.SayVoice; d != DefaultSayVoice || !IsMandarinVoice(d) {
		t.Errorf("default voice %q", d)
	}
	for _, v := range MandarinVoices {
		if probs := problemsWith(t, map[string]string{"MINSHENG_VOICE_SAY_VOICE": v}); probs != nil {
			t.Errorf("%s refused: %q", v, probs)
		}
	}
	for _, v := range []string{"", "man", "alice", "Polly.Joanna", "Polly.zhiyu", "zh-CN", "Google.cmn-TW-Standard-A", "Polly.Hiujin-Neural"} {
		probs := problemsWith(t, map[string]string{"MINSHENG_VOICE_SAY_VOICE": v})
		oneProblem(t, v, probs, "voice.say_voice", `"`+v+`"`, "Mandarin")
	}
}

package intake

import (
	"strings"
	"testing"
)

// Vectors computed independently with
//
//	printf '%s' BODY | openssl dgst -sha256 -hmac SECRET
var signVectors = []struct {
	secret, body, want string
}{
	{"s3cret", `{"status":"resolved"}`, "sha256=373eee0ebf246404631417c9e439d26f4fc2266086abdb2151839442f072a54e"},
	{"key", "", "sha256=5d5d139563c95b5967b9bd9a8c9b233a9dedb45072794cd232dc1b74832607d0"},
	{"密钥", "民声", "sha256=fea50310823f4cfe2a6c73e60fc3c15d2758ed89db11c01532fe9973e5f8f714"},
}

func TestSignKnownVectors(t *testing.T) {
	for _, v := range signVectors {
		if got := Sign([]byte(v.secret), []byte(v.body)); got != v.want {
			t.Errorf("Sign(%q, %q) = %s, want %s", v.secret, v.body, got, v.want)
		}
		if !VerifySignature([]byte(v.secret), []byte(v.body), v.want) {
			t.Errorf("VerifySignature(%q, %q, known vector) = false", v.secret, v.body)
		}
	}
}

func TestVerifySignature(t *testing.T) {
	secret := []byte("s3cret")
	body := []byte(`{"status":"resolved"}`)
	good := signVectors[0].want
	hexOnly := strings.TrimPrefix(good, "sha256=")

	tests := []struct {
		name   string
		secret []byte
		body   []byte
		header string
		want   bool
	}{
		{"valid", secret, body, good, true},
		{"uppercase hex accepted", secret, body, "sha256=" + strings.ToUpper(hexOnly), true},
		{"missing prefix", secret, body, hexOnly, false},
		{"other algorithm prefix", secret, body, "sha1=" + hexOnly, false},
		{"prefix in capitals", secret, body, "SHA256=" + hexOnly, false},
		{"empty header", secret, body, "", false},
		{"prefix only", secret, body, "sha256=", false},
		{"empty secret", nil, body, Sign(nil, body), false},
		{"wrong secret", []byte("other"), body, good, false},
		{"body changed", secret, []byte(`{"status":"closed"}`), good, false},
		{"truncated digest", secret, body, good[:len(good)-2], false},
		{"digest too long", secret, body, good + "00", false},
		{"not hex", secret, body, "sha256=" + strings.Repeat("zz", 32), false},
		{"one bit flipped", secret, body, good[:len(good)-1] + "f", false},
		{"trailing space", secret, body, good + " ", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := VerifySignature(tt.secret, tt.body, tt.header); got != tt.want {
				t.Errorf("VerifySignature(%q, %q, %q) = %v, want %v", tt.secret, tt.body, tt.header, got, tt.want)
			}
		})
	}
}

func TestSignVerifyRoundTrip(t *testing.T) {
	secret := []byte("backend.webhook.secret")
	for _, body := range []string{"", "{}", `{"id":"MS-20260311-K7Q2P"}`, strings.Repeat("长", 10000)} {
		sig := Sign(secret, []byte(body))
		if !strings.HasPrefix(sig, "sha256=") || len(sig) != len("sha256=")+64 {
			t.Fatalf("Sign = %q, want sha256= and 64 hex digits", sig)
		}
		if sig != strings.ToLower(sig) {
			t.Errorf("Sign = %q, want lowercase hex", sig)
		}
		if !VerifySignature(secret, []byte(body), sig) {
			t.Errorf("round trip failed for body of %d bytes", len(body))
		}
	}
}

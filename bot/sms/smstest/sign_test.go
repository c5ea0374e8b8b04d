package smstest

import (
	"net/url"
	"strings"
	"testing"

	"github.com/twilio/twilio-go/client"
)

// The README vector of twilio-go's request validator tests
// (client/request_validator_test.go, v1.31.0).
const (
	readmeURL       = "https://mycompany.com/myapp.php?foo=1&bar=2"
	readmeToken     = "12345"
	readmeSignature = "vOEb5UThFn24KEfnOFLQY2AE5FY="
)

var readmeParams = url.Values{
	"Digits":                {"1234"},
	"CallSid":               {"CA1234567890ABCDE"},
	"To":                    {"+18005551212"},
	"Caller":                {"+14158675309"},
	"From":                  {"+14158675309"},
	"ReasonConferenceEnded": {"test"},
	"Reason":                {"Participant"},
}

func TestSignMatchesTheReadmeVector(t *testing.T) {
	if got := Sign(readmeToken, readmeURL, readmeParams); got != readmeSignature {
		t.Fatalf("Sign = %s, want %s", got, readmeSignature)
	}
	// And the validator agrees, so what tests sign is what production checks.
	params := map[string]string{}
	for k, v := range readmeParams {
		params[k] = v[0]
	}
	v := client.NewRequestValidator(readmeToken)
	if !v.Validate(readmeURL, params, Sign(readmeToken, readmeURL, readmeParams)) {
		t.Fatal("twilio-go's validator refuses our signature")
	}
	// Key order matters: "Reason" sorts before "ReasonConferenceEnded".
	if Sign(readmeToken, readmeURL, readmeParams) == Sign(readmeToken, strings.Replace(readmeURL, "foo=1", "foo=2", 1), readmeParams) {
		t.Fatal("the URL is not covered")
	}
}

func TestSignedRequestGoesToTheLocalAddress(t *testing.T) {
	form := InboundForm("AC1", "+8613912345678", "+8613800000001", "路灯坏了", "SM1")
	req, err := SignedRequest("tok", "http://127.0.0.1:9999/", "https://hotline.example.org/sms/twilio?x=1", form)
	if err != nil {
		t.Fatal(err)
	}
	if req.URL.String() != "http://127.0.0.1:9999/sms/twilio?x=1" {
		t.Errorf("posted to %s", req.URL)
	}
	if req.Header.Get("X-Twilio-Signature") != Sign("tok", "https://hotline.example.org/sms/twilio?x=1", form) {
		t.Error("signature not over the public URL")
	}
}

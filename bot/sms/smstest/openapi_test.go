package smstest

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/twilio/twilio-go/client"
	openapi "github.com/twilio/twilio-go/rest/api/v2010"
)

const (
	testSID   = "AC0123456789abcdef0123456789abcdef"
	testToken = "authtoken0123456789abcdef"
	messages  = "/2010-04-01/Accounts/" + testSID + "/Messages.json"
)

// createRequest is a Messages create call as the bot makes it (To, From,
// Body, StatusCallback), with the fields of extra added.
func createRequest(t *testing.T, base string, extra url.Values) *http.Request {
	t.Helper()
	form := url.Values{"To": {"+8613912345678"}, "From": {"+8613800000001"}, "Body": {"已收到您的诉求"},
		"StatusCallback": {"https://hotline.example.org/sms/twilio/status?m=:1&n=0"}}
	for k, v := range extra {
		form[k] = v
	}
	req, err := http.NewRequest(http.MethodPost, base+messages, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(testSID, testToken)
	return req
}

// The must-show of the contract: a form parameter Twilio's OpenAPI does
// not declare, added to a Messages create call, fails validation (naming
// it), where the same call without it passes.
func TestUndeclaredFormParameterOnMessagesCreateFails(t *testing.T) {
	if err := ValidateTwilioRequest(createRequest(t, "http://fake", nil)); err != nil {
		t.Fatalf("the bot's Messages create call: %v", err)
	}
	err := ValidateTwilioRequest(createRequest(t, "http://fake", url.Values{"Priority": {"high"}}))
	if err == nil || !strings.Contains(err.Error(), `form parameter "Priority" not declared`) || !strings.Contains(err.Error(), "CreateMessage") {
		t.Errorf("an undeclared parameter: %v", err)
	}
}

// What else the validator refuses, each for its reason.
func TestValidateTwilioRequestRefuses(t *testing.T) {
	list := func(q string) *http.Request {
		req, _ := http.NewRequest(http.MethodGet, "http://fake"+messages+"?"+q, nil)
		req.SetBasicAuth(testSID, testToken)
		return req
	}
	noAuth := createRequest(t, "http://fake", nil)
	noAuth.Header.Del("Authorization")
	noTo := createRequest(t, "http://fake", nil)
	form := url.Values{"From": {"+8613800000001"}, "Body": {"x"}}
	noTo.Body, noTo.ContentLength = http.NoBody, 0
	noTo, _ = http.NewRequest(http.MethodPost, "http://fake"+messages, strings.NewReader(form.Encode()))
	noTo.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	noTo.SetBasicAuth(testSID, testToken)
	badSID := createRequest(t, "http://fake", nil)
	badSID.URL.Path = strings.Replace(badSID.URL.Path, testSID, "AC123", 1)
	wrongPath := createRequest(t, "http://fake", nil)
	wrongPath.URL.Path = strings.Replace(wrongPath.URL.Path, "Messages.json", "Texts.json", 1)
	del, _ := http.NewRequest(http.MethodDelete, "http://fake"+messages, nil)
	del.SetBasicAuth(testSID, testToken)
	for name, c := range map[string]struct {
		req  *http.Request
		want string
	}{
		"a list filter Twilio does not have": {list("To=%2B8613912345678&Status=sent"), `query parameter "Status" not declared`},
		"a page size that is no integer":     {list("PageSize=many"), "PageSize"},
		"no To":                              {noTo, "To"},
		"no basic auth":                      {noAuth, "basic"},
		"an account sid of another shape":    {badSID, "AccountSid"},
		"a path Twilio does not have":        {wrongPath, "not an operation"},
		"a method the path does not take":    {del, "not an operation"},
	} {
		if err := ValidateTwilioRequest(c.req); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error with %q", name, err, c.want)
		}
	}
	if err := ValidateTwilioRequest(list("To=%2B8613912345678&From=%2B8613800000001&PageSize=20&Page=1&PageToken=PA1")); err != nil {
		t.Errorf("the bot's list call: %v", err)
	}
}

// recordingTB keeps the errors the fake reports instead of failing the test.
type recordingTB struct {
	testing.TB
	mu   sync.Mutex
	errs []string
}

func (r *recordingTB) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

// The fake validates every request: the twilio-go client's own calls pass;
// a create call with an undeclared parameter is reported to the test,
// answered 400 and not taken.
func TestTheFakeValidatesEveryRequest(t *testing.T) {
	rec := &recordingTB{TB: t}
	f := NewFake(rec, testSID, testToken)

	sdk := &client.Client{Credentials: client.NewCredentials(testSID, testToken), HTTPClient: &http.Client{Transport: toFake{f.URL}}}
	sdk.SetAccountSid(testSID)
	api := openapi.NewApiServiceWithClient(sdk)
	p := &openapi.CreateMessageParams{}
	p.SetTo("+8613912345678")
	p.SetFrom("+8613800000001")
	p.SetBody("已收到您的诉求")
	p.SetStatusCallback("https://hotline.example.org/sms/twilio/status?m=:1&n=0")
	if _, err := api.CreateMessage(p); err != nil {
		t.Fatalf("twilio-go CreateMessage: %v", err)
	}
	lp := &openapi.ListMessageParams{}
	lp.SetTo("+8613912345678")
	lp.SetFrom("+8613800000001")
	lp.SetPageSize(20)
	lp.SetLimit(20)
	if _, err := api.ListMessage(lp); err != nil {
		t.Fatalf("twilio-go ListMessage: %v", err)
	}
	if v := f.Violations(); len(v) != 0 || len(rec.errs) != 0 {
		t.Fatalf("the client's calls broke the spec: %v %v", v, rec.errs)
	}

	resp, err := http.DefaultClient.Do(createRequest(t, f.URL, url.Values{"Priority": {"high"}}))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 || len(f.Violations()) != 1 || len(rec.errs) != 1 || !strings.Contains(rec.errs[0], `"Priority"`) {
		t.Errorf("undeclared parameter: %d, violations %v, test errors %v", resp.StatusCode, f.Violations(), rec.errs)
	}
	if n := len(f.Messages()); n != 1 {
		t.Errorf("%d messages taken, want the client's one", n)
	}
}

// toFake sends the SDK's requests to the fake instead of api.twilio.com.
type toFake struct{ base string }

func (t toFake) RoundTrip(r *http.Request) (*http.Response, error) {
	u, _ := url.Parse(t.base)
	r = r.Clone(r.Context())
	r.URL.Scheme, r.URL.Host, r.Host = u.Scheme, u.Host, u.Host
	return http.DefaultTransport.RoundTrip(r)
}

package backend

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/minsheng/minsheng/intake"
)

var now = time.Date(2026, 3, 11, 6, 0, 0, 0, time.UTC)

func TestClassify(t *testing.T) {
	tests := []struct {
		status    int
		hdr       http.Header
		wantNil   bool
		permanent bool
		retry     time.Duration
		hasRetry  bool
	}{
		{status: 200, wantNil: true},
		{status: 201, wantNil: true},
		{status: 204, wantNil: true},
		{status: 299, wantNil: true},
		{status: 100},
		{status: 301},
		{status: 307},
		{status: 400, permanent: true},
		{status: 401, permanent: true},
		{status: 404, permanent: true},
		{status: 422, permanent: true},
		{status: 499, permanent: true},
		{status: 408},
		{status: 409},
		{status: 429},
		{status: 429, hdr: http.Header{"Retry-After": {"7"}}, retry: 7 * time.Second, hasRetry: true},
		{status: 503, hdr: http.Header{"Retry-After": {"Wed, 11 Mar 2026 06:01:00 GMT"}}, retry: time.Minute, hasRetry: true},
		{status: 503, hdr: http.Header{"Retry-After": {"Wed, 11 Mar 2026 05:00:00 GMT"}}, retry: 0, hasRetry: true},
		{status: 503, hdr: http.Header{"Retry-After": {"soon"}}},
		{status: 500, hdr: http.Header{"Retry-After": {"7"}}},
		{status: 502},
		{status: 599},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.status), func(t *testing.T) {
			hdr := tt.hdr
			if hdr == nil {
				hdr = http.Header{}
			}
			err := Classify(&http.Response{StatusCode: tt.status, Header: hdr}, []byte("answer"), "", now)
			if tt.wantNil {
				if err != nil {
					t.Fatalf("Classify(%d) = %v, want nil", tt.status, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Classify(%d) = nil", tt.status)
			}
			if got := errors.Is(err, intake.ErrPermanent); got != tt.permanent {
				t.Errorf("Classify(%d) permanent = %v, want %v", tt.status, got, tt.permanent)
			}
			d, ok := RetryAfter(fmt.Errorf("wrapped: %w", err))
			if ok != tt.hasRetry || d != tt.retry {
				t.Errorf("RetryAfter = %v, %v; want %v, %v", d, ok, tt.retry, tt.hasRetry)
			}
		})
	}
}

func TestClassifyKeepsDetail(t *testing.T) {
	resp := &http.Response{StatusCode: 400, Header: http.Header{}}
	err := Classify(resp, []byte(`[{"code":400}]`), "service_code invalid", now)
	var pe *intake.PermanentError
	if !errors.As(err, &pe) || pe.Status != 400 || pe.Body != "service_code invalid" {
		t.Errorf("Classify = %#v, want the detail as Body", err)
	}
	resp.StatusCode = 302
	resp.Header.Set("Location", "https://elsewhere/petitions")
	err = Classify(resp, nil, "", now)
	if err == nil || !strings.Contains(err.Error(), `redirect to "https://elsewhere/petitions" not followed`) {
		t.Errorf("Classify(302) = %v", err)
	}
}

func TestRetryAfterAbsent(t *testing.T) {
	for _, err := range []error{nil, errors.New("x"), &intake.PermanentError{Status: 400}} {
		if d, ok := RetryAfter(err); ok || d != 0 {
			t.Errorf("RetryAfter(%v) = %v, %v", err, d, ok)
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"0", 0, true},
		{"120", 2 * time.Minute, true},
		{" 5 ", 5 * time.Second, true},
		{"-1", 0, false},
		{"99999999999999999", time.Duration(1<<63-1) / time.Second * time.Second, true},
		{"Wed, 11 Mar 2026 06:00:30 GMT", 30 * time.Second, true},
		{"Wednesday, 11-Mar-26 06:00:30 GMT", 30 * time.Second, true},
		{"1.5", 0, false},
		{"", 0, false},
	}
	for _, tt := range tests {
		d, ok := ParseRetryAfter(tt.in, now)
		if d != tt.want || ok != tt.ok {
			t.Errorf("ParseRetryAfter(%q) = %v, %v; want %v, %v", tt.in, d, ok, tt.want, tt.ok)
		}
	}
}

func TestShorten(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"  padded \n", 10, "padded"},
		{"abcdef", 3, "abc…"},
		{"错误信息", 4, "错…"},  // 4 bytes cut inside the second character
		{"错误信息", 6, "错误…"}, // exactly two characters
		{"错误信息", 2, "…"},
	}
	for _, tt := range tests {
		got := Shorten(tt.in, tt.n)
		if got != tt.want || !utf8.ValidString(got) {
			t.Errorf("Shorten(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
	}
}

func TestReadBodyLimit(t *testing.T) {
	b, err := ReadBody(strings.NewReader(strings.Repeat("x", MaxResponseBody+100)))
	if err != nil || len(b) != MaxResponseBody {
		t.Errorf("ReadBody read %d bytes, %v; want %d", len(b), err, MaxResponseBody)
	}
}

func TestNormalizePetition(t *testing.T) {
	p := &intake.Petition{ID: "A"}
	n := NormalizePetition(p)
	out, _ := json.Marshal(n)
	for _, want := range []string{`"contacts":[]`, `"attachments":[]`, `"transcript":[]`, `"flags":[]`, `"reported_by":null`} {
		if !strings.Contains(string(out), want) {
			t.Errorf("%s lacks %s", out, want)
		}
	}
	if p.Flags != nil {
		t.Error("NormalizePetition changed its argument")
	}
}

func TestRecordKeys(t *testing.T) {
	at := time.Date(2026, 3, 11, 14, 5, 0, 1, time.FixedZone("CST", 8*3600))
	s := intake.Supplement{PetitionID: "A", Text: "x", At: at}
	base := SupplementKey(&s)
	same := s
	same.At = at.UTC()
	same.CaseID = "C"
	if SupplementKey(&same) != base {
		t.Error("the same instant in another zone, or a case id, changed the key")
	}
	for name, edit := range map[string]func(*intake.Supplement){
		"text":       func(s *intake.Supplement) { s.Text = "y" },
		"attachment": func(s *intake.Supplement) { s.Attachments = []intake.Attachment{{URL: "u"}} },
		"instant":    func(s *intake.Supplement) { s.At = s.At.Add(time.Nanosecond) },
		"petition":   func(s *intake.Supplement) { s.PetitionID = "B" },
		// Length prefixes keep text and URL apart.
		"text moved into url": func(s *intake.Supplement) { s.Text = ""; s.Attachments = []intake.Attachment{{URL: "x"}} },
	} {
		d := s
		edit(&d)
		if SupplementKey(&d) == base {
			t.Errorf("changing the %s kept the key", name)
		}
	}
	r := intake.Rating{PetitionID: "A", Rating: "satisfied", At: at}
	r2 := r
	r2.Rating = "unsatisfied"
	if RatingKey(&r) == RatingKey(&r2) {
		t.Error("rating value not in the key")
	}
}

package contracttest

import (
	"errors"
	"net/http"
	"strings"
	"testing"
)

func jsonHeader() http.Header {
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	return h
}

func textHeader() http.Header {
	h := http.Header{}
	h.Set("Content-Type", "text/plain; charset=utf-8")
	return h
}

// The document loads once and names a path for each of its webhooks.
func TestTheDocumentLoads(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := Load(); again != c {
		t.Error("the document was loaded twice")
	}
	got := strings.Join(c.Webhooks(), ", ")
	for _, want := range []string{"POST /petitions", "POST /petitions/{id}/supplements", "POST /petitions/{id}/rating"} {
		if !strings.Contains(got, want) {
			t.Errorf("webhooks %s lack %s", got, want)
		}
	}
}

// What the checker refuses: it can fail.
func TestCheckWebhookRefuses(t *testing.T) {
	sig := "sha256=" + strings.Repeat("0", 64)
	headers := func(drop ...string) http.Header {
		h := jsonHeader()
		h.Set("Idempotency-Key", "k1")
		h.Set("X-Minsheng-Signature", sig)
		for _, d := range drop {
			h.Del(d)
		}
		return h
	}
	rating := `{"rating":"satisfied","comment":"","at":"2026-03-20T10:02:11+08:00"}`
	if err := CheckWebhook("POST", "/petitions/MS-20260311-K7Q2P/rating", headers(), []byte(rating)); err != nil {
		t.Fatalf("a rating as the document has it: %v", err)
	}
	for _, tc := range []struct {
		name, method, path string
		header             http.Header
		body, want         string
	}{
		{"a path no webhook has", "POST", "/petitions/MS-20260311-K7Q2P/ratings", headers(), rating, "no webhook"},
		{"another method", "PUT", "/petitions/MS-20260311-K7Q2P/rating", headers(), rating, "no webhook"},
		{"the case id for the petition id", "POST", "/petitions/CASE-A/rating", headers(), rating, "not a petition id"},
		{"no signature", "POST", "/petitions/MS-20260311-K7Q2P/rating", headers("X-Minsheng-Signature"), rating, "X-Minsheng-Signature"},
		{"a signature of another form", "POST", "/petitions/MS-20260311-K7Q2P/rating", func() http.Header {
			h := headers()
			h.Set("X-Minsheng-Signature", "sha1=abc")
			return h
		}(), rating, "X-Minsheng-Signature"},
		{"no Idempotency-Key", "POST", "/petitions/MS-20260311-K7Q2P/rating", headers("Idempotency-Key"), rating, "Idempotency-Key"},
		{"not JSON", "POST", "/petitions/MS-20260311-K7Q2P/rating", headers(), `rating=1`, "body"},
		{"a rating the survey has not", "POST", "/petitions/MS-20260311-K7Q2P/rating", headers(), `{"rating":"good","comment":"","at":"2026-03-20T10:02:11+08:00"}`, "rating"},
		{"a field the document does not declare", "POST", "/petitions/MS-20260311-K7Q2P/rating", headers(),
			`{"rating":"satisfied","comment":"","at":"2026-03-20T10:02:11+08:00","stars":5}`, "stars"},
	} {
		err := CheckWebhook(tc.method, tc.path, tc.header, []byte(tc.body))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error about %q", tc.name, err, tc.want)
		}
		if (tc.want == "no webhook") != errors.Is(err, ErrNoWebhook) {
			t.Errorf("%s: errors.Is(ErrNoWebhook) = %v", tc.name, errors.Is(err, ErrNoWebhook))
		}
	}
}

func TestCheckEventAnswer(t *testing.T) {
	const path = "/api/v1/cases/CASE-A/events"
	ok := []struct {
		status int
		header http.Header
		body   string
	}{
		{200, jsonHeader(), `{"case_id":"CASE-A","petition_id":"MS-20260311-K7Q2P","result":"recorded"}` + "\n"},
		{200, jsonHeader(), `{"case_id":"CASE-A","petition_id":"MS-20260311-K7Q2P","result":"duplicate"}`},
		{202, jsonHeader(), `{"case_id":"CASE-A","result":"spooled"}`},
		{400, textHeader(), "at is required\n"},
		{503, textHeader(), "case store unavailable, retry later\n"},
	}
	for _, a := range ok {
		if err := CheckEventAnswer(path, a.status, a.header, []byte(a.body)); err != nil {
			t.Errorf("%d %s: %v", a.status, a.body, err)
		}
	}
	bad := []struct {
		name   string
		status int
		header http.Header
		body   string
	}{
		{"a result the document has not", 200, jsonHeader(), `{"case_id":"CASE-A","result":"done"}`},
		{"a field the document has not", 200, jsonHeader(), `{"case_id":"CASE-A","result":"recorded","extra":1}`},
		{"a status the document has not", 418, textHeader(), "teapot\n"},
		{"a reason as JSON", 404, jsonHeader(), `{"error":"unknown case"}`},
	}
	for _, a := range bad {
		if err := CheckEventAnswer(path, a.status, a.header, []byte(a.body)); err == nil {
			t.Errorf("%s: accepted", a.name)
		}
	}
	if err := CheckEventAnswer("/api/v1/cases/CASE-A", 200, jsonHeader(), nil); err == nil {
		t.Error("another path accepted")
	}
}

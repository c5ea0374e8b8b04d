// Package contracttest checks the bot's traffic with a case backend against
// the contract it publishes, docs/backend-openapi.yaml, with a maintained
// validator: github.com/getkin/kin-openapi (openapi3filter's request and
// response validation, JSON Schema 2020-12 for an OpenAPI 3.1 document).
//
//   - CheckWebhook: a request the bot makes to the backend (the document's
//     webhooks: petition, supplement, rating, reopen request). The webhook
//     is found by its path under backend.webhook.url (the operation's
//     x-minsheng-path); {id} must be a petition id (components.schemas.
//     PetitionID), never a backend's case id; the headers, the security
//     scheme and the body are validated, and additionalProperties: false
//     in the document makes a field it does not declare an error.
//   - CheckEventAnswer: an answer of POST /api/v1/cases/{case_id}/events;
//     a status the document does not list is an error too.
//
// The document is loaded and validated once per test process (Contract).
// intake/backend/webhook/webhooktest checks every request its fake backend
// receives with CheckWebhook.
package contracttest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/minsheng/minsheng/docs"
)

// Document names the contract in messages.
const Document = "docs/backend-openapi.yaml"

// PathExtension is the webhook operation's field holding its path under
// backend.webhook.url, e.g. /petitions/{id}/rating.
const PathExtension = "x-minsheng-path"

// EventsPath is the events endpoint's path in the document.
const EventsPath = "/api/v1/cases/{case_id}/events"

// Contract is the loaded document with the routes of its webhooks.
type Contract struct {
	doc      *openapi3.T
	webhooks []webhook
	petition *openapi3.Schema // components.schemas.PetitionID: what {id} must be
	events   *routers.Route
}

// webhook is one operation of the document's webhooks, by path.
type webhook struct {
	name  string   // its key in webhooks: petition, supplement…
	path  string   // its x-minsheng-path
	segs  []string // path split at "/", "{id}" for the petition id
	route *routers.Route
}

var (
	loadOnce sync.Once
	loaded   *Contract
	loadErr  error
)

// Load parses and validates the document once per process.
func Load() (*Contract, error) {
	loadOnce.Do(func() { loaded, loadErr = parse(docs.BackendOpenAPI) })
	return loaded, loadErr
}

// parse builds a Contract of an OpenAPI document's text.
func parse(text []byte) (*Contract, error) {
	ctx := context.Background()
	doc, err := openapi3.NewLoader().LoadFromData(text)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", Document, err)
	}
	if err := doc.Validate(ctx, openapi3.EnableSchemaPatternValidation()); err != nil {
		return nil, fmt.Errorf("%s is not a valid OpenAPI document: %w", Document, err)
	}
	c := &Contract{doc: doc}
	if doc.Components == nil || doc.Components.Schemas["PetitionID"] == nil {
		return nil, fmt.Errorf("%s: components.schemas.PetitionID is missing", Document)
	}
	c.petition = doc.Components.Schemas["PetitionID"].Value
	for name, item := range doc.Webhooks {
		for method, op := range item.Operations() {
			p, _ := op.Extensions[PathExtension].(string)
			if !strings.HasPrefix(p, "/") {
				return nil, fmt.Errorf("%s: webhook %s %s has no %s", Document, name, method, PathExtension)
			}
			c.webhooks = append(c.webhooks, webhook{name: name, path: p, segs: strings.Split(p, "/"),
				route: &routers.Route{Spec: doc, Path: p, PathItem: item, Method: method, Operation: op}})
		}
	}
	slices.SortFunc(c.webhooks, func(a, b webhook) int { return strings.Compare(a.path, b.path) })
	item := doc.Paths.Value(EventsPath)
	if item == nil || item.Post == nil {
		return nil, fmt.Errorf("%s: no POST %s", Document, EventsPath)
	}
	c.events = &routers.Route{Spec: doc, Path: EventsPath, PathItem: item, Method: http.MethodPost, Operation: item.Post}
	return c, nil
}

// Webhooks are the document's webhooks as "name METHOD path", for messages.
func (c *Contract) Webhooks() []string {
	var out []string
	for _, w := range c.webhooks {
		out = append(out, w.name+" "+w.route.Method+" "+w.path)
	}
	return out
}

// ErrNoWebhook is an error of CheckWebhook for a request no webhook of
// the document describes: a backend built from it answers 404.
var ErrNoWebhook = errors.New("no webhook of " + Document + " describes this request")

// CheckWebhook validates a request the bot made to a case backend: method
// and path relative to backend.webhook.url (escaped, as on the wire), the
// headers and the body. Nil when the document describes it.
func CheckWebhook(method, path string, header http.Header, body []byte) error {
	c, err := Load()
	if err != nil {
		return err
	}
	return c.CheckWebhook(method, path, header, body)
}

// CheckWebhook is the package's CheckWebhook on this contract.
func (c *Contract) CheckWebhook(method, path string, header http.Header, body []byte) error {
	segs := strings.Split(path, "/")
	for _, w := range c.webhooks {
		id, ok := match(w.segs, segs)
		if !ok || w.route.Method != method {
			continue
		}
		if id != "" {
			if err := c.petition.VisitJSON(id, openapi3.EnableJSONSchema2020()); err != nil {
				return fmt.Errorf("%s %s (webhook %s): {id} %q is not a petition id (components.schemas.PetitionID): %w", method, path, w.name, id, err)
			}
		}
		req, err := http.NewRequest(method, "http://backend.invalid"+path, bytes.NewReader(body))
		if err != nil {
			return fmt.Errorf("%s %s: %w", method, path, err)
		}
		req.Header = header.Clone()
		req.ContentLength = int64(len(body))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		opts := options()
		opts.AuthenticationFunc = headerKeyPresent
		in := &openapi3filter.RequestValidationInput{Request: req, PathParams: map[string]string{}, Route: w.route, Options: opts}
		if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
			return fmt.Errorf("%s %s (webhook %s) breaks %s: %w", method, path, w.name, Document, err)
		}
		return nil
	}
	return fmt.Errorf("%s %s: %w (it has %s)", method, path, ErrNoWebhook, strings.Join(c.Webhooks(), ", "))
}

// options are the validation's: every error, each said in one line (where
// and why) rather than with the schema and the value dumped.
func options() *openapi3filter.Options {
	o := &openapi3filter.Options{MultiError: true}
	o.WithCustomSchemaErrorFunc(func(err *openapi3.SchemaError) string {
		return fmt.Sprintf("at /%s: %s", strings.Join(err.JSONPointer(), "/"), err.Reason)
	})
	return o
}

// match matches path segments against a template's, "{id}" matching one
// non-empty segment; it returns that segment unescaped.
func match(tmpl, segs []string) (string, bool) {
	if len(tmpl) != len(segs) {
		return "", false
	}
	id := ""
	for i, t := range tmpl {
		if t == "{id}" {
			s, err := url.PathUnescape(segs[i])
			if err != nil || s == "" {
				return "", false
			}
			id = s
			continue
		}
		if t != segs[i] {
			return "", false
		}
	}
	return id, true
}

// headerKeyPresent is the AuthenticationFunc for the document's apiKey
// schemes in a header (X-Minsheng-Signature): the header must be there;
// whether the HMAC verifies is the receiver's check (webhooktest's SigOK).
func headerKeyPresent(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	s := in.SecurityScheme
	if s.Type != "apiKey" || s.In != "header" {
		return in.NewError(fmt.Errorf("security scheme %q: only apiKey in a header is checked here", in.SecuritySchemeName))
	}
	if in.RequestValidationInput.Request.Header.Get(s.Name) == "" {
		return in.NewError(fmt.Errorf("header %s is missing", s.Name))
	}
	return nil
}

// CheckEventAnswer validates an answer of the events endpoint to a POST
// to path (/api/v1/cases/<case id>/events): its status must be one the
// document lists, its Content-Type and body as the document says.
func CheckEventAnswer(path string, status int, header http.Header, body []byte) error {
	c, err := Load()
	if err != nil {
		return err
	}
	return c.CheckEventAnswer(path, status, header, body)
}

// CheckEventAnswer is the package's CheckEventAnswer on this contract.
func (c *Contract) CheckEventAnswer(path string, status int, header http.Header, body []byte) error {
	caseID, ok := strings.CutPrefix(path, "/api/v1/cases/")
	if ok {
		caseID, ok = strings.CutSuffix(caseID, "/events")
	}
	if !ok {
		return fmt.Errorf("%s is not the events endpoint %s", path, EventsPath)
	}
	req, err := http.NewRequest(http.MethodPost, "http://bot.invalid"+path, http.NoBody)
	if err != nil {
		return fmt.Errorf("POST %s: %w", path, err)
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: map[string]string{"case_id": caseID}, Route: c.events},
		Status:                 status, Header: header, Options: options(),
	}
	in.Options.IncludeResponseStatus = true
	in.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		return fmt.Errorf("answer %d to POST %s breaks %s: %w", status, path, Document, err)
	}
	return nil
}

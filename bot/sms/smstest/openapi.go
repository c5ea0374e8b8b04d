package smstest

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// twilioSpec is Twilio's OpenAPI of the 2010-04-01 REST API, unchanged
// (testdata/README.md names its source and commit).
//
//go:embed testdata/twilio_api_v2010.json
var twilioSpec []byte

// twilioHost is the server the spec names: requests to the fake are
// matched as if they went there.
const twilioHost = "api.twilio.com"

// twilioAPI is the spec loaded, with a router over its paths. It is
// large (1.9 MB, 121 paths): loaded once per test process.
type twilioAPI struct {
	doc    *openapi3.T
	router routers.Router
}

var (
	twilioOnce sync.Once
	twilioDoc  *twilioAPI
	twilioErr  error
)

func loadTwilioAPI() (*twilioAPI, error) {
	twilioOnce.Do(func() {
		doc, err := openapi3.NewLoader().LoadFromData(twilioSpec)
		if err != nil {
			twilioErr = fmt.Errorf("twilio openapi: load: %w", err)
			return
		}
		router, err := gorillamux.NewRouter(doc)
		if err != nil {
			twilioErr = fmt.Errorf("twilio openapi: router: %w", err)
			return
		}
		twilioDoc = &twilioAPI{doc: doc, router: router}
	})
	return twilioDoc, twilioErr
}

// ValidateTwilioRequest checks one request the bot made to Twilio's REST
// API against Twilio's OpenAPI (testdata/twilio_api_v2010.json): the path
// and method are an operation of the spec, and kin-openapi's request
// validator checks the path, query and form parameters the operation
// declares (types, patterns, required ones present) and that basic auth
// is sent. Two checks are added because kin-openapi does not make them:
// every query parameter and every form field must be one the operation
// declares (its form decoder reads only the declared fields, so an
// undeclared one would pass unseen, and Twilio ignores what it does not
// know: a parameter misspelt in the bot would silently do nothing).
// r's body is read and put back.
func ValidateTwilioRequest(r *http.Request) error {
	api, err := loadTwilioAPI()
	if err != nil {
		return err
	}
	var body []byte
	if r.Body != nil {
		if body, err = io.ReadAll(r.Body); err != nil {
			return fmt.Errorf("read the body: %w", err)
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	req := r.Clone(context.Background())
	u := *r.URL
	u.Scheme, u.Host = "https", twilioHost
	req.URL, req.Host, req.RequestURI = &u, twilioHost, ""
	req.Body = io.NopCloser(bytes.NewReader(body))
	what := r.Method + " " + r.URL.Path

	route, params, err := api.router.FindRoute(req)
	if err != nil {
		return fmt.Errorf("%s: not an operation of Twilio's OpenAPI: %w", what, err)
	}
	op := route.Operation
	what += " (" + op.OperationID + ")"

	declared := map[string]bool{}
	for _, ps := range []openapi3.Parameters{route.PathItem.Parameters, op.Parameters} {
		for _, p := range ps {
			if p.Value != nil && p.Value.In == openapi3.ParameterInQuery {
				declared[p.Value.Name] = true
			}
		}
	}
	if bad := undeclared(u.Query(), declared); len(bad) > 0 {
		return fmt.Errorf("%s: query parameter %s not declared by the operation", what, strings.Join(bad, ", "))
	}
	if len(body) > 0 {
		fields, err := formFields(op, req.Header.Get("Content-Type"))
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return fmt.Errorf("%s: form body: %w", what, err)
		}
		if bad := undeclared(form, fields); len(bad) > 0 {
			return fmt.Errorf("%s: form parameter %s not declared by the operation", what, strings.Join(bad, ", "))
		}
	}

	err = openapi3filter.ValidateRequest(context.Background(), &openapi3filter.RequestValidationInput{
		Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{
			MultiError: true, AuthenticationFunc: basicAuth,
			// The reason, without the schema and the value (a message's text).
			SchemaValidationOptions: []openapi3.SchemaValidationOption{openapi3.DisableSchemaErrorDetails()},
		},
	})
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// basicAuth checks that the request carries Twilio's scheme
// (accountSid_authToken: HTTP basic); the fake checks the credentials.
func basicAuth(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	if in.SecurityScheme == nil || in.SecurityScheme.Type != "http" || in.SecurityScheme.Scheme != "basic" {
		return fmt.Errorf("security scheme %s not known to the fake", in.SecuritySchemeName)
	}
	if _, _, ok := in.RequestValidationInput.Request.BasicAuth(); !ok {
		return errors.New("no HTTP basic authentication")
	}
	return nil
}

// formFields are the fields the operation's form body declares.
func formFields(op *openapi3.Operation, contentType string) (map[string]bool, error) {
	mt, _, _ := mime.ParseMediaType(contentType)
	if op.RequestBody == nil || op.RequestBody.Value == nil {
		return nil, errors.New("a body, where the operation takes none")
	}
	media := op.RequestBody.Value.Content.Get(mt)
	if media == nil || media.Schema == nil || media.Schema.Value == nil {
		return nil, fmt.Errorf("a body of %q, which the operation does not take", mt)
	}
	fields := map[string]bool{}
	for name := range media.Schema.Value.Properties {
		fields[name] = true
	}
	return fields, nil
}

// undeclared are the keys of v not in declared, sorted.
func undeclared(v url.Values, declared map[string]bool) []string {
	var out []string
	for k := range v {
		if !declared[k] {
			out = append(out, fmt.Sprintf("%q", k))
		}
	}
	sort.Strings(out)
	return slices.Compact(out)
}

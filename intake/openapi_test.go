package intake

import (
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/minsheng/minsheng/intake/understand"
	"go.yaml.in/yaml/v3"
)

// TestOpenAPIDescribesEveryField keeps docs/backend-openapi.yaml true: every
// JSON field of the records the backend receives is in its schema.
func TestOpenAPIDescribesEveryField(t *testing.T) {
	raw, err := os.ReadFile("../docs/backend-openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Properties map[string]any `yaml:"properties"`
			} `yaml:"schemas"`
		} `yaml:"components"`
		Paths    map[string]any `yaml:"paths"`
		Webhooks map[string]any `yaml:"webhooks"`
	}
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("not YAML: %v", err)
	}
	if _, ok := doc.Paths["/api/v1/cases/{case_id}/events"]; !ok {
		t.Error("the events endpoint is missing")
	}
	for _, w := range []string{"petition", "supplement", "rating", "reopenRequest"} {
		if _, ok := doc.Webhooks[w]; !ok {
			t.Errorf("webhook %s missing", w)
		}
	}
	for name, v := range map[string]any{"Petition": Petition{}, "Supplement": Supplement{}, "Rating": Rating{}, "StatusEvent": StatusEvent{}, "ReopenRequest": ReopenRequest{}} {
		props := doc.Components.Schemas[name].Properties
		rt := reflect.TypeOf(v)
		for i := 0; i < rt.NumField(); i++ {
			tag := strings.Split(rt.Field(i).Tag.Get("json"), ",")[0]
			if tag == "" || tag == "-" || (name == "StatusEvent" && tag == "case_id") {
				continue
			}
			if _, ok := props[tag]; !ok {
				t.Errorf("%s.%s is not in the OpenAPI schema", name, tag)
			}
		}
	}
	hotProps, _ := doc.Components.Schemas["Petition"].Properties["hot_issue"].(map[string]any)["properties"].(map[string]any)
	rt := reflect.TypeOf(HotIssue{})
	for i := 0; i < rt.NumField(); i++ {
		if tag := rt.Field(i).Tag.Get("json"); hotProps[tag] == nil {
			t.Errorf("Petition.hot_issue.%s is not in the OpenAPI schema", tag)
		}
	}
	// the appeal types the bot sets are the contract's enum, no more, no less
	at, _ := doc.Components.Schemas["Petition"].Properties["appeal_type"].(map[string]any)
	enum, _ := at["enum"].([]any)
	var got []string
	for _, e := range enum {
		got = append(got, e.(string))
	}
	slices.Sort(got)
	want := slices.Clone(understand.AppealTypes)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("Petition.appeal_type enum %v, the bot sets %v", got, want)
	}
}

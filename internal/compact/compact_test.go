package compact

import (
	"encoding/json"
	"testing"
)

// Values shorter than what klauspost's writer compresses (128 bytes) are
// deflated against the dictionary too, and read back as they were.
func TestShortValuesAreDeflatedToo(t *testing.T) {
	type outbound struct {
		From string `json:"from,omitempty"`
		Text string `json:"text"`
		Seq  int    `json:"seq"`
	}
	for _, m := range []outbound{
		{From: "+8613800000001", Text: "请问具体在什么地方？请回复区县、街道、小区或路名。", Seq: 3},
		{Text: "已补充到诉求，谢谢。"},
		{},
	} {
		raw, _ := json.Marshal(m)
		stored, err := Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		if stored[0] != V1 || len(raw) > 40 && len(stored) >= len(raw)*2/3 {
			t.Errorf("%s: %d bytes stored for %d of JSON", raw, len(stored), len(raw))
		}
		var back outbound
		if err := Unmarshal(string(stored), &back); err != nil || back != m {
			t.Errorf("%s read back as %+v, %v", raw, back, err)
		}
	}
}

func TestPlainJSONReadsAsItIs(t *testing.T) {
	var v struct{ A int }
	if err := Unmarshal(`{"A":7}`, &v); err != nil || v.A != 7 {
		t.Errorf("%+v %v", v, err)
	}
	for _, bad := range []string{"", "\x02xyz", "\x01not deflate"} {
		if err := Unmarshal(bad, &v); err == nil {
			t.Errorf("%q read", bad)
		}
	}
}

package bot

import (
	"testing"
)

// Whatever a stored record holds (a torn write, a record of another
// version, junk), reading it returns an error or a record, never panics;
// and what CompactJSON writes reads back the same.
func FuzzReadCompactJSON(f *testing.F) {
	seed, _ := CompactJSON(map[string]any{"seq": 3, "d": map[string]any{"draft": map[string]any{"texts": []string{"路灯坏了"}}}})
	f.Add(string(seed))
	f.Add(`{"seq":1}`)
	f.Add("\x01")
	f.Add("\x01\xff\xff\xff")
	f.Add("")
	f.Fuzz(func(t *testing.T, stored string) {
		var rec record
		_ = decodeRecord(stored, &rec)
		var v map[string]any
		if err := ReadCompactJSON(stored, &v); err != nil {
			return
		}
		again, err := CompactJSON(v)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		var w map[string]any
		if err := ReadCompactJSON(string(again), &w); err != nil {
			t.Fatalf("read back what CompactJSON wrote: %v", err)
		}
	})
}

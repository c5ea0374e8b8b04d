package intake

import (
	"testing"
	"time"
)

func TestPetitionIDsAreUniqueAndWellFormed(t *testing.T) {
	day := time.Date(2026, 3, 11, 23, 59, 0, 0, time.FixedZone("CST", 8*3600))
	seen := map[string]bool{}
	for shard := 0; shard < 16; shard++ {
		for n := int64(1); n <= 20000; n++ {
			id := PetitionID(day, shard, n)
			if !IsPetitionID(id) {
				t.Fatalf("malformed id %q", id)
			}
			if seen[id] {
				t.Fatalf("id %q repeated (shard %d, n %d)", id, shard, n)
			}
			seen[id] = true
		}
	}
	if got := PetitionID(day, 3, 17); got[:12] != "MS-20260311-" {
		t.Errorf("id should carry the local day: %s", got)
	}
	// Consecutive counters must not give consecutive-looking suffixes.
	a, b := PetitionID(day, 0, 1), PetitionID(day, 0, 2)
	if a[len(a)-4:] == b[len(b)-4:] {
		t.Errorf("suffixes too similar: %s %s", a, b)
	}
}

func TestIsPetitionID(t *testing.T) {
	for s, want := range map[string]bool{
		"MS-20260311-K7Q2P": true, "MS-20260311-K7Q2": false, "ms-20260311-K7Q2P": false,
		"MS-2026031-K7Q2PX": false, "": false, "MS-20260311-K7Q2P ": false,
	} {
		if IsPetitionID(s) != want {
			t.Errorf("IsPetitionID(%q) = %v", s, !want)
		}
	}
}

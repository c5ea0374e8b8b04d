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

func TestParsePetitionIDInvertsPetitionID(t *testing.T) {
	day := time.Date(2026, 11, 30, 8, 0, 0, 0, time.FixedZone("CST", 8*3600))
	for shard := 0; shard < 16; shard++ {
		for _, n := range []int64{0, 1, 2, 17, 4095, 1 << 20, 1<<21 - 1} {
			id := PetitionID(day, shard, n)
			d, s, got, ok := ParsePetitionID(id)
			if !ok || d != "20261130" || s != shard || got != n {
				t.Fatalf("ParsePetitionID(%s) = %s %d %d %v, want 20261130 %d %d", id, d, s, got, ok, shard, n)
			}
		}
	}
	for _, bad := range []string{"", "MS-20261130-K7Q2", "MS-20261130-K7Q2I", "CASE-1"} {
		if _, _, _, ok := ParsePetitionID(bad); ok {
			t.Errorf("ParsePetitionID(%q) ok", bad)
		}
	}
}

func TestIDClockCoversTheDayMonotonically(t *testing.T) {
	loc := time.FixedZone("CST", 8*3600)
	cases := []struct {
		at   time.Time
		want int64
	}{
		{time.Date(2026, 3, 11, 0, 0, 0, 0, loc), 0},
		{time.Date(2026, 3, 11, 12, 0, 0, 0, loc), clockSpan / 2},
		{time.Date(2026, 3, 11, 23, 59, 59, 999e6, loc), clockSpan - 1},
	}
	for _, c := range cases {
		if got := IDClock(c.at); got != c.want {
			t.Errorf("IDClock(%s) = %d, want %d", c.at, got, c.want)
		}
	}
	// Two reservations 100 ms apart already get different floors: a second
	// run of the bot does not restart at the first run's counters.
	a := time.Date(2026, 3, 11, 9, 30, 0, 0, loc)
	if IDClock(a.Add(100*time.Millisecond)) <= IDClock(a) {
		t.Error("the clock does not advance within 100 ms")
	}
}

package intake

import (
	"regexp"
	"strings"
	"time"
)

// Petition ids look like MS-20260311-K7Q2P: the day in the deployment's time
// zone and five characters that are unique that day. The suffix is a counter
// per shard per day pushed through a bijection of 25 bits, so ids do not
// reveal the count.
//
// Ids must not repeat even when the store that keeps the counters lost its
// data (a Redis restart without persistence, a failover to an empty or
// lagging replica, a flush): a repeated id makes a backend that de-duplicates
// by Idempotency-Key throw the new petition away. So the counter is a hybrid
// clock: every reservation takes max(counter+1, IDClock(now), what this
// process reserved before + 1). The clock part advances by 2^20 over a day
// (about 12 per second per shard, 194 per second over the 16 shards), so
// after a loss the counter restarts above every id reserved earlier, unless
// reservations ran ahead of the clock (a sustained 194 messages a second, 45
// times Fuyang's busiest day in one second), and even then the process's
// own memory covers what it reserved. The other half of the 2^21 counters a
// shard has per day is headroom for bursts that run ahead of the clock.
const idAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ" // Crockford: no I, L, O, U

const (
	idBits     = 25
	idMask     = 1<<idBits - 1
	counterBit = 21
	idMul      = 0x1B873A3 // odd, so multiplication mod 2^25 is a bijection
	idAdd      = 0x0A5F2C1
	idMulInv   = 0x091580B // idMul * idMulInv ≡ 1 (mod 2^25)
	// clockSpan is how far IDClock advances over one day.
	clockSpan = 1 << 20
)

var idPattern = regexp.MustCompile(`^MS-[0-9]{8}-[0-9A-Z]{5}$`)

// PetitionID makes the id of the n-th petition id reserved in shard on day.
func PetitionID(day time.Time, shard int, n int64) string {
	x := uint64(shard)<<counterBit | uint64(n)&(1<<counterBit-1)
	y := (x*idMul + idAdd) & idMask
	var suffix [5]byte
	for i := 4; i >= 0; i-- {
		suffix[i] = idAlphabet[y&31]
		y >>= 5
	}
	return "MS-" + day.Format("20060102") + "-" + string(suffix[:])
}

// ParsePetitionID inverts PetitionID: the day ("20060102"), shard and
// counter an id was made from. ok is false for anything else.
func ParsePetitionID(id string) (day string, shard int, n int64, ok bool) {
	if !IsPetitionID(id) {
		return "", 0, 0, false
	}
	var y uint64
	for _, c := range id[12:] {
		i := strings.IndexRune(idAlphabet, c)
		if i < 0 {
			return "", 0, 0, false
		}
		y = y<<5 | uint64(i)
	}
	x := ((y - idAdd) * idMulInv) & idMask
	return id[3:11], int(x >> counterBit), int64(x & (1<<counterBit - 1)), true
}

// IDClock is the lowest counter a reservation at t may take: the share of
// t's day (in t's location) that has passed, in 2^20 steps.
func IDClock(t time.Time) int64 {
	y, m, d := t.Date()
	midnight := time.Date(y, m, d, 0, 0, 0, 0, t.Location())
	day := midnight.AddDate(0, 0, 1).Sub(midnight) // 23 or 25 hours on a DST change
	return int64(float64(t.Sub(midnight)) / float64(day) * clockSpan)
}

// IsPetitionID reports whether s has the shape of a petition id.
func IsPetitionID(s string) bool { return idPattern.MatchString(s) }

package intake

import (
	"regexp"
	"time"
)

// Petition ids look like MS-20260311-K7Q2P: the day in the deployment's time
// zone and five characters that are unique that day. The suffix is a counter
// per shard per day pushed through a bijection of 25 bits, so ids never
// collide (up to 2^21 per shard per day) yet do not reveal the count.
const idAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ" // Crockford: no I, L, O, U

const (
	idBits     = 25
	idMask     = 1<<idBits - 1
	counterBit = 21
	idMul      = 0x1B873A3 // odd, so multiplication mod 2^25 is a bijection
	idAdd      = 0x0A5F2C1
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

// IsPetitionID reports whether s has the shape of a petition id.
func IsPetitionID(s string) bool { return idPattern.MatchString(s) }

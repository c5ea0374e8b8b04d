package officeauth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id's costs. They are written into every hash (the PHC
// string "$argon2id$v=19$m=65536,t=3,p=1$salt$key"), so a release can
// raise them: older hashes still verify with their own, and are hashed
// again with the new ones at their owner's next login.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes
	Threads uint8
	SaltLen uint32
	KeyLen  uint32
}

// DefaultParams: argon2id (RFC 9106) with 64 MiB and 3 passes, one lane:
// ≈180 ms a hash on the 2-core machine the tests run on, 64 MiB each
// (logins hash at most one per CPU at a time). Above OWASP's floor
// (19 MiB, 2 passes).
var DefaultParams = Params{Memory: 64 * 1024, Time: 3, Threads: 1, SaltLen: 16, KeyLen: 32}

var b64 = base64.RawStdEncoding

// hashPassword is the PHC string of password under p, with a fresh salt.
func hashPassword(password string, p Params) (string, error) {
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// errBadHash: a stored hash that is not an argon2id PHC string.
var errBadHash = errors.New("not an argon2id hash")

// parseHash reads a PHC string back into its parameters, salt and key.
func parseHash(h string) (Params, []byte, []byte, error) {
	parts := strings.Split(h, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return Params{}, nil, nil, errBadHash
	}
	var v int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return Params{}, nil, nil, fmt.Errorf("%w: version %q", errBadHash, parts[2])
	}
	var p Params
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil || p.Time == 0 || p.Threads == 0 {
		return Params{}, nil, nil, fmt.Errorf("%w: parameters %q", errBadHash, parts[3])
	}
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return Params{}, nil, nil, fmt.Errorf("%w: salt", errBadHash)
	}
	key, err := b64.DecodeString(parts[5])
	if err != nil || len(key) == 0 {
		return Params{}, nil, nil, fmt.Errorf("%w: key", errBadHash)
	}
	p.SaltLen, p.KeyLen = uint32(len(salt)), uint32(len(key))
	return p, salt, key, nil
}

// verifyPassword reports whether password matches the PHC string h, and
// whether h was made with weaker parameters than want (hash it again).
func verifyPassword(h, password string, want Params) (ok, weaker bool, err error) {
	p, salt, key, err := parseHash(h)
	if err != nil {
		return false, false, err
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	ok = subtle.ConstantTimeCompare(got, key) == 1
	weaker = p.Memory < want.Memory || p.Time < want.Time || p.KeyLen < want.KeyLen || p.SaltLen < want.SaltLen
	return ok, weaker, nil
}

// MinPasswordLen is the shortest password taken.
const MinPasswordLen = 10

// ErrWeakPassword is a password the policy refuses; the error says why.
var ErrWeakPassword = errors.New("password refused")

// CheckPassword is the password policy: at least MinPasswordLen
// characters of at least two kinds (letters, digits, others), at most 256
// bytes, no control characters, not the account's name.
func CheckPassword(name, password string) error {
	if !utf8.ValidString(password) {
		return fmt.Errorf("%w: not valid UTF-8", ErrWeakPassword)
	}
	if utf8.RuneCountInString(password) < MinPasswordLen {
		return fmt.Errorf("%w: at least %d characters", ErrWeakPassword, MinPasswordLen)
	}
	if len(password) > 256 {
		return fmt.Errorf("%w: at most 256 bytes", ErrWeakPassword)
	}
	var letter, digit, other bool
	for _, r := range password {
		switch {
		case unicode.IsControl(r):
			return fmt.Errorf("%w: no control characters", ErrWeakPassword)
		case unicode.IsLetter(r):
			letter = true
		case unicode.IsDigit(r):
			digit = true
		default:
			other = true
		}
	}
	if n := btoi(letter) + btoi(digit) + btoi(other); n < 2 {
		return fmt.Errorf("%w: mix at least two kinds of characters (letters, digits, others)", ErrWeakPassword)
	}
	if strings.EqualFold(password, name) || strings.Contains(strings.ToLower(password), strings.ToLower(name)) {
		return fmt.Errorf("%w: must not contain the account's name", ErrWeakPassword)
	}
	return nil
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

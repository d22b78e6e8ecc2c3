package account

import (
	"runtime"
	"unicode/utf8"

	"github.com/alexedwards/argon2id"

	"github.com/taiwa/taiwa/internal/platform/apperr"
)

// Params are the argon2id parameters of new hashes (RFC 9106's second
// recommended option, 64 MiB): about 125 ms per hash on a 2-core machine,
// which bounds sign-ins to roughly 8 per second per 2 cores (docs/benchmarks.md).
var Params = &argon2id.Params{Memory: 64 * 1024, Iterations: 3, Parallelism: uint8(min(runtime.NumCPU(), 4)), SaltLength: 16, KeyLength: 32}

// Password limits: long enough to resist guessing, bounded so a huge input
// cannot be used to burn CPU.
const (
	MinPasswordLen = 10
	MaxPasswordLen = 200
)

// CheckPassword validates a new password's shape.
func CheckPassword(pw string) error {
	n := utf8.RuneCountInString(pw)
	switch {
	case n < MinPasswordLen:
		return apperr.Field("password", "must be at least 10 characters")
	case len(pw) > MaxPasswordLen:
		return apperr.Field("password", "must be at most 200 bytes")
	}
	return nil
}

// HashPassword returns an argon2id PHC string for pw.
func HashPassword(pw string) (string, error) {
	return argon2id.CreateHash(pw, Params)
}

// dummyHash makes a sign-in for an unknown email cost as much as one for a
// known email, so timing does not reveal which emails have accounts.
var dummyHash, _ = argon2id.CreateHash("taiwa-dummy-password", Params)

// UseInsecureTestHashes makes new hashes cheap (1 MiB, one pass) for the
// rest of the process. Only test binaries call it (each package's
// TestMain, before dbtest.Main), so that a suite that signs in hundreds of
// times does not spend minutes in argon2id; the package's own tests keep
// the real parameters. Existing hashes keep the parameters they were made
// with.
func UseInsecureTestHashes() {
	Params = &argon2id.Params{Memory: 1024, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32}
	dummyHash, _ = argon2id.CreateHash("taiwa-dummy-password", Params)
}

func verifyPassword(pw, hash string) bool {
	if hash == "" || len(pw) > MaxPasswordLen {
		_, _ = argon2id.ComparePasswordAndHash(pw, dummyHash)
		return false
	}
	ok, err := argon2id.ComparePasswordAndHash(pw, hash)
	return err == nil && ok
}

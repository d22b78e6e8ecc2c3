// Package sealtest makes note keys for tests.
package sealtest

import (
	"strings"
	"testing"

	"github.com/taiwa/taiwa/internal/platform/seal"
)

// Key is a fresh random key spec ("id:base64") named id.
func Key(t testing.TB, id string) string {
	t.Helper()
	k, err := seal.NewKey(id)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// Ring parses key specs into a keyring; the first one seals.
func Ring(t testing.TB, specs ...string) *seal.Keyring {
	t.Helper()
	k, err := seal.ParseKeys(strings.Join(specs, ","))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

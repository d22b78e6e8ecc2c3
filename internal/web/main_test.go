package web_test

import (
	"os"
	"testing"

	"github.com/taiwa/taiwa/internal/account"

	"github.com/taiwa/taiwa/internal/platform/dbtest"
)

// TestMain runs the package against one PostgreSQL cluster and one shared
// Chromium, with cheap password hashes (the account package's tests keep
// the real ones).
func TestMain(m *testing.M) {
	account.UseInsecureTestHashes()
	code := dbtest.Run(m)
	stopSharedChrome()
	os.Exit(code)
}

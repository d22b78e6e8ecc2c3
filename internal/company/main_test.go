package company_test

import (
	"testing"

	"github.com/taiwa/taiwa/internal/account"

	"github.com/taiwa/taiwa/internal/platform/dbtest"
)

// TestMain runs the package against one PostgreSQL cluster, with cheap
// password hashes (the account package's tests keep the real ones).
func TestMain(m *testing.M) {
	account.UseInsecureTestHashes()
	dbtest.Main(m)
}

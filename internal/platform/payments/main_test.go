package payments_test

import (
	"os"
	"testing"

	"github.com/taiwa/taiwa/internal/platform/payments/paymentstest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	paymentstest.Stop()
	os.Exit(code)
}

package account_test

import (
	"context"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/account"
	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/dbtest"
	"github.com/taiwa/taiwa/internal/platform/seal"
	"github.com/taiwa/taiwa/internal/platform/seal/sealtest"
)

// TestRotateTOTPKeysResealsSecrets: after a rotation the TOTP secrets open
// with the new key alone; a second run finds nothing to do.
func TestRotateTOTPKeysResealsSecrets(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env := dbtest.New(t)
	oldKey, newKey := sealtest.Key(t, "old"), sealtest.Key(t, "new")
	var u account.User
	err := env.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		var err error
		if u, err = account.CreateUser(ctx, tx, account.NewUser{Email: "op@taiwa.example", Name: "運営", Role: auth.RoleOperator, Password: "operator-pass-2026"}); err != nil {
			return err
		}
		return account.SealTOTPSecret(ctx, tx, sealtest.Ring(t, oldKey), u.ID, "JBSWY3DPEHPK3PXP")
	})
	if err != nil {
		t.Fatal(err)
	}
	n, bad, err := account.RotateTOTPKeys(ctx, env.DB, sealtest.Ring(t, newKey, oldKey))
	if err != nil || n != 1 || bad != 0 {
		t.Fatalf("rotate: %d %d %v", n, bad, err)
	}
	if n, _, _ := account.RotateTOTPKeys(ctx, env.DB, sealtest.Ring(t, newKey, oldKey)); n != 0 {
		t.Fatalf("second rotation re-sealed %d", n)
	}
	var sealed []byte
	if err := env.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		return tx.GetContext(ctx, &sealed, `SELECT secret_sealed FROM user_totp WHERE user_id = $1`, u.ID)
	}); err != nil {
		t.Fatal(err)
	}
	plain, err := sealtest.Ring(t, newKey).Open(sealed, seal.AAD("user_totp", "secret_sealed", u.ID.String()))
	if err != nil || string(plain) != "JBSWY3DPEHPK3PXP" {
		t.Fatalf("open with the new key: %q %v", plain, err)
	}
}

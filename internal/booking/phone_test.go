package booking_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/booking"
	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/seal"
)

// TestPhoneNumberIsSealedShownOnlyToTheCounsellorAroundTheSessionAndErased.
func TestPhoneNumberIsSealedShownOnlyToTheCounsellorAroundTheSessionAndErased(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "subscription", 2)
	ctx := context.Background()
	spec, err := seal.NewKey("k1")
	if err != nil {
		t.Fatal(err)
	}
	if f.svc.Keys, err = seal.ParseKeys(spec); err != nil {
		t.Fatal(err)
	}
	exec(t, f.env, `UPDATE counselors SET formats = '{video,phone}' WHERE id = $1`, f.cid)
	bad := []string{"12345", "090-1234-5678-9999-0", "tel:0901234567", "090 1234 567a", "09+01234567890"}
	for _, p := range bad {
		_, err := f.svc.Book(ctx, f.emps[0], booking.NewBooking{CounselorID: f.cid, Start: jst("2026-03-04T09:00:00"), Theme: "career", Format: "phone", Phone: p}, "")
		if e, ok := apperr.As(err); !ok || e.Code != apperr.CodeInvalid || e.Fields["phone"] == "" {
			t.Errorf("phone %q: %v, want 400 naming phone", p, err)
		}
	}
	const number = "+81 90-1234-5678"
	b, err := f.svc.Book(ctx, f.emps[0], booking.NewBooking{CounselorID: f.cid, Start: jst("2026-03-04T09:00:00"), Theme: "career", Format: "phone", Phone: number}, "")
	if err != nil {
		t.Fatal(err)
	}
	raw := f.sealedPhone(t, b)
	if raw == nil || bytes.Contains(raw, []byte("1234")) {
		t.Fatalf("stored phone %q: not sealed", raw)
	}
	cases := []struct {
		at   string
		want string
	}{
		{"2026-03-04T07:59:59", ""},
		{"2026-03-04T08:00:00", number},
		{"2026-03-04T10:05:00", number}, // end + 15 min grace
		{"2026-03-04T10:05:01", ""},
	}
	for _, tc := range cases {
		f.clock.Set(jst(tc.at))
		got, err := f.svc.PhoneFor(ctx, f.counselor, b.ID)
		if err != nil || got != tc.want {
			t.Errorf("at %s: %q %v, want %q", tc.at, got, err, tc.want)
		}
	}
	f.clock.Set(jst("2026-03-04T09:00:00"))
	for _, who := range []struct {
		name string
		err  error
	}{
		{"employee", phoneErr(f.svc.PhoneFor(ctx, f.emps[0], b.ID))},
		{"other employee", phoneErr(f.svc.PhoneFor(ctx, f.emps[1], b.ID))},
		{"admin", phoneErr(f.svc.PhoneFor(ctx, f.admin, b.ID))},
	} {
		if e, ok := apperr.As(who.err); !ok || e.Code != apperr.CodeNotFound {
			t.Errorf("%s: %v, want 404", who.name, who.err)
		}
	}
	// Housekeeping erases it once the session is over, not before.
	if n, err := f.svc.ErasePhones(ctx); err != nil || n != 0 {
		t.Fatalf("erased during the session: %d %v", n, err)
	}
	f.clock.Set(jst("2026-03-04T10:06:00"))
	if n, err := f.svc.ErasePhones(ctx); err != nil || n != 1 || f.sealedPhone(t, b) != nil {
		t.Fatalf("after the session: erased %d %v", n, err)
	}
}

func phoneErr(_ string, err error) error { return err }

// sealedPhone is the stored phone_sealed of b.
func (f *fixture) sealedPhone(t *testing.T, b booking.Booking) []byte {
	t.Helper()
	var raw []byte
	if err := f.env.DB.InTx(context.Background(), db.System, func(tx *sqlx.Tx) error {
		return tx.Get(&raw, `SELECT phone_sealed FROM bookings WHERE id = $1`, b.ID)
	}); err != nil {
		t.Fatal(err)
	}
	return raw
}

package booking

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/seal"
)

// PhoneShownBefore is how long before a phone session's start its
// counsellor sees the number; they see it until the end plus RoomGrace,
// after which housekeeping erases it.
const PhoneShownBefore = time.Hour

// validPhone accepts 10–15 digits with an optional leading + and the
// usual separators.
func validPhone(s string) bool {
	digits := 0
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '+' && i == 0, r == ' ', r == '-', r == '(', r == ')':
		default:
			return false
		}
	}
	return digits >= 10 && digits <= 15
}

// phoneAAD binds a sealed number to its booking row.
func phoneAAD(companyID, id uuid.UUID) []byte {
	return seal.AAD("bookings", "phone", companyID.String(), id.String())
}

// sealedPhone is a phone session's number sealed for the booking's row;
// other formats keep none (nil).
func (s *Service) sealedPhone(companyID, id uuid.UUID, in NewBooking) ([]byte, error) {
	phone := strings.TrimSpace(in.Phone)
	if in.Format != "phone" || phone == "" {
		return nil, nil
	}
	if s.Keys == nil {
		return nil, fmt.Errorf("booking: no keys to seal a phone number")
	}
	return s.Keys.Seal([]byte(phone), phoneAAD(companyID, id))
}

// PhoneFor is the number a phone session's counsellor calls, shown only to
// that counsellor from PhoneShownBefore the start to the end plus the
// grace ("" outside that time, or when none was given); anyone else gets
// 404.
func (s *Service) PhoneFor(ctx context.Context, actor auth.Principal, id uuid.UUID) (string, error) {
	if actor.Role != auth.RoleCounselor {
		return "", apperr.NotFound("booking")
	}
	now := s.Clock.Now()
	var phone string
	err := s.DB.InTx(ctx, actor.Scope(), func(tx *sqlx.Tx) error {
		var row struct {
			CompanyID uuid.UUID `db:"company_id"`
			UserID    uuid.UUID `db:"counselor_user_id"`
			Status    string    `db:"status"`
			Start     time.Time `db:"starts_at"`
			End       time.Time `db:"ends_at"`
			Sealed    []byte    `db:"phone_sealed"`
		}
		err := tx.GetContext(ctx, &row, `
			SELECT company_id, counselor_user_id, status, starts_at, ends_at, phone_sealed FROM bookings WHERE id = $1`, id)
		if db.IsNoRows(err) || (err == nil && row.UserID != actor.UserID) {
			return apperr.NotFound("booking")
		}
		if err != nil || row.Sealed == nil || row.Status != StatusConfirmed ||
			now.Before(row.Start.Add(-PhoneShownBefore)) || now.After(row.End.Add(s.roomGrace())) {
			return err
		}
		plain, err := s.Keys.Open(row.Sealed, phoneAAD(row.CompanyID, id))
		phone = string(plain)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("phone of %s: %w", id, err)
	}
	return phone, nil
}

// ErasePhones deletes the numbers of phone sessions that have ended (plus
// the grace) or will not take place; housekeeping runs it. It returns how
// many it erased.
func (s *Service) ErasePhones(ctx context.Context) (int64, error) {
	var n int64
	err := s.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `
			UPDATE bookings SET phone_sealed = NULL
			WHERE phone_sealed IS NOT NULL AND (ends_at < $1 OR status <> 'confirmed')`, s.Clock.Now().Add(-s.roomGrace()))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}

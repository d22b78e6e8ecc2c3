// Package programme runs a company's follow-up programmes from templates
// drawn from occupational-health practice (high-stress follow-up, return
// to work, onboarding check-ins, exit interviews): named enrolments that
// the employee accepts first, and open invitations whose members HR never
// sees. Each step is invited by mail at its due date; a decline is
// recorded and re-invited after a set interval a limited number of times,
// never pushed.
package programme

import (
	"context"
	"time"

	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/mail"
)

// Service runs programmes.
type Service struct {
	DB      *db.DB
	Mail    *mail.Composer
	BaseURL string
	// Now is the clock (tests move it); nil means time.Now.
	Now func() time.Time
}

// SendDue invites every step whose due date (or re-invitation date) has
// come, once; housekeeping calls it hourly. It returns how many
// invitations it queued.
func (s *Service) SendDue(ctx context.Context, now time.Time) (int, error) {
	return 0, nil
}

package programme

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/taiwa/taiwa/internal/report"
)

// Count is one number of an open programme's uptake: Value is nil when
// not shown (then Suppressed is true: fewer than min_group, or nothing
// released yet).
type Count struct {
	Value      *int `json:"value"`
	Suppressed bool `json:"suppressed"`
}

// Uptake is what HR sees of an open programme: how many were invited (HR
// invited them), and how many joined and held a step as the latest
// monthly report release published them, with noise (DEID-2). Nothing
// moves when one person joins: the numbers change only with a release.
type Uptake struct {
	MinGroup int `json:"min_group"`
	// Invited employees (exact: HR's own invitation).
	Invited Count `json:"invited"`
	// Joined employees, from the latest release.
	Joined Count `json:"joined"`
	// HeldEmployees: employees with at least one held step, from the
	// latest release.
	HeldEmployees Count `json:"held_employees"`
	// Released is the month (YYYY-MM) of the release the numbers come
	// from; "" when none has them yet.
	Released string `json:"released,omitempty"`
	// NextRelease is the day (YYYY-MM-DD) the next release is due.
	NextRelease string `json:"next_release"`
	// Approximate is true: released numbers carry noise.
	Approximate bool `json:"approximate"`
}

// UptakeSource gives an open programme's uptake as last released
// (internal/report/store).
type UptakeSource interface {
	ProgrammeUptake(ctx context.Context, companyID, programmeID uuid.UUID) (report.Uptake, report.Month, bool, error)
}

func shown(v int) Count { return Count{Value: &v} }

// released is a noisy count as shown: below minGroup it is withheld.
func released(v int64, minGroup int) Count {
	if v < int64(minGroup) {
		return Count{Suppressed: true}
	}
	return shown(int(v))
}

// uptakeOf shapes an open programme's uptake from its latest release.
func (s *Service) uptakeOf(ctx context.Context, companyID, programmeID uuid.UUID, minGroup, invited int) (Uptake, error) {
	k := report.MinGroup(minGroup)
	next := report.PublishesOn(report.LastClosed(s.Clock.Now()) + 1).Format(time.DateOnly)
	u := Uptake{MinGroup: k, Invited: shown(invited), Joined: Count{Suppressed: true}, HeldEmployees: Count{Suppressed: true},
		NextRelease: next, Approximate: true}
	if s.Uptake == nil {
		return u, nil
	}
	r, m, ok, err := s.Uptake.ProgrammeUptake(ctx, companyID, programmeID)
	if err != nil || !ok {
		return u, err
	}
	u.Joined, u.HeldEmployees, u.Released = released(r.Joined, k), released(r.Held, k), m.String()
	return u, nil
}

package account

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/auth"
)

// DefaultTimezone is every account's zone until its user picks another:
// the platform serves companies in Japan.
const DefaultTimezone = "Asia/Tokyo"

// CommonTimezones are the zones the settings page offers first, Japan's
// first; any other IANA name is accepted as well.
var CommonTimezones = []string{
	"Asia/Tokyo", "Asia/Seoul", "Asia/Shanghai", "Asia/Taipei", "Asia/Hong_Kong",
	"Asia/Singapore", "Asia/Bangkok", "Asia/Kolkata", "Asia/Dubai", "Australia/Sydney",
	"Europe/London", "Europe/Paris", "Europe/Berlin", "America/New_York",
	"America/Chicago", "America/Los_Angeles", "Pacific/Honolulu", "UTC",
}

// zones caches the zones loaded: time.LoadLocation reads the zone
// database on every call, and every page an employee sees needs theirs.
// Only names the database knows are stored, so it holds a few hundred at most.
var zones sync.Map // name → *time.Location

// LoadZone is time.LoadLocation, cached; "Local" is never a zone here.
func LoadZone(name string) (*time.Location, error) {
	if loc, ok := zones.Load(name); ok {
		return loc.(*time.Location), nil
	}
	if name == "Local" {
		return nil, errors.New("account: Local is not a zone")
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, err
	}
	zones.Store(name, loc)
	return loc, nil
}

// CheckTimezone validates an IANA zone name and loads it. The empty name
// and "Local" (which time.LoadLocation accepts) are refused: a zone must
// name a place, not the server's own setting.
func CheckTimezone(field, name string) (*time.Location, error) {
	name = strings.TrimSpace(name)
	bad := apperr.Field(field, "must be an IANA time zone, e.g. Asia/Tokyo")
	if name == "" || name == "Local" || len(name) > 64 || strings.IndexFunc(name, func(r rune) bool {
		return r > unicode.MaxASCII || unicode.IsControl(r) || unicode.IsSpace(r)
	}) >= 0 {
		return nil, bad
	}
	loc, err := LoadZone(name)
	if err != nil {
		return nil, bad
	}
	return loc, nil
}

// ZoneOf is the zone p sees times in: their stored zone, else Japan's.
// A zone the machine's database lacks (it was valid when stored) falls
// back as well, so a page never fails over it.
func ZoneOf(p auth.Principal) *time.Location {
	if p.Timezone != "" {
		if loc, err := LoadZone(p.Timezone); err == nil {
			return loc
		}
	}
	if loc, err := LoadZone(DefaultTimezone); err == nil {
		return loc
	}
	return time.FixedZone(DefaultTimezone, 9*60*60)
}

// SetTimezone stores the user's own zone; a name that is not an IANA zone
// is a 400 naming the field "timezone".
func (s *Service) SetTimezone(ctx context.Context, p auth.Principal, name string) (string, error) {
	loc, err := CheckTimezone("timezone", name)
	if err != nil {
		return "", err
	}
	zone := loc.String()
	return zone, s.DB.InTx(ctx, p.Scope(), func(tx *sqlx.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE users SET timezone = $2 WHERE id = $1`, p.UserID, zone)
		return err
	})
}

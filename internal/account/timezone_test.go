package account_test

import (
	"testing"

	"github.com/taiwa/taiwa/internal/account"
	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/auth"
)

// TestCheckTimezoneAcceptsOnlyIANANames: a zone is a place in the zone
// database; the server's own setting, paths, blanks and junk are refused
// naming the field.
func TestCheckTimezoneAcceptsOnlyIANANames(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in, want string // want "" = refused
	}{
		{"Asia/Tokyo", "Asia/Tokyo"},
		{"Europe/Berlin", "Europe/Berlin"},
		{" America/New_York ", "America/New_York"},
		{"UTC", "UTC"},
		{"America/Argentina/Buenos_Aires", "America/Argentina/Buenos_Aires"},
		{"", ""},
		{"Local", ""},
		{"Mars/Olympus", ""},
		{"../../etc/passwd", ""},
		{"/etc/localtime", ""},
		{"Asia/Tokyo\x00", ""},
		{"Asia/Tokyo x", ""},
		{"Asia/東京", ""},
		{"+09:00", ""},
		{string(make([]byte, 65)), ""},
	} {
		loc, err := account.CheckTimezone("timezone", tc.in)
		switch {
		case tc.want == "" && err == nil:
			t.Errorf("%q accepted as %s", tc.in, loc)
		case tc.want == "" && !apperr.Is(err, apperr.CodeInvalid):
			t.Errorf("%q: %v, want invalid", tc.in, err)
		case tc.want == "":
			if e, _ := apperr.As(err); e.Fields["timezone"] == "" {
				t.Errorf("%q: the error names no field: %v", tc.in, e)
			}
		case err != nil || loc.String() != tc.want:
			t.Errorf("%q: %v, %v; want %s", tc.in, loc, err, tc.want)
		}
	}
}

// TestZoneOfFallsBackToJapan: no stored zone, or one the machine lacks,
// reads as Japan time.
func TestZoneOfFallsBackToJapan(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"": "Asia/Tokyo", "Local": "Asia/Tokyo", "Gone/Zone": "Asia/Tokyo", "Europe/Berlin": "Europe/Berlin"} {
		if got := account.ZoneOf(auth.Principal{Timezone: in}).String(); got != want {
			t.Errorf("ZoneOf(%q) = %s, want %s", in, got, want)
		}
	}
}

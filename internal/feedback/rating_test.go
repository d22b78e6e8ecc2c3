package feedback_test

import (
	"testing"
	"time"

	"github.com/taiwa/taiwa/internal/feedback"
	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func ip(n int) *int { return &n }

func TestRatingValidationNamesEachBadField(t *testing.T) {
	t.Parallel()
	long := string(make([]rune, 2001))
	for _, tc := range []struct {
		name  string
		in    feedback.RatingInput
		field string // "" = valid
	}{
		{"valid", feedback.RatingInput{Satisfaction: ip(5), Fit: ip(1), WHO5: []int{0, 5, 3, 2, 1}}, ""},
		{"no satisfaction", feedback.RatingInput{Fit: ip(1), WHO5: []int{0, 5, 3, 2, 1}}, "satisfaction"},
		{"satisfaction 0", feedback.RatingInput{Satisfaction: ip(0), Fit: ip(1), WHO5: []int{0, 5, 3, 2, 1}}, "satisfaction"},
		{"fit 6", feedback.RatingInput{Satisfaction: ip(3), Fit: ip(6), WHO5: []int{0, 5, 3, 2, 1}}, "fit"},
		{"four items", feedback.RatingInput{Satisfaction: ip(3), Fit: ip(3), WHO5: []int{0, 5, 3, 2}}, "who5"},
		{"item out of range", feedback.RatingInput{Satisfaction: ip(3), Fit: ip(3), WHO5: []int{0, 5, 3, -1, 1}}, "who5[3]"},
		{"long comment", feedback.RatingInput{Satisfaction: ip(3), Fit: ip(3), WHO5: []int{0, 5, 3, 2, 1}, Comment: &long}, "comment"},
	} {
		err := tc.in.Validate()
		e, ok := apperr.As(err)
		switch {
		case tc.field == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.field != "" && (!ok || e.Fields[tc.field] == ""):
			t.Errorf("%s: %v, want a problem with %s", tc.name, err, tc.field)
		}
	}
}

func TestWellbeingIndexIsTheRawSumTimesFour(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		who5 []int
		want int
	}{{[]int{0, 0, 0, 0, 0}, 0}, {[]int{5, 5, 5, 5, 5}, 100}, {[]int{3, 4, 2, 5, 3}, 68}} {
		if got := feedback.WellbeingIndex(tc.who5); got != tc.want {
			t.Errorf("%v: %d, want %d", tc.who5, got, tc.want)
		}
	}
}

func TestSessionMonthIsTheMonthInJapan(t *testing.T) {
	t.Parallel()
	// 2026-03-31 20:00 UTC is already April in Japan.
	if got := feedback.SessionMonth(time.Date(2026, 3, 31, 20, 0, 0, 0, time.UTC)); got != "2026-04" {
		t.Fatalf("month %s, want 2026-04", got)
	}
}

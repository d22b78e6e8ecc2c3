package counselor_test

import (
	"testing"

	"github.com/taiwa/taiwa/internal/counselor"
)

func TestRatingMeanIsShownToEmployeesFromThreeRatings(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		count int
		shown bool
	}{
		{0, false}, {1, false}, {2, false}, {3, true}, {4, true}, {250, true},
	} {
		if got := counselor.RatingShown(tc.count); got != tc.shown {
			t.Errorf("RatingShown(%d) = %v, want %v", tc.count, got, tc.shown)
		}
	}
}

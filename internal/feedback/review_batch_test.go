package feedback_test

import (
	"slices"
	"testing"

	"github.com/google/uuid"

	"github.com/taiwa/taiwa/internal/feedback"
)

func ids(n int) []uuid.UUID {
	out := make([]uuid.UUID, n)
	for i := range out {
		out[i] = uuid.New()
	}
	return out
}

// reverse is a shuffle whose outcome a test can name.
func reverse(n int, swap func(i, j int)) {
	for i := range n / 2 {
		swap(i, n-1-i)
	}
}

func TestNextBatchPublishesOnlyWholeBatchesOfAllThatWait(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name          string
		waiting, size int
		published     int
	}{
		{"nothing waits", 0, 3, 0},
		{"one waits", 1, 3, 0},
		{"two wait", 2, 3, 0},
		{"a full batch", 3, 3, 3},
		{"more than a batch: all go together", 5, 3, 5},
		{"batching off: one is enough", 1, 1, 1},
		{"a size below one means one", 1, 0, 1},
		{"a larger batch size", 4, 5, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			waiting := ids(tc.waiting)
			got := feedback.NextBatch(waiting, tc.size, nil)
			if len(got) != tc.published {
				t.Fatalf("published %d of %d waiting (size %d), want %d", len(got), tc.waiting, tc.size, tc.published)
			}
			if len(got) > 0 {
				sorted, want := slices.Clone(got), slices.Clone(waiting)
				slices.SortFunc(sorted, func(a, b uuid.UUID) int { return slices.Compare(a[:], b[:]) })
				slices.SortFunc(want, func(a, b uuid.UUID) int { return slices.Compare(a[:], b[:]) })
				if !slices.Equal(sorted, want) {
					t.Fatalf("the batch is not exactly the waiting reviews")
				}
			}
		})
	}
}

func TestNextBatchOrderIsTheShufflesNotTheApprovalOrder(t *testing.T) {
	t.Parallel()
	waiting := ids(4)
	got := feedback.NextBatch(waiting, 3, reverse)
	if want := []uuid.UUID{waiting[3], waiting[2], waiting[1], waiting[0]}; !slices.Equal(got, want) {
		t.Fatalf("order %v, want the shuffle's %v", got, want)
	}
	if slices.Equal(waiting, got) {
		t.Fatal("NextBatch changed its input instead of a copy")
	}
	// The default shuffle: over many batches of three, the approval order
	// comes out about one time in six, never every time.
	same := 0
	for range 600 {
		w := ids(3)
		if slices.Equal(feedback.NextBatch(w, 3, nil), w) {
			same++
		}
	}
	if same == 0 || same > 300 {
		t.Fatalf("approval order kept in %d of 600 batches, want about 100", same)
	}
}

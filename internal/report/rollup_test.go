package report

import (
	"slices"
	"testing"

	"github.com/google/uuid"
)

func TestDepartmentKeyMatchesTheTablesBuckets(t *testing.T) {
	people := map[string]int{"A": 4, "A/x": 3, "A/y": 12, "B": 2, "B/z": 5, "C/w": 9, "": 2}
	var roster []Employee
	for p, n := range people {
		for range n {
			roster = append(roster, Employee{ID: uuid.New(), Department: p})
		}
	}
	for _, c := range []struct {
		path, key string
		rolled    bool
	}{
		{"A", "A", false},
		{"A/x", "A", true},
		{"A/y", "A/y", false},
		{"B/z", KeyOther, true}, // B's subtree has 7 people
		{"C/w", KeyOther, true},
		{"", KeyOther, false},
	} {
		key := DepartmentKey(Policy{MinGroup: 10}, roster, c.path)
		if rolled := c.path != "" && key != c.path; key != c.key || rolled != c.rolled {
			t.Errorf("%q: %q rolled %v, want %q rolled %v", c.path, key, rolled, c.key, c.rolled)
		}
	}
	// The table's department buckets are exactly these keys.
	q, err := ParseQuery("2026-01", "2026-01", "department")
	if err != nil {
		t.Fatal(err)
	}
	tab := Build(Policy{}, q, roster, nil)
	var keys []string
	for _, cell := range tab.Cells {
		keys = append(keys, cell.Keys[0])
	}
	for p := range people {
		if key := DepartmentKey(Policy{}, roster, p); !slices.Contains(keys, key) {
			t.Errorf("%q counts under %q, which the engine's table %v lacks", p, key, keys)
		}
	}
}

package report

import (
	"encoding/binary"
	"testing"

	"github.com/google/uuid"

	"github.com/taiwa/taiwa/internal/platform/apperr"
)

// world builds rosters and activity for tests.
type world struct {
	roster []Employee
	acts   []Activity
}

func empID(i int) uuid.UUID {
	var id uuid.UUID
	binary.BigEndian.PutUint64(id[8:], uint64(i)+1)
	return id
}

// people adds n employees and returns their ids.
func (w *world) people(n int, dept, age, tenure string) []uuid.UUID {
	var ids []uuid.UUID
	for range n {
		id := empID(len(w.roster))
		w.roster = append(w.roster, Employee{ID: id, Department: dept, AgeBand: age, TenureBand: tenure})
		ids = append(ids, id)
	}
	return ids
}

// sessions gives each of ids one session of theme in month m.
func (w *world) sessions(ids []uuid.UUID, m Month, theme string, risk int8) {
	for _, id := range ids {
		w.acts = append(w.acts, Activity{Employee: id, Month: m, Theme: theme, Sessions: 1, SatSum: 4, SatCount: 1, Risk: risk})
	}
}

var jan, feb, mar = MonthOf(2026, 1), MonthOf(2026, 2), MonthOf(2026, 3)

func query(t *testing.T, from, to, by string) Query {
	t.Helper()
	q, err := ParseQuery(from, to, by)
	if err != nil {
		t.Fatalf("ParseQuery(%q, %q, %q): %v", from, to, by, err)
	}
	return q
}

func cell(t *testing.T, tbl *Table, keys ...string) Cell {
	t.Helper()
	c, ok := tbl.Cell(keys...)
	if !ok {
		t.Fatalf("no cell %v", keys)
	}
	return c
}

// assertGroupsSafe checks the complementary rule on every group of the
// table: where the total is published, the hidden parts are none, or at
// least two holding at least k employees.
func assertGroupsSafe(t *testing.T, tbl *Table) {
	t.Helper()
	for _, g := range tbl.sup.groups {
		if tbl.nodes[g.total].hidden {
			continue
		}
		var hidden []int
		for _, p := range g.parts {
			if tbl.nodes[p].hidden {
				hidden = append(hidden, p)
			}
		}
		if len(hidden) > 0 && !tbl.sup.safe(g, hidden) {
			t.Errorf("group with total %s leaves %d hidden parts recoverable", tbl.label(g.total), len(hidden))
		}
	}
}

func apperrAs(err error) (*apperr.Error, bool) { return apperr.As(err) }

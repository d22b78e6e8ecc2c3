package store

import (
	"reflect"
	"testing"

	"github.com/google/uuid"

	"github.com/taiwa/taiwa/internal/report"
)

func newID() uuid.UUID { return uuid.New() }

func TestActivityEncodingRoundTrips(t *testing.T) {
	m := report.MonthOf(2026, 2)
	a, b := newID(), newID()
	rows := []report.Activity{
		{Employee: a, Month: m, Theme: "career", Sessions: 3, SatSum: 12, SatCount: 3, WHO5Sum: 240, WHO5Count: 3, Risk: 4, Observations: 0x41},
		{Employee: b, Month: m, Theme: "high_stress_followup", Sessions: 1},
		{Employee: b, Month: m, Theme: "not_a_theme", Sessions: 1}, // no report counts it: not stored
	}
	enc, n := encodeActivity(rows)
	if n != 2 {
		t.Fatalf("rows kept = %d, want 2", n)
	}
	got, err := decodeActivity(nil, m, enc, func(uuid.UUID) bool { return true })
	if err != nil || !reflect.DeepEqual(got, rows[:2]) {
		t.Fatalf("decoded %+v, %v; want %+v", got, err, rows[:2])
	}
	got, _ = decodeActivity(nil, m, enc, func(id uuid.UUID) bool { return id != a })
	if len(got) != 1 || got[0].Employee != b {
		t.Fatalf("keep did not drop an employee: %+v", got)
	}
	// A cut value never panics: it fails, or (cut at a row boundary) is a prefix.
	for i := range enc {
		got, err := decodeActivity(nil, m, enc[:i], func(uuid.UUID) bool { return true })
		if err == nil && (len(got) >= 2 || len(got) == 1 && got[0] != rows[0]) {
			t.Errorf("cut at %d decoded %+v", i, got)
		}
	}
}

func TestGuardEncodingRoundTripsAndRejectsCorruption(t *testing.T) {
	r := &report.Released{
		Cells:     []report.Fingerprint{{Label: "department=営業部 month=*", Members: []uint64{1, 1 << 63, 42}}, {Label: "x", Members: []uint64{}}},
		Facts:     []report.Fact{{Quantity: "q1", Hidden: true}, {Quantity: "q2", Employees: 12, Sessions: 30, Population: 40}},
		Relations: []report.Relation{{Total: "q2", Parts: []string{"q1", "q3"}, Exact: true}, {Total: "q4"}},
	}
	enc := encodeGuard(r)
	got, err := decodeGuard(enc)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Cells) != 2 || !reflect.DeepEqual(got.Cells[0], r.Cells[0]) || len(got.Cells[1].Members) != 0 ||
		!reflect.DeepEqual(got.Facts, r.Facts) || got.Relations[0].Total != "q2" || !reflect.DeepEqual(got.Relations[0].Parts, r.Relations[0].Parts) ||
		!got.Relations[0].Exact || len(got.Relations[1].Parts) != 0 {
		t.Fatalf("decoded %+v, want %+v", got, r)
	}
	if empty, err := decodeGuard(nil); err != nil || len(empty.Cells) != 0 {
		t.Fatalf("empty state: %+v, %v", empty, err)
	}
	for i := 1; i < len(enc); i++ {
		if _, err := decodeGuard(enc[:i]); err == nil {
			t.Errorf("a state cut at %d of %d bytes decoded", i, len(enc))
		}
	}
	bad := append([]byte{}, enc...)
	bad[0] = 99
	if _, err := decodeGuard(bad); err == nil {
		t.Error("an unknown version decoded")
	}
	huge := []byte{guardV1, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01}
	if _, err := decodeGuard(huge); err == nil {
		t.Error("a count larger than the input decoded")
	}
}

func TestSnapshotKeepsZeroAverages(t *testing.T) {
	zero, four := 0.0, 4.0
	r := &Report{MinGroup: 10, Cells: []report.Cell{{Keys: []string{"*"}, Employees: 12, SatisfactionAvg: &four, WellbeingAvg: &zero}}}
	r.Total = r.Cells[0]
	b, err := encodeSnapshot(r)
	if err != nil {
		t.Fatal(err)
	}
	got, err := decodeSnapshot(b)
	if err != nil {
		t.Fatal(err)
	}
	if got.Total.WellbeingAvg == nil || *got.Total.WellbeingAvg != 0 || *got.Cells[0].SatisfactionAvg != 4 {
		t.Fatalf("averages lost: %+v", got.Total)
	}
	if _, err := decodeSnapshot(b[:len(b)/2]); err == nil {
		t.Error("a cut snapshot decoded")
	}
}

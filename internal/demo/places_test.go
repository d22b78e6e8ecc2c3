package demo_test

import "testing"

// TestSeedDemoInPersonCounselorsHaveAPlace: every demo counsellor who
// offers in-person sessions says where they are held, and only they do.
func TestSeedDemoInPersonCounselorsHaveAPlace(t *testing.T) {
	t.Parallel()
	d := seeded(t)
	if n := count(t, d, `SELECT count(*) FROM counselors WHERE 'in_person' = ANY (formats)`); n == 0 {
		t.Fatal("no demo counsellor offers in-person sessions")
	}
	if n := count(t, d, `SELECT count(*) FROM counselors WHERE ('in_person' = ANY (formats)) <> (in_person_place <> '')`); n != 0 {
		t.Fatalf("%d demo counsellors with a place that does not match their formats", n)
	}
}

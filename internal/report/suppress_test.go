package report

import (
	"strings"
	"testing"
)

// TestSuppressBands covers the one-dimensional rules as a table: each case
// is a roster of bands (population, participants) and the suppression
// expected per band.
func TestSuppressBands(t *testing.T) {
	type band struct {
		age       string
		pop, took int
	}
	cases := []struct {
		name     string
		minGroup int
		bands    []band
		want     map[string]Reason // "" = published
	}{
		{"one hidden cell under a total hides the next smallest", 0,
			[]band{{"20s", 20, 12}, {"30s", 20, 15}, {"40s", 10, 3}},
			map[string]Reason{"20s": ReasonComplementary, "30s": "", "40s": ReasonSmall, KeyAll: ""}},
		{"two hidden cells whose sum is below min_group hide a third", 0,
			[]band{{"20s", 10, 4}, {"30s", 10, 3}, {"40s", 30, 15}, {"50s", 30, 12}},
			map[string]Reason{"20s": ReasonSmall, "30s": ReasonSmall, "40s": "", "50s": ReasonComplementary, KeyAll: ""}},
		{"a group where everyone took part is homogeneous", 0,
			[]band{{"20s", 12, 12}, {"30s", 30, 20}, {"40s", 30, 20}},
			map[string]Reason{"20s": ReasonHomogeneous, "30s": ReasonComplementary, "40s": "", KeyAll: ""}},
		{"a company's higher min_group hides a cell of 12", 15,
			[]band{{"20s", 30, 12}, {"30s", 30, 20}, {"40s", 30, 20}},
			map[string]Reason{"20s": ReasonSmall, "30s": ReasonComplementary, "40s": "", KeyAll: ""}},
		{"a min_group below the floor is raised to 10", 5,
			[]band{{"20s", 30, 8}, {"30s", 30, 20}, {"40s", 30, 20}},
			map[string]Reason{"20s": ReasonSmall, "30s": ReasonComplementary, "40s": "", KeyAll: ""}},
		{"nothing hidden needs nothing more", 0,
			[]band{{"20s", 30, 12}, {"30s", 30, 20}, {"40s", 30, 20}, {"50s", 30, 20}, {"60s", 30, 20}, {"70s", 30, 20}},
			map[string]Reason{"20s": "", "30s": "", "40s": "", "50s": "", "60s": "", "70s": "", KeyOther: "", KeyAll: ""}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var w world
			for _, b := range tc.bands {
				ids := w.people(b.pop, "", b.age, "")
				w.sessions(ids[:b.took], jan, "career", 1)
			}
			tbl := Build(Policy{MinGroup: tc.minGroup}, query(t, "2026-01", "2026-01", "age_band"), w.roster, w.acts)
			for key, want := range tc.want {
				c := cell(t, tbl, key)
				if c.Suppressed != (want != "") || c.Reason != want {
					t.Errorf("%s: suppressed=%v reason=%q, want reason %q", key, c.Suppressed, c.Reason, want)
				}
				if c.Suppressed && (c.Employees != 0 || c.Sessions != 0 || c.SatisfactionAvg != nil || c.WellbeingAvg != nil || c.Risk != nil) {
					t.Errorf("%s: a suppressed cell shows numbers: %+v", key, c)
				}
			}
			assertGroupsSafe(t, tbl)
		})
	}
}

// TestSuppressNestedDepartments rolls a small branch up into its parent and
// protects a small branch under its parent's subtree total.
func TestSuppressNestedDepartments(t *testing.T) {
	var w world
	own := w.people(20, "営業部", "30s", "")
	tokyo := w.people(15, "営業部/東京支店", "30s", "")
	osaka := w.people(3, "営業部/大阪支店", "30s", "")
	dev := w.people(40, "開発部", "30s", "")
	w.sessions(own[:12], jan, "career", 1)
	w.sessions(tokyo[:4], jan, "career", 1)
	w.sessions(osaka, jan, "career", 1)
	w.sessions(dev[:20], jan, "career", 1)
	tbl := Build(Policy{}, query(t, "2026-01", "2026-01", "department"), w.roster, w.acts)

	var keys []string
	for _, c := range tbl.Cells {
		keys = append(keys, c.Keys[0])
	}
	want := []string{"営業部", "営業部/東京支店", "開発部", "営業部/*", KeyAll}
	if len(keys) != len(want) {
		t.Fatalf("keys %v, want %v (大阪支店 rolled into 営業部)", keys, want)
	}
	for i := range want {
		if keys[i] != want[i] {
			t.Fatalf("keys %v, want %v", keys, want)
		}
	}
	if c := cell(t, tbl, "営業部/東京支店"); c.Reason != ReasonSmall {
		t.Errorf("東京支店 (4 people): %+v, want small", c)
	}
	// 営業部/* = 営業部 + 東京支店: with 東京支店 hidden alone it could be
	// subtracted, so 営業部's own cell goes too.
	if c := cell(t, tbl, "営業部"); c.Reason != ReasonComplementary {
		t.Errorf("営業部 own cell: %+v, want complementary", c)
	}
	if c := cell(t, tbl, "営業部/*"); c.Suppressed || c.Employees != 12+4+3 {
		t.Errorf("営業部/*: %+v, want 19 employees published", c)
	}
	if c := cell(t, tbl, KeyAll); c.Suppressed || c.Employees != 39 || c.Sessions != 39 {
		t.Errorf("total: %+v", c)
	}
	assertGroupsSafe(t, tbl)
}

// TestSuppressShrinkingDepartment: a department that drops below min_group
// in February must not be recoverable from its row total or the
// February column, in one table or across two reports.
func TestSuppressShrinkingDepartment(t *testing.T) {
	var w world
	a := w.people(30, "A", "", "")
	b := w.people(30, "B", "", "")
	w.sessions(a[:12], jan, "career", 1)
	w.sessions(a[:8], feb, "career", 1)
	w.sessions(b[:12], jan, "career", 1)
	w.sessions(b[10:22], feb, "career", 1)
	tbl := Build(Policy{}, query(t, "2026-01", "2026-02", "department,month"), w.roster, w.acts)
	if c := cell(t, tbl, "A", "2026-02"); c.Reason != ReasonSmall {
		t.Fatalf("A×Feb: %+v, want small", c)
	}
	// Feb column: total Feb = A×Feb + B×Feb.
	if !cell(t, tbl, "B", "2026-02").Suppressed && !cell(t, tbl, KeyAll, "2026-02").Suppressed {
		t.Error("A×Feb = Feb total − B×Feb: both published")
	}
	// A's row in sessions: A×* = A×Jan + A×Feb.
	if !cell(t, tbl, "A", "2026-01").Suppressed && !cell(t, tbl, "A", KeyAll).Suppressed {
		t.Error("A×Feb sessions = A×* − A×Jan: both published")
	}
	assertGroupsSafe(t, tbl)

	// Across reports: January shows A with 12 people; January–March with
	// one more person (who came only in March) would single them out.
	w.sessions(a[20:21], mar, "career", 1)
	released := &Released{Key: []byte("company secret")}
	janTbl := Build(Policy{}, query(t, "2026-01", "2026-01", "department"), w.roster, w.acts)
	if err := released.Check(janTbl); err != nil {
		t.Fatalf("first report refused: %v", err)
	}
	released.Add(janTbl)
	q1 := Build(Policy{}, query(t, "2026-01", "2026-03", "department"), w.roster, w.acts)
	err := released.Check(q1)
	if e, ok := apperrAs(err); !ok || e.Reason != ReasonWouldReveal {
		t.Fatalf("Jan–Mar after Jan: %v, want 422 %s", err, ReasonWouldReveal)
	}
	// Protect hides the conflicting cells instead and keeps the rest safe.
	if err := released.Protect(q1); err != nil {
		t.Fatalf("Protect: %v", err)
	}
	if c := cell(t, q1, "A"); !c.Suppressed || c.Reason != ReasonDifferencing {
		t.Errorf("A over Jan–Mar after Protect: %+v, want differencing", c)
	}
	if err := released.Check(q1); err != nil {
		t.Errorf("protected table still conflicts: %v", err)
	}
	assertGroupsSafe(t, q1)
}

// TestSuppressTwoDimensionalMargins: a small interior cell costs a second
// hidden cell in its row and in its column.
func TestSuppressTwoDimensionalMargins(t *testing.T) {
	var w world
	for _, age := range []string{"20s", "30s", "40s"} {
		for _, ten := range []string{"0-2y", "3-5y", "6-10y"} {
			ids := w.people(30, "", age, ten)
			n := 15
			if age == "30s" && ten == "3-5y" {
				n = 2
			}
			w.sessions(ids[:n], jan, "career", 1)
		}
	}
	tbl := Build(Policy{}, query(t, "2026-01", "2026-01", "age_band,tenure_band"), w.roster, w.acts)
	if c := cell(t, tbl, "30s", "3-5y"); c.Reason != ReasonSmall {
		t.Fatalf("30s×3-5y: %+v", c)
	}
	hiddenIn := func(row bool) int {
		n := 0
		for _, c := range tbl.Cells {
			if c.Keys[0] == KeyAll || c.Keys[1] == KeyAll || !c.Suppressed {
				continue
			}
			if (row && c.Keys[0] == "30s") || (!row && c.Keys[1] == "3-5y") {
				n++
			}
		}
		return n
	}
	if hiddenIn(true) < 2 || hiddenIn(false) < 2 {
		t.Errorf("row 30s hides %d interior cells, column 3-5y hides %d; want ≥ 2 each", hiddenIn(true), hiddenIn(false))
	}
	if c := cell(t, tbl, KeyAll, KeyAll); c.Suppressed || c.Employees != 8*15+2 {
		t.Errorf("grand total: %+v", c)
	}
	assertGroupsSafe(t, tbl)
}

// TestSuppressDistributions: a risk distribution where one band holds
// everyone is hidden; a small band takes another with it; satisfaction
// needs min_group raters.
func TestSuppressDistributions(t *testing.T) {
	cases := []struct {
		name  string
		risks map[int8]int // band → participants
		want  map[string]Reason
	}{
		{"everyone in one band", map[int8]int{1: 15}, map[string]Reason{"none": ReasonHomogeneous, "low": ReasonHomogeneous}},
		{"all but a few in one band", map[int8]int{1: 15, 4: 2}, map[string]Reason{"none": ReasonComplementary, "high": ReasonSmall, "low": ""}},
		{"two large bands", map[int8]int{1: 15, 2: 12}, map[string]Reason{"none": "", "low": "", "high": ""}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var w world
			ids := w.people(60, "", "30s", "")
			at := 0
			for _, band := range []int8{0, 1, 2, 3, 4} {
				n := tc.risks[band]
				w.sessions(ids[at:at+n], jan, "career", band)
				at += n
			}
			tbl := Build(Policy{}, query(t, "2026-01", "2026-01", "age_band"), w.roster, w.acts)
			c := cell(t, tbl, "30s")
			if c.Suppressed {
				t.Fatalf("cell hidden: %+v", c)
			}
			for _, cat := range c.Risk {
				if want, ok := tc.want[cat.Code]; ok && cat.Reason != want {
					t.Errorf("%s: %+v, want %q", cat.Code, cat, want)
				}
			}
			assertGroupsSafe(t, tbl)
		})
	}
}

func TestOptedOutEmployeesAreExcluded(t *testing.T) {
	var w world
	ids := w.people(30, "", "30s", "")
	w.sessions(ids[:10], jan, "career", 1)
	w.roster[0].OptedOut = true
	tbl := Build(Policy{}, query(t, "2026-01", "2026-01", "age_band"), w.roster, w.acts)
	if c := cell(t, tbl, "30s"); c.Reason != ReasonSmall {
		t.Errorf("10 participants, one opted out: %+v, want small (9)", c)
	}
	w.roster[0].OptedOut = false
	tbl = Build(Policy{}, query(t, "2026-01", "2026-01", "age_band"), w.roster, w.acts)
	if c := cell(t, tbl, "30s"); c.Suppressed || c.Employees != 10 {
		t.Errorf("10 participants: %+v", c)
	}
}

func TestSatisfactionNeedsMinGroupRaters(t *testing.T) {
	var w world
	ids := w.people(40, "", "30s", "")
	w.sessions(ids[:9], jan, "career", 1)
	for _, id := range ids[9:20] {
		w.acts = append(w.acts, Activity{Employee: id, Month: jan, Theme: "career", Sessions: 1, Risk: 1})
	}
	tbl := Build(Policy{}, query(t, "2026-01", "2026-01", "age_band"), w.roster, w.acts)
	if c := cell(t, tbl, "30s"); c.Suppressed || c.SatisfactionAvg != nil {
		t.Errorf("9 raters: %+v, want a published cell without satisfaction", c)
	}
	w.sessions(ids[20:21], jan, "career", 1)
	tbl = Build(Policy{}, query(t, "2026-01", "2026-01", "age_band"), w.roster, w.acts)
	if c := cell(t, tbl, "30s"); c.SatisfactionAvg == nil || *c.SatisfactionAvg != 4 {
		t.Errorf("10 raters: %+v, want satisfaction 4", c)
	}
}

// TestWellbeingNeedsMinGroupAnswerers: the WHO-5 mean is shown like
// satisfaction: only on a published cell where at least min_group distinct
// employees answered, as the mean of the answers rounded to a whole number.
func TestWellbeingNeedsMinGroupAnswerers(t *testing.T) {
	type answer struct{ people, perPerson, score int }
	cases := []struct {
		name    string
		answers []answer // people answering perPerson times with score each
		others  int      // participants who did not answer
		want    float64  // -1: nil
	}{
		{"nine answerers hide the mean", []answer{{9, 1, 60}}, 11, -1},
		{"ten answerers show it", []answer{{10, 1, 60}}, 10, 60},
		{"answers are counted in distinct employees", []answer{{5, 2, 60}}, 15, -1},
		{"the mean of the answers, not of the people", []answer{{5, 1, 40}, {5, 3, 80}}, 10, 70},
		{"rounded to a whole number", []answer{{5, 1, 61}, {6, 1, 64}}, 0, 63},
		{"half rounds up", []answer{{5, 1, 62}, {5, 1, 63}}, 0, 63},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var w world
			ids := w.people(60, "", "30s", "")
			at := 0
			for _, a := range tc.answers {
				for _, id := range ids[at : at+a.people] {
					w.acts = append(w.acts, Activity{Employee: id, Month: jan, Theme: "career", Sessions: a.perPerson,
						Risk: 1, WHO5Sum: a.score * a.perPerson, WHO5Count: a.perPerson})
				}
				at += a.people
			}
			w.sessions(ids[at:at+tc.others], jan, "career", 1)
			tbl := Build(Policy{}, query(t, "2026-01", "2026-01", "age_band"), w.roster, w.acts)
			for _, key := range []string{"30s", KeyAll} {
				c := cell(t, tbl, key)
				if c.Suppressed {
					t.Fatalf("%s hidden: %+v", key, c)
				}
				switch {
				case tc.want < 0 && c.WellbeingAvg != nil:
					t.Errorf("%s: wellbeing %v, want hidden", key, *c.WellbeingAvg)
				case tc.want >= 0 && (c.WellbeingAvg == nil || *c.WellbeingAvg != tc.want):
					t.Errorf("%s: wellbeing %v, want %v", key, c.WellbeingAvg, tc.want)
				}
			}
		})
	}
	// A suppressed cell shows no mean even when enough people answered.
	var w world
	ids := w.people(12, "", "30s", "")
	for _, id := range ids {
		w.acts = append(w.acts, Activity{Employee: id, Month: jan, Theme: "career", Sessions: 1, Risk: 1, WHO5Sum: 60, WHO5Count: 1})
	}
	w.people(30, "", "40s", "")
	tbl := Build(Policy{}, query(t, "2026-01", "2026-01", "age_band"), w.roster, w.acts)
	if c := cell(t, tbl, "30s"); !c.Suppressed || c.WellbeingAvg != nil {
		t.Errorf("30s (everyone took part): %+v, want hidden without wellbeing", c)
	}
}

// TestSuppressTrickyCases names the tricky cases as one table:
// each builds a small organisation, checks the reasons of the cells that
// matter, checks every group is complementary-safe, and lets the
// adversarial test's attacker loose on the single table: it must find
// nothing.
func TestSuppressTrickyCases(t *testing.T) {
	type dept struct {
		path string
		pop  int
		took map[Month]int // participants by month (the first ones of the department)
	}
	cases := []struct {
		name  string
		from  string
		to    string
		by    string
		depts []dept
		want  map[string]Reason // cell keys joined with "|"; "" = published
	}{
		{"one hidden cell under a total", "2026-01", "2026-01", "department",
			[]dept{{"A", 20, map[Month]int{jan: 12}}, {"B", 20, map[Month]int{jan: 15}}, {"C", 10, map[Month]int{jan: 3}}},
			map[string]Reason{"C": ReasonSmall, "A": ReasonComplementary, "B": "", KeyAll: ""}},
		{"two hidden cells whose sum is below min_group", "2026-01", "2026-01", "department",
			[]dept{{"A", 10, map[Month]int{jan: 4}}, {"B", 10, map[Month]int{jan: 3}}, {"C", 30, map[Month]int{jan: 15}}, {"D", 30, map[Month]int{jan: 12}}},
			map[string]Reason{"A": ReasonSmall, "B": ReasonSmall, "D": ReasonComplementary, "C": "", KeyAll: ""}},
		{"nested departments", "2026-01", "2026-01", "department",
			[]dept{{"営業部", 20, map[Month]int{jan: 12}}, {"営業部/東京支店", 15, map[Month]int{jan: 4}},
				{"営業部/大阪支店", 3, map[Month]int{jan: 3}}, {"開発部", 40, map[Month]int{jan: 20}}},
			map[string]Reason{"営業部/東京支店": ReasonSmall, "営業部": ReasonComplementary, "営業部/*": "", "開発部": "", KeyAll: ""}},
		{"a department shrinking between months", "2026-01", "2026-02", "department,month",
			[]dept{{"A", 30, map[Month]int{jan: 12, feb: 8}}, {"B", 30, map[Month]int{jan: 14, feb: 13}}, {"C", 30, map[Month]int{jan: 15, feb: 16}}},
			// A×Feb is small; A's row (sessions add up over months) and the
			// Feb column each hide a second cell, and A's total stays.
			map[string]Reason{"A|2026-02": ReasonSmall, "A|2026-01": ReasonComplementary, "A|*": "", "*|*": ""}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var w world
			for _, d := range tc.depts {
				ids := w.people(d.pop, d.path, "30s", "")
				for _, m := range []Month{jan, feb} {
					w.sessions(ids[:d.took[m]], m, "career", 1)
				}
			}
			tbl := Build(Policy{}, query(t, tc.from, tc.to, tc.by), w.roster, w.acts)
			for key, want := range tc.want {
				c := cell(t, tbl, strings.Split(key, "|")...)
				if c.Suppressed != (want != "") || c.Reason != want {
					t.Errorf("%s: suppressed=%v reason=%q, want %q", key, c.Suppressed, c.Reason, want)
				}
			}
			assertGroupsSafe(t, tbl)
			if leaks := attack([]*Table{tbl}); len(leaks) > 0 {
				t.Errorf("%d leaks, first: %s", len(leaks), leaks[0])
			}
		})
	}
}

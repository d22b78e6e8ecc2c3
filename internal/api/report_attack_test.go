package api_test

// The report attacks: the five ways an outsider broke DEID-1's live,
// exact reports, replayed against DEID-2's noisy monthly releases through
// the real API.
//
// The attacker has only an HR login, the roster HR holds anyway (names,
// departments, age and tenure bands from GET …/employees) and the side
// knowledge each attack states. Each attack is a game played over N
// trials: in each trial a fair coin (a seeded PCG, so the secrets can be
// replayed) picks one of two worlds that differ in one employee's data —
// took part or not, one theme or another, one more session or not,
// opted out before the release or not — the operator publishes the
// month(s) through POST /api/v1/reports/releases, and the attacker reads
// reports through HR's API and guesses the coin. Each trial has months
// of its own (long closed months, 2010–2022), so trials are independent.
//
// Each game runs twice, on two companies built alike:
//
//   - noise off (report.UnsafeNoNoise): the unprotected mechanism. The
//     attacker must win at least 95% of trials (it wins all of them).
//     This run is what makes the other one mean something: it proves the
//     attacker really extracts the secret from what the API shows, so
//     its failure with noise is the noise's doing, not a broken attack.
//   - noise on (the product's exact discrete Gaussian from crypto/rand):
//     the attacker must do no better than differential privacy allows.
//
// The bound. Every released number is a count or sum plus independent
// Gaussian noise of standard deviation σ_m fixed per measure
// (report.Measures()); everything a report shows (sums over months,
// averages, rounding, "below min_group") is post-processing of those
// numbers. If the two worlds' releases differ by d_i in number i, telling
// them apart is telling N(0, I) from N(v, I), v_i = d_i/σ_i, and by the
// Neyman–Pearson lemma the best possible guess of a fair coin is right
// with probability Φ(μ/2), μ = ‖v‖₂ = sqrt(Σ (d_i/σ_i)²). We compute μ
// from the numbers that actually move in each game (gaussianBound); it is
// at most sqrt(2ρ) = 1 for one employee's month (ρ = 1/2, zCDP), where
// Φ(1/2) ≈ 0.69 — a tighter statement than the (ε, δ) on the page, whose
// (e^ε + δ)/(1 + e^ε) is near 1 for ε ≈ 5. (The discrete Gaussian's
// distinguishability is that of the continuous one up to a negligible
// term at these σ ≥ 2.6.) The test allows the measured accuracy three
// binomial standard deviations above the bound, sqrt(b(1−b)/N), for the
// luck of N trials. Our attackers use one or two numbers, so they are
// well below the bound; a product change that made a number exact, moved
// more numbers, or leaked through a status code would push them over.

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/apptest"
	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/programme"
	"github.com/taiwa/taiwa/internal/report"
)

// noiseModes are the two runs of every game.
var noiseModes = []struct {
	name string
	on   bool
}{{"noise off", false}, {"noise on", true}}

// Attack 1, homogeneity: is everyone in a small department a
// participant? A department of exactly n people (n = min_group …
// min_group+2); the secret is whether all n took part in the month or
// all but the target. The attacker reads participants by department and
// says "everyone" iff the number shown is at least n − ½ (a number
// withheld as below min_group says "not everyone").
func TestReportAttackWhoTookPart(t *testing.T) {
	t.Parallel()
	const trials = 48
	env := newRepEnv(t)
	mu, bound := gaussianBound(t, oneSessionMoves)
	small := []string{"企画部", "法務部", "経理部"} // 10, 11 and 12 people
	first := report.MonthOf(2019, time.January)
	var right [2]int
	for mi, mode := range noiseModes {
		c := env.company(t, repDept{small[0], report.Floor}, repDept{small[1], report.Floor + 1}, repDept{small[2], report.Floor + 2}, repDept{"営業部", 15})
		coins := trialCoins(1, uint64(mi), trials)
		var ss []repSession
		for i, everyone := range coins {
			m := first + report.Month(i)
			members := c.byDept[small[i%3]]
			for j, e := range members {
				if j == 0 && !everyone { // the target is the department's first
					continue
				}
				ss = append(ss, repSession{Emp: e, Month: m, Theme: "career"})
			}
			for _, e := range c.byDept["営業部"][:6] { // the rest of the company, the same every month
				ss = append(ss, repSession{Emp: e, Month: m, Theme: "career"})
			}
		}
		c.hold(t, ss...)
		env.setNoise(mode.on)
		c.releaseAll(t, monthsFrom(first, trials))

		// The attacker.
		roster := c.roster(t)
		cells := map[string]repCell{}
		for _, r := range monthRanges(first, trials) {
			b, _ := c.read(t, r+"&by=department,month")
			for _, cell := range b.Cells {
				cells[cell.Key] = cell
			}
		}
		for i, everyone := range coins {
			d := small[i%3]
			n := headcount(roster, d)
			cell, ok := cells[d+"|"+(first+report.Month(i)).String()]
			if !ok || cell.Suppressed {
				t.Fatalf("trial %d: %s is not reported: %+v", i, d, cell)
			}
			guess := cell.Employees != nil && float64(*cell.Employees) >= float64(n)-0.5
			if guess == everyone {
				right[mi]++
			}
		}
	}
	judge(t, "who took part", trials, right[0], right[1], mu, bound)
}

// Attack 2, a named person's theme: the attacker knows X held a session
// in month M1 ("X had an appointment on Thursday") and that everyone
// else's activity in M1 was the same as in M0; the secret is X's theme,
// mental health or career. The attacker reads participants by theme for
// M0 and M1 and names the theme that rose more (a number withheld as
// below min_group counts as min_group − 1).
func TestReportAttackANamedPersonsTheme(t *testing.T) {
	t.Parallel()
	const trials = 48
	env := newRepEnv(t)
	// Both worlds have X's session; only the theme table moves: one
	// participant leaves career and one joins mental health.
	mu, bound := gaussianBound(t, map[string]float64{"theme.participants": 2})
	first := report.MonthOf(2015, time.January)
	var right [2]int
	for mi, mode := range noiseModes {
		c := env.company(t, repDept{"営業部", 15}, repDept{"開発部", 15}, repDept{"管理部", 15})
		coins := trialCoins(2, uint64(mi), trials)
		others := append(append([]int{}, c.byDept["営業部"][:6]...), c.byDept["開発部"][:6]...)
		x := c.byDept["管理部"][0]
		var ss []repSession
		for i, mental := range coins {
			m0 := first + report.Month(2*i)
			for _, m := range []report.Month{m0, m0 + 1} {
				for _, e := range others {
					ss = append(ss, repSession{Emp: e, Month: m, Theme: "career"}, repSession{Emp: e, Month: m, Theme: "mental_health"})
				}
			}
			theme := "career"
			if mental {
				theme = "mental_health"
			}
			ss = append(ss, repSession{Emp: x, Month: m0 + 1, Theme: theme})
		}
		c.hold(t, ss...)
		env.setNoise(mode.on)
		c.releaseAll(t, monthsFrom(first, 2*trials))

		cells := map[string]repCell{}
		for _, r := range monthRanges(first, 2*trials) {
			b, _ := c.read(t, r+"&by=theme,month")
			for _, cell := range b.Cells {
				cells[cell.Key] = cell
			}
		}
		k := float64(report.Floor)
		value := func(theme string, m report.Month) float64 {
			cell, ok := cells[theme+"|"+m.String()]
			if !ok {
				t.Fatalf("no cell %s|%s", theme, m)
			}
			return shownOr(cell.Employees, k-1)
		}
		for i, mental := range coins {
			m0 := first + report.Month(2*i)
			rise := func(theme string) float64 { return value(theme, m0+1) - value(theme, m0) }
			if guess := rise("mental_health") > rise("career"); guess == mental {
				right[mi]++
			}
		}
	}
	judge(t, "a named person's theme", trials, right[0], right[1], mu, bound)
}

// Attack 3, hidden small numbers: a department's sessions in the middle
// month of a quarter are few (k or k+1, k = 3…5: shown only as "fewer
// than min_group"), the other two months are large. The attacker reads
// the quarter and the two visible months, derives the middle month as
// quarter − others, and says k+1 iff the result is at least k + ½.
func TestReportAttackHiddenSmallNumbers(t *testing.T) {
	t.Parallel()
	const trials = 40
	env := newRepEnv(t)
	mu, bound := gaussianBound(t, oneSessionMoves)
	first := report.MonthOf(2010, time.January)
	const dept = "開発部"
	var right [2]int
	for mi, mode := range noiseModes {
		c := env.company(t, repDept{dept, 12}, repDept{"営業部", 12}, repDept{"管理部", 10})
		coins := trialCoins(3, uint64(mi), trials)
		members := c.byDept[dept]
		var ss []repSession
		for i, more := range coins {
			m := first + report.Month(3*i)
			for _, e := range members { // two sessions each in the quarter's first and last month
				for range 2 {
					ss = append(ss, repSession{Emp: e, Month: m, Theme: "career"}, repSession{Emp: e, Month: m + 2, Theme: "career"})
				}
			}
			k := 3 + i%3
			if more {
				k++
			}
			for _, e := range members[:k] {
				ss = append(ss, repSession{Emp: e, Month: m + 1, Theme: "career"})
			}
		}
		c.hold(t, ss...)
		env.setNoise(mode.on)
		c.releaseAll(t, monthsFrom(first, 3*trials))

		cells := map[string]repCell{}
		for _, r := range monthRanges(first, 3*trials) {
			b, _ := c.read(t, r+"&by=department,month")
			for _, cell := range b.Cells {
				cells[cell.Key] = cell
			}
			// The same range in quarters: YYYY-MM of a quarter's first and
			// last month → YYYY-Qn.
			from, to, _ := strings.Cut(strings.TrimPrefix(r, "from="), "&to=")
			qb, _ := c.read(t, "from="+quarterOf(t, from)+"&to="+quarterOf(t, to)+"&by=department,month")
			for _, cell := range qb.Cells {
				cells[cell.Key] = cell
			}
		}
		hidden := 0
		for i, more := range coins {
			m := first + report.Month(3*i)
			k := 3 + i%3
			get := func(label string) *int { return cells[dept+"|"+label].Sessions }
			qs, a, z := get(quarterOf(t, m.String())), get(m.String()), get((m + 2).String())
			if mid := cells[dept+"|"+(m+1).String()]; mid.Sessions == nil {
				hidden++
			}
			guess := false // nothing to subtract from: guess k
			if qs != nil && a != nil && z != nil {
				guess = float64(*qs-*a-*z) >= float64(k)+0.5
			}
			if guess == more {
				right[mi]++
			}
		}
		if !mode.on && hidden != trials {
			t.Errorf("without noise the middle month shows its sessions in %d trials: the numbers were not hidden, so the attack shows nothing", trials-hidden)
		}
	}
	judge(t, "hidden small numbers", trials, right[0], right[1], mu, bound)
}

// quarterOf is YYYY-Qn of a YYYY-MM.
func quarterOf(t *testing.T, month string) string {
	t.Helper()
	m, err := report.ParseMonth(month, "month")
	if err != nil {
		t.Fatal(err)
	}
	return month[:4] + "-Q" + string(rune('1'+int(m)%12/3))
}

// Attack 4, participation through live counters: the secret is whether
// the target books an upcoming session and joins an open programme. The
// attacker reads the company's usage and the programme's uptake before
// and after, with no release in between, and says "joined" iff anything
// moved. Nothing live moves, so the attacker is at chance with noise and
// without. Then the uptake is shown to change only with a release, where
// the joined count is noisy (exact without noise).
func TestReportAttackLiveCounters(t *testing.T) {
	t.Parallel()
	const trials = 40
	env := newRepEnv(t)
	h := env.h
	counselor := h.Login(env.cslEmail, repPass)
	weekly := []map[string]any{}
	for d := 1; d <= 7; d++ {
		weekly = append(weekly, map[string]any{"weekday": d, "start": "00:00", "end": "24:00"})
	}
	if st := counselor.Do("PUT", "/api/v1/me/availability", map[string]any{"timezone": "Asia/Tokyo", "slot_minutes": 50, "buffer_minutes": 10,
		"min_notice_minutes": 0, "horizon_days": 30, "max_per_day": 24, "weekly": weekly, "overrides": []any{}}, nil); st != http.StatusOK {
		t.Fatalf("availability: %d", st)
	}
	var right [2]int
	for mi, mode := range noiseModes {
		c := env.company(t, repDept{"営業部", 12}, repDept{"管理部", 10})
		env.setNoise(mode.on)
		coins := trialCoins(4, uint64(mi), trials)
		target := c.login(t, c.byDept["営業部"][0])
		var slots struct {
			Slots []slotJSON `json:"slots"`
		}
		from := time.Now().Add(2 * time.Hour).Format(time.RFC3339)
		if st := target.Do("GET", "/api/v1/counselors/"+env.cslID.String()+"/slots?from="+q(from), nil, &slots); st != http.StatusOK || len(slots.Slots) < trials {
			t.Fatalf("slots: %d, %d", st, len(slots.Slots))
		}
		live := func(pid uuid.UUID) []byte {
			u := c.hr.Raw("GET", c.path("usage"), "", nil)
			p := c.hr.Raw("GET", c.path("programmes/"+pid.String()), "", nil)
			l := c.hr.Raw("GET", c.path("programmes"), "", nil)
			if u.Status != http.StatusOK || p.Status != http.StatusOK || l.Status != http.StatusOK {
				t.Fatalf("usage %d, programme %d, programmes %d", u.Status, p.Status, l.Status)
			}
			var usage map[string]any
			decode(t, u.Body, &usage)
			if _, ok := usage["upcoming_sessions"]; ok {
				t.Fatalf("usage shows upcoming sessions: %s", u.Body)
			}
			return bytes.Join([][]byte{u.Body, p.Body, l.Body}, []byte("\n"))
		}
		moved := 0
		for i, joins := range coins {
			pid := openProgramme(t, c)
			before := live(pid)
			if joins {
				if r := post(target, "/api/v1/bookings", map[string]any{"counselor_id": env.cslID, "start": slots.Slots[i].Start.Format(time.RFC3339),
					"theme": "career", "format": "video"}); r.Status != http.StatusCreated {
					t.Fatalf("trial %d: book: %d %s", i, r.Status, r.Body)
				}
				joinProgramme(t, target, pid)
			}
			after := live(pid)
			guess := !bytes.Equal(before, after)
			if guess {
				moved++
				t.Errorf("%s, trial %d: HR's live view moved:\n%s\n%s", mode.name, i, before, after)
			}
			if guess == joins {
				right[mi]++
			}
		}
		if moved == 0 {
			t.Logf("%s: nothing HR reads moved in %d trials", mode.name, trials)
		}

		// The uptake moves only with a release. ProgrammeCap open
		// programmes (each joiner counts in at most that many), made
		// part of the last closed month (a release covers the programmes
		// that exist when it is computed; dating them in the month keeps
		// them covered were it bounded by the month's end); 11 of 12
		// join each; nothing changes until the operator publishes.
		last := report.LastClosed(time.Now())
		pids := make([]uuid.UUID, report.ProgrammeCap)
		for j := range pids {
			pids[j] = openProgramme(t, c)
			if err := h.Env.DB.InTx(context.Background(), db.System, func(tx *sqlx.Tx) error {
				_, err := tx.Exec(`UPDATE programmes SET created_at = $3 WHERE company_id = $1 AND id = $2`,
					c.id, pids[j], repMonthStart(last).Add(time.Duration(j+1)*time.Hour))
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
		const joined = 11
		shown := func() []programme.Uptake {
			out := make([]programme.Uptake, len(pids))
			for j, pid := range pids {
				var d hrDetail
				if st := c.hr.Do("GET", c.path("programmes/"+pid.String()), nil, &d); st != http.StatusOK || d.Uptake == nil {
					t.Fatalf("programme: %d", st)
				}
				out[j] = *d.Uptake
			}
			return out
		}
		unreleased := shown()
		for _, e := range c.byDept["営業部"][1 : 1+joined] {
			emp := c.login(t, e)
			for _, pid := range pids {
				joinProgramme(t, emp, pid)
			}
		}
		if got := shown(); !uptakesEqual(got, unreleased) {
			t.Errorf("%s: the uptake moved without a release: %+v → %+v", mode.name, unreleased, got)
		}
		for _, u := range unreleased {
			if u.Released != "" || !u.Joined.Suppressed || u.Joined.Value != nil || u.Invited.Value == nil || *u.Invited.Value != len(c.emps) {
				t.Errorf("%s: before any release: %+v", mode.name, u)
			}
		}
		c.release(t, last)
		exact := 0
		for j, u := range shown() {
			if u.Released != last.String() || !u.Approximate {
				t.Errorf("%s: after the release: %+v", mode.name, u)
			}
			var rel struct {
				Joined int64 `db:"joined"`
				Held   int64 `db:"held"`
			}
			if err := h.Env.DB.InTx(context.Background(), db.System, func(tx *sqlx.Tx) error {
				return tx.Get(&rel, `SELECT (p->>'joined')::bigint AS joined, (p->>'held')::bigint AS held
					FROM report_releases r, jsonb_array_elements(r.body->'programmes') p
					WHERE r.company_id = $1 AND r.month = $2 AND p->>'programme' = $3`, c.id, int(last), pids[j].String())
			}); err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: programme %d released joined %d (true %d), held %d (true 0)", mode.name, j, rel.Joined, joined, rel.Held)
			if rel.Joined == joined {
				exact++
			}
			if rel.Held == 0 {
				exact++
			}
			for _, x := range []struct {
				name  string
				shown programme.Count
				value int64
			}{{"joined", u.Joined, rel.Joined}, {"held_employees", u.HeldEmployees, rel.Held}} {
				switch {
				case x.value >= int64(report.Floor) && (x.shown.Value == nil || int64(*x.shown.Value) != x.value):
					t.Errorf("%s: %s shows %+v, the release holds %d", mode.name, x.name, x.shown, x.value)
				case x.value < int64(report.Floor) && (x.shown.Value != nil || !x.shown.Suppressed):
					t.Errorf("%s: %s shows %+v, the release holds %d (below min_group)", mode.name, x.name, x.shown, x.value)
				}
			}
			if !mode.on && (u.Joined.Value == nil || *u.Joined.Value != joined) {
				t.Errorf("noise off: joined shows %+v, want exactly %d", u.Joined, joined)
			}
		}
		if mode.on && exact == 2*len(pids) {
			t.Errorf("noise on: every released uptake count is exact: no noise")
		}
	}
	// Nothing moves in either world, so the game is at chance: the bound
	// is ½ (μ = 0), and the noise-off run cannot beat it either.
	n := float64(trials)
	for mi, mode := range noiseModes {
		acc := float64(right[mi]) / n
		t.Logf("live counters, %s: accuracy %.3f over %d trials; bound 0.500, allowed up to %.3f", mode.name, acc, trials, 0.5+tolerance(0.5, trials))
		if acc > 0.5+tolerance(0.5, trials) {
			t.Errorf("live counters, %s: the attacker is right in %.3f of trials, above chance", mode.name, acc)
		}
	}
}

// openProgramme creates an open programme as HR and invites everyone.
func openProgramme(t *testing.T, c *repCompany) uuid.UUID {
	t.Helper()
	var p programme.Programme
	if st := c.hr.Do("POST", c.path("programmes"), map[string]any{"template": "high_stress_followup", "mode": "open"}, &p); st != http.StatusCreated {
		t.Fatalf("create programme: %d", st)
	}
	var inv struct{ Invited int }
	if st := c.hr.Do("POST", c.path("programmes/"+p.ID.String()+"/enrolments"), map[string]any{}, &inv); st != http.StatusCreated || inv.Invited != len(c.emps) {
		t.Fatalf("invite: %d %+v", st, inv)
	}
	return p.ID
}

// joinProgramme joins the employee's invitation to programme pid.
func joinProgramme(t *testing.T, emp *apptest.Client, pid uuid.UUID) {
	t.Helper()
	for _, e := range myEnrolments(t, emp) {
		if e.ProgrammeID == pid {
			if st := emp.Do("POST", "/api/v1/me/enrolments/"+e.ID.String()+"/join", nil, nil); st != http.StatusOK {
				t.Fatalf("join: %d", st)
			}
			return
		}
	}
	t.Fatalf("no invitation to %s", pid)
}

func uptakesEqual(a, b []programme.Uptake) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

// Attack 5, the timing of an opt-out: the target held a session in
// month M0 (released) and in M1; the secret is whether they opted out
// (PUT /api/v1/me/report-opt-out) before M1's release. The attacker reads
// the same ranges before the opt-out, after it and after M1's release,
// watches every status code, and says "opted out" iff the department's
// participants fell from M0 to M1 (a withheld number counts as
// min_group − 1). Every answer must be 200 in both worlds (the not yet
// released month is a 422 for a range made of it alone, whatever the
// data), nothing may move before the release, and the guess must be at
// chance with noise.
func TestReportAttackTheTimingOfAnOptOut(t *testing.T) {
	t.Parallel()
	const trials = 40
	env := newRepEnv(t)
	mu, bound := gaussianBound(t, oneSessionMoves)
	first := report.MonthOf(2012, time.January)
	const dept = "営業部"
	var right [2]int
	for mi, mode := range noiseModes {
		// 営業部: 12 who hold a session every month, then one target per
		// trial (each trial's target is a different named employee).
		c := env.company(t, repDept{dept, 12 + trials}, repDept{"管理部", 10})
		coins := trialCoins(5, uint64(mi), trials)
		members := c.byDept[dept]
		regulars, targets := members[:12], members[12:]
		var ss []repSession
		m0 := func(i int) report.Month { return first + report.Month(2*i) }
		for i := range trials {
			for _, m := range []report.Month{m0(i), m0(i) + 1} {
				for _, e := range append(append([]int{}, regulars...), targets[i]) {
					ss = append(ss, repSession{Emp: e, Month: m, Theme: "career"})
				}
			}
		}
		c.hold(t, ss...)
		env.setNoise(mode.on)
		var firsts, seconds []report.Month
		for i := range trials {
			firsts, seconds = append(firsts, m0(i)), append(seconds, m0(i)+1)
		}
		c.releaseAll(t, firsts)

		ranges := monthRanges(first, 2*trials)
		readAll := func(stage string) ([][]byte, map[string]repCell) {
			bodies := make([][]byte, len(ranges))
			cells := map[string]repCell{}
			for j, r := range ranges {
				resp := c.hr.Raw("GET", c.path("reports?"+r+"&by=department,month"), "", nil)
				if resp.Status != http.StatusOK {
					t.Fatalf("%s, %s: %s: status %d %s", mode.name, stage, r, resp.Status, resp.Body)
				}
				var b repBody
				decode(t, resp.Body, &b)
				for _, cell := range b.Cells {
					cells[cell.Key] = cell
				}
				bodies[j] = resp.Body
			}
			return bodies, cells
		}
		notYet := func(stage string) {
			var e apptest.APIError
			r := c.hr.Raw("GET", c.path("reports?from="+seconds[0].String()+"&to="+seconds[0].String()+"&by=department"), "", nil)
			decode(t, r.Body, &e)
			if r.Status != http.StatusUnprocessableEntity || e.Error.Code != "not_released" || e.Error.Fields["from"] == "" {
				t.Errorf("%s, %s: an unreleased month alone answers %d %+v, want 422 not_released naming from", mode.name, stage, r.Status, e.Error)
			}
		}
		// Every target signs in, in both worlds: the worlds differ in the
		// opt-out alone.
		signedIn := make([]*apptest.Client, trials)
		for i := range trials {
			signedIn[i] = c.login(t, targets[i])
		}
		rosterRaw := func() []byte {
			r := c.hr.Raw("GET", c.path("employees?per_page=100"), "", nil)
			if r.Status != http.StatusOK {
				t.Fatalf("roster: %d", r.Status)
			}
			return r.Body
		}
		before, cellsBefore := readAll("before")
		before = append(before, rosterRaw())
		notYet("before")
		for i, out := range coins {
			if !out {
				continue
			}
			var o struct {
				OptOut bool `json:"opt_out"`
			}
			if st := signedIn[i].Do("PUT", "/api/v1/me/report-opt-out", map[string]bool{"opt_out": true}, &o); st != http.StatusOK || !o.OptOut {
				t.Fatalf("opt out: %d %+v", st, o)
			}
		}
		between, _ := readAll("after the opt-outs")
		between = append(between, rosterRaw())
		notYet("after the opt-outs")
		for j := range before {
			if !bytes.Equal(before[j], between[j]) {
				what := "the roster"
				if j < len(ranges) {
					what = ranges[j]
				}
				t.Errorf("%s: %s moved before any release:\n%s\n%s", mode.name, what, before[j], between[j])
			}
		}
		for i := range trials {
			if cell := cellsBefore[dept+"|"+seconds[i].String()]; !cell.Suppressed || cell.Reason != report.ReasonNotReleased {
				t.Errorf("%s: %s before its release: %+v", mode.name, seconds[i], cell)
			}
		}
		c.releaseAll(t, seconds)
		_, after := readAll("after the release")
		k := float64(report.Floor)
		for i, out := range coins {
			key0, key1 := dept+"|"+m0(i).String(), dept+"|"+seconds[i].String()
			if p, a := cellsBefore[key0], after[key0]; !intPtrEqual(p.Employees, a.Employees) || !intPtrEqual(p.Sessions, a.Sessions) {
				t.Errorf("%s: %s changed after its release: %+v → %+v", mode.name, key0, p, a)
			}
			p0, p1 := shownOr(after[key0].Employees, k-1), shownOr(after[key1].Employees, k-1)
			if guess := p1 < p0-0.5; guess == out {
				right[mi]++
			}
		}
	}
	judge(t, "the timing of an opt-out", trials, right[0], right[1], mu, bound)
}

func intPtrEqual(a, b *int) bool {
	return (a == nil && b == nil) || (a != nil && b != nil && *a == *b)
}

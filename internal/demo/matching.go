package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/taiwa/taiwa/internal/matching"
)

// fitArchetypes are the value profiles (matching.ValueItems order) people
// are drawn around, so that some counsellors really are closer to some
// employees than others: growth-minded, steady, people-first, independent,
// principled.
var fitArchetypes = [][10]int{
	{4, 5, 3, 5, 3, 2, 2, 1, 3, 3},
	{2, 2, 3, 3, 2, 5, 4, 4, 4, 3},
	{3, 2, 3, 2, 1, 3, 3, 3, 5, 5},
	{5, 4, 4, 3, 2, 2, 1, 1, 3, 4},
	{3, 2, 2, 4, 3, 4, 5, 3, 4, 4},
}

// fitAnswers draws values around an archetype and a style, as the text of
// two smallint[].
func fitAnswers(r *rand.Rand) (values, style string) {
	a := fitArchetypes[r.IntN(len(fitArchetypes))]
	v := make([]string, len(a))
	for i, x := range a {
		v[i] = strconv.Itoa(min(5, max(1, x+r.IntN(3)-1)))
	}
	s := make([]string, len(matching.StyleItems))
	for i := range s {
		s[i] = strconv.Itoa(1 + r.IntN(5))
	}
	return "{" + strings.Join(v, ",") + "}", "{" + strings.Join(s, ",") + "}"
}

// demoFitThemes are the themes demo employees want to talk about, weighted
// towards what is common.
var demoFitThemes = []string{"career", "career", "career", "relationships", "work_life", "engagement", "mental_health", "onboarding"}

// demoPreferences draws varied preferences: mostly soft wishes, a few
// hard ones (gender, English, a format) so some lists are narrowed.
func demoPreferences(r *rand.Rand) matching.Preferences {
	p := matching.Preferences{AgeBands: []string{}, Languages: []string{}, Formats: []string{}, Industries: []string{}, TimeOfDay: []string{}}
	switch r.IntN(10) {
	case 0, 1:
		p.Gender = "female"
	case 2:
		p.Gender = "male"
	}
	if r.IntN(12) == 0 {
		p.Languages = []string{"en"}
	}
	if r.IntN(6) == 0 {
		p.Formats = []string{pick(r, []string{"video", "phone", "in_person"})}
	}
	if r.IntN(2) == 0 {
		p.AgeBands = []string{pick(r, []string{"30s", "40s", "50s"})}
	}
	if r.IntN(3) > 0 {
		p.Industries = []string{pick(r, []string{"it", "manufacturing", "finance", "retail", "logistics"})}
	}
	if r.IntN(2) == 0 {
		p.TimeOfDay = []string{pick(r, []string{"morning", "daytime", "evening"})}
	}
	return p
}

// seedFitProfiles gives every verified counsellor their values and style
// answers, and employees emp0002 … emp0040 of サンプル商事 a whole fit
// profile with varied themes and preferences. emp0001 stays unanswered:
// the demo shows the questionnaire first.
func seedFitProfiles(ctx context.Context, tx *sqlx.Tx, r *rand.Rand) (int, error) {
	var counselors []struct {
		ID     uuid.UUID `db:"id"`
		UserID uuid.UUID `db:"user_id"`
	}
	if err := tx.SelectContext(ctx, &counselors, `
		SELECT c.id, c.user_id FROM counselors c JOIN users u ON u.id = c.user_id
		WHERE c.status = 'verified' ORDER BY u.email`); err != nil {
		return 0, err
	}
	ids, users, vals, styles := make([]string, len(counselors)), make([]string, len(counselors)), make([]string, len(counselors)), make([]string, len(counselors))
	for i, c := range counselors {
		ids[i], users[i] = c.ID.String(), c.UserID.String()
		vals[i], styles[i] = fitAnswers(r)
	}
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO counselor_fit_profiles (counselor_id, user_id, value_answers, style_answers)
		SELECT id::uuid, user_id::uuid, v::smallint[], s::smallint[]
		FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS t(id, user_id, v, s)`,
		pq.Array(ids), pq.Array(users), pq.Array(vals), pq.Array(styles)); err != nil {
		return 0, fmt.Errorf("counsellor fit profiles: %w", err)
	}

	var emps []struct {
		CompanyID uuid.UUID `db:"company_id"`
		UserID    uuid.UUID `db:"id"`
	}
	if err := tx.SelectContext(ctx, &emps, `
		SELECT company_id, id FROM users
		WHERE email BETWEEN $1 AND $2 AND role = 'employee' ORDER BY email`,
		"emp0002@"+sampleShoji.domain, "emp0040@"+sampleShoji.domain); err != nil {
		return 0, err
	}
	n := len(emps)
	companies, eids, evals, estyles, themes, prefs := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	for i, e := range emps {
		companies[i], eids[i] = e.CompanyID.String(), e.UserID.String()
		evals[i], estyles[i] = fitAnswers(r)
		themes[i] = pick(r, demoFitThemes)
		b, err := json.Marshal(demoPreferences(r))
		if err != nil {
			return 0, err
		}
		prefs[i] = string(b)
	}
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO employee_fit_profiles (company_id, user_id, value_answers, style_answers, theme, preferences)
		SELECT c::uuid, u::uuid, v::smallint[], s::smallint[], th, p::jsonb
		FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) AS t(c, u, v, s, th, p)`,
		pq.Array(companies), pq.Array(eids), pq.Array(evals), pq.Array(estyles), pq.Array(themes), pq.Array(prefs)); err != nil {
		return 0, fmt.Errorf("employee fit profiles: %w", err)
	}
	return len(counselors) + n, nil
}

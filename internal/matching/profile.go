package matching

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/taiwa/taiwa/internal/counselor"
	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/db"
)

// validateAnswers checks one block of items (values or style): every item
// answered, each 1–5, no unknown item. Problems go into bad as
// "block.item".
func validateAnswers(block string, items []string, got map[string]int, bad map[string]string) {
	for _, it := range items {
		v, ok := got[it]
		switch {
		case !ok:
			bad[block+"."+it] = "required"
		case v < 1 || v > 5:
			bad[block+"."+it] = "must be between 1 and 5"
		}
	}
	for k := range got {
		if !slices.Contains(items, k) {
			bad[block+"."+k] = "unknown item"
		}
	}
}

// checkCodes reports the first value of values that is not in codes.
func checkCodes(field string, values, codes []string, bad map[string]string) {
	for _, v := range values {
		if !slices.Contains(codes, v) {
			bad["preferences."+field] = fmt.Sprintf("unknown code %q", v)
			return
		}
	}
}

// dedupe returns values without repeats, in their vocabulary's order.
func dedupe(values, codes []string) []string {
	out := []string{}
	for _, c := range codes {
		if slices.Contains(values, c) {
			out = append(out, c)
		}
	}
	return out
}

// Validate checks fp for role (employee or counselor) and returns the
// normalised profile: preference lists deduplicated in vocabulary order,
// "any" gender stored as "". Every problem is reported by field name.
func Validate(role auth.Role, fp FitProfile) (FitProfile, error) {
	bad := map[string]string{}
	validateAnswers("values", ValueItems, fp.Values, bad)
	validateAnswers("style", StyleItems, fp.Style, bad)
	out := FitProfile{Values: fp.Values, Style: fp.Style}
	if role == auth.RoleCounselor {
		if fp.Preferences != nil {
			bad["preferences"] = "only employees state preferences"
		}
		if fp.Theme != "" {
			bad["theme"] = "only employees choose a theme"
		}
	} else {
		if fp.Theme != "" && !slices.Contains(counselor.Themes, fp.Theme) {
			bad["theme"] = "unknown theme"
		}
		out.Theme = fp.Theme
		p := Preferences{}
		if fp.Preferences != nil {
			p = *fp.Preferences
		}
		if p.Gender != "" && !slices.Contains(GenderPreferences, p.Gender) {
			bad["preferences.gender"] = "must be female, male or any"
		}
		checkCodes("age_bands", p.AgeBands, counselor.AgeBands, bad)
		checkCodes("languages", p.Languages, counselor.Languages, bad)
		checkCodes("formats", p.Formats, counselor.Formats, bad)
		checkCodes("industries", p.Industries, counselor.Industries, bad)
		checkCodes("job_functions", p.JobFunctions, counselor.JobFunctions, bad)
		checkCodes("time_of_day", p.TimeOfDay, TimesOfDay, bad)
		norm := Preferences{
			Gender:       p.Gender,
			AgeBands:     dedupe(p.AgeBands, counselor.AgeBands),
			Languages:    dedupe(p.Languages, counselor.Languages),
			Formats:      dedupe(p.Formats, counselor.Formats),
			Industries:   dedupe(p.Industries, counselor.Industries),
			JobFunctions: dedupe(p.JobFunctions, counselor.JobFunctions),
			TimeOfDay:    dedupe(p.TimeOfDay, TimesOfDay),
		}
		if norm.Gender == "any" {
			norm.Gender = ""
		}
		out.Preferences = &norm
	}
	if len(bad) > 0 {
		keys := make([]string, 0, len(bad))
		for k := range bad {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		return FitProfile{}, apperr.Invalid("the questionnaire has problems: "+keys[0], bad)
	}
	return out, nil
}

// answersArray turns answers into the stored array, in items' order.
func answersArray(items []string, got map[string]int) pq.Int64Array {
	a := make(pq.Int64Array, len(items))
	for i, it := range items {
		a[i] = int64(got[it])
	}
	return a
}

// answersMap is the inverse of answersArray.
func answersMap(items []string, a pq.Int64Array) map[string]int {
	m := make(map[string]int, len(items))
	for i, it := range items {
		if i < len(a) {
			m[it] = int(a[i])
		}
	}
	return m
}

// SaveFitProfile validates and stores the actor's answers (employees and
// counsellors; counsellors' preferences and theme are refused). Answers
// outside 1–5 are 400 naming the item, e.g. values.power.
func (s *Service) SaveFitProfile(ctx context.Context, actor auth.Principal, fp FitProfile) (FitProfile, error) {
	if err := actor.Require(auth.RoleEmployee, auth.RoleCounselor); err != nil {
		return FitProfile{}, err
	}
	norm, err := Validate(actor.Role, fp)
	if err != nil {
		return FitProfile{}, err
	}
	now := s.Clock.Now().UTC()
	norm.UpdatedAt = now
	vals, style := answersArray(ValueItems, norm.Values), answersArray(StyleItems, norm.Style)
	err = s.DB.InTx(ctx, actor.Scope(), func(tx *sqlx.Tx) error {
		if actor.Role == auth.RoleCounselor {
			cid, err := ownCounselorID(ctx, tx, actor.UserID)
			if err != nil {
				return err
			}
			_, err = tx.ExecContext(ctx, `
				INSERT INTO counselor_fit_profiles (counselor_id, user_id, value_answers, style_answers, updated_at)
				VALUES ($1, $2, $3, $4, $5)
				ON CONFLICT (counselor_id) DO UPDATE SET value_answers = excluded.value_answers,
					style_answers = excluded.style_answers, updated_at = excluded.updated_at`,
				cid, actor.UserID, vals, style, now)
			return err
		}
		prefs, err := json.Marshal(norm.Preferences)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `
			INSERT INTO employee_fit_profiles (company_id, user_id, value_answers, style_answers, theme, preferences, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)
			ON CONFLICT (company_id, user_id) DO UPDATE SET value_answers = excluded.value_answers,
				style_answers = excluded.style_answers, theme = excluded.theme,
				preferences = excluded.preferences, updated_at = excluded.updated_at`,
			actor.CompanyID, actor.UserID, vals, style, norm.Theme, prefs, now)
		return err
	})
	if err != nil {
		return FitProfile{}, fmt.Errorf("save fit profile: %w", err)
	}
	return norm, nil
}

// ownCounselorID is the counsellor row of userID; not_found without one.
func ownCounselorID(ctx context.Context, tx *sqlx.Tx, userID uuid.UUID) (uuid.UUID, error) {
	var id uuid.UUID
	err := tx.GetContext(ctx, &id, `SELECT id FROM counselors WHERE user_id = $1`, userID)
	if db.IsNoRows(err) {
		return id, apperr.NotFound("counselor")
	}
	return id, err
}

// storedProfile is one row of either fit profile table.
type storedProfile struct {
	Values      pq.Int64Array `db:"value_answers"`
	Style       pq.Int64Array `db:"style_answers"`
	Theme       string        `db:"theme"`
	Preferences []byte        `db:"preferences"`
	UpdatedAt   time.Time     `db:"updated_at"`
}

func (r storedProfile) profile() (FitProfile, error) {
	fp := FitProfile{Values: answersMap(ValueItems, r.Values), Style: answersMap(StyleItems, r.Style), Theme: r.Theme, UpdatedAt: r.UpdatedAt}
	if r.Preferences != nil {
		fp.Preferences = &Preferences{}
		if err := json.Unmarshal(r.Preferences, fp.Preferences); err != nil {
			return FitProfile{}, fmt.Errorf("decode preferences: %w", err)
		}
	}
	return fp, nil
}

// loadEmployeeProfile reads the employee's own row (RLS backs the filter).
func loadEmployeeProfile(ctx context.Context, tx *sqlx.Tx, actor auth.Principal) (FitProfile, error) {
	var r storedProfile
	err := db.Prepare(ctx, tx, `
		SELECT value_answers, style_answers, theme, preferences, updated_at
		FROM employee_fit_profiles WHERE company_id = $1 AND user_id = $2`).GetContext(ctx, &r, actor.CompanyID, actor.UserID)
	if db.IsNoRows(err) {
		return FitProfile{}, apperr.NotFound("fit_profile")
	}
	if err != nil {
		return FitProfile{}, err
	}
	return r.profile()
}

// MyFitProfile returns the actor's answers; not_found until answered.
func (s *Service) MyFitProfile(ctx context.Context, actor auth.Principal) (FitProfile, error) {
	if err := actor.Require(auth.RoleEmployee, auth.RoleCounselor); err != nil {
		return FitProfile{}, err
	}
	var fp FitProfile
	err := s.DB.InTx(ctx, actor.Scope(), func(tx *sqlx.Tx) error {
		if actor.Role == auth.RoleEmployee {
			var err error
			fp, err = loadEmployeeProfile(ctx, tx, actor)
			return err
		}
		var r storedProfile
		err := tx.GetContext(ctx, &r, `
			SELECT f.value_answers, f.style_answers, '' AS theme, NULL AS preferences, f.updated_at
			FROM counselor_fit_profiles f JOIN counselors c ON c.id = f.counselor_id
			WHERE c.user_id = $1`, actor.UserID)
		if db.IsNoRows(err) {
			return apperr.NotFound("fit_profile")
		}
		if err != nil {
			return err
		}
		fp, err = r.profile()
		return err
	})
	if err != nil {
		return FitProfile{}, fmt.Errorf("fit profile: %w", err)
	}
	return fp, nil
}

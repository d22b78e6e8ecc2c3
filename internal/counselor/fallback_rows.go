package counselor

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// never is how counselor_search writes "valid with no end".
const never = "infinity"

// fallbackRow is a listing as the counselor_search table stores it (see
// migrations/00004_counselor_search.sql): validity per theme and kind as
// last days, the other vocabularies as bit sets.
type fallbackRow struct {
	id                 uuid.UUID
	listedUntil        string
	themeUntil         []sql.NullString
	kindUntil          []sql.NullString
	industries, jobFns int
	languages, formats int
	gender, ageBand    *string
	years              int
	rating             *float64
	nextAvailable      any
	text               string
}

// fallbackRow derives the table row from the projection. Only credentials
// valid when it was computed count: time only moves them out of validity,
// which the query's own today takes care of.
func (p projection) fallbackRow() fallbackRow {
	r := fallbackRow{
		id: p.ID, themeUntil: make([]sql.NullString, len(Themes)), kindUntil: make([]sql.NullString, len(CredentialKinds)),
		industries: bits(Industries, p.Industries), jobFns: bits(JobFunctions, p.JobFunctions),
		languages: bits(Languages, p.Languages), formats: bits(Formats, p.Formats),
		gender: p.Gender, ageBand: p.AgeBand, years: p.YearsExperience, rating: p.RatingAvg,
		text: searchText(p.DisplayName, p.Kana, p.Bio),
	}
	if p.NextAvailableAt != nil {
		r.nextAvailable = *p.NextAvailableAt
	}
	last := func(creds []ListedCredential) sql.NullString {
		var out sql.NullString
		for _, c := range creds {
			d := never
			if c.ExpiresOn != nil {
				d = *c.ExpiresOn
			}
			if !out.Valid || later(d, out.String) {
				out = sql.NullString{String: d, Valid: true}
			}
		}
		return out
	}
	r.listedUntil = last(p.Creds).String
	for i, kind := range CredentialKinds {
		r.kindUntil[i] = last(slices.DeleteFunc(slices.Clone(p.Creds), func(c ListedCredential) bool { return c.Kind != kind }))
	}
	for i, theme := range Themes {
		if slices.Contains(p.Themes, theme) {
			r.themeUntil[i] = last(slices.DeleteFunc(slices.Clone(p.Creds), func(c ListedCredential) bool {
				return !ThemeAllowed(theme, []string{c.Kind})
			}))
		}
	}
	return r
}

// later compares two last days, "infinity" being the latest.
func later(a, b string) bool {
	if a == never || b == never {
		return a == never && b != never
	}
	return a > b
}

// bits sets bit i for each of codes' i-th code that values holds.
func bits(codes, values []string) int {
	n := 0
	for i, c := range codes {
		if slices.Contains(values, c) {
			n |= 1 << i
		}
	}
	return n
}

// searchText is what the fallback's words are looked for in: the name,
// the reading in katakana and hiragana, and the bio, lower-cased.
func searchText(name, kana, bio string) string {
	return strings.ToLower(strings.Join([]string{name, toKatakana(kana), toHiragana(kana), bio}, "\n"))
}

// fallbackColumns are counselor_search's columns in the order of values().
const fallbackColumns = `counselor_id, listed_until, theme_until, kind_until, industry_bits, job_function_bits,
	language_bits, format_bits, gender, age_band, years_experience, rating_avg, next_available_at, search_text`

func (r fallbackRow) values() []any {
	return []any{r.id, r.listedUntil, pq.Array(r.themeUntil), pq.Array(r.kindUntil), r.industries, r.jobFns,
		r.languages, r.formats, r.gender, r.ageBand, r.years, r.rating, r.nextAvailable, r.text}
}

// writeFallbackRows upserts rows, 500 to a statement.
func writeFallbackRows(ctx context.Context, tx *sqlx.Tx, rows []fallbackRow) error {
	for batch := range slices.Chunk(rows, 500) {
		var b strings.Builder
		var args []any
		b.WriteString(`INSERT INTO counselor_search (` + fallbackColumns + `) VALUES `)
		for i, r := range batch {
			if i > 0 {
				b.WriteString(", ")
			}
			v := r.values()
			b.WriteString("(")
			for j := range v {
				if j > 0 {
					b.WriteString(", ")
				}
				args = append(args, v[j])
				b.WriteString("$" + strconv.Itoa(len(args)))
				switch j {
				case 1:
					b.WriteString("::date")
				case 2, 3:
					b.WriteString("::date[]")
				}
			}
			b.WriteString(")")
		}
		b.WriteString(` ON CONFLICT (counselor_id) DO UPDATE SET
			listed_until = excluded.listed_until, theme_until = excluded.theme_until, kind_until = excluded.kind_until,
			industry_bits = excluded.industry_bits, job_function_bits = excluded.job_function_bits,
			language_bits = excluded.language_bits, format_bits = excluded.format_bits, gender = excluded.gender,
			age_band = excluded.age_band, years_experience = excluded.years_experience, rating_avg = excluded.rating_avg,
			next_available_at = excluded.next_available_at, search_text = excluded.search_text, updated_at = now()`)
		if _, err := tx.ExecContext(ctx, b.String(), args...); err != nil {
			return fmt.Errorf("write counselor_search: %w", err)
		}
	}
	return nil
}

// deleteFallbackRows removes counsellors who are no longer listed.
func deleteFallbackRows(ctx context.Context, tx *sqlx.Tx, ids []uuid.UUID) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := tx.ExecContext(ctx, `DELETE FROM counselor_search WHERE counselor_id = ANY ($1::uuid[])`, pq.Array(ids))
	return err
}

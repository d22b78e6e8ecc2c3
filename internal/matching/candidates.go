package matching

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/taiwa/taiwa/internal/counselor"
)

// hardFilter is the SQL of the hard constraints for one request: listed
// today, verified, the theme allowed by a valid credential, a free slot
// ahead, not dismissed; and each hard preference by name, so the
// narrowing can count without one. Codes come from our vocabularies.
type hardFilter struct {
	base  []string
	prefs map[string]string // hard preference → condition
	args  []any
	now   string // the placeholder of the request's time
}

func (f *hardFilter) arg(v any) string {
	f.args = append(f.args, v)
	return "$" + strconv.Itoa(len(f.args))
}

func newHardFilter(s *Seeker, now time.Time, dismissed []uuid.UUID) *hardFilter {
	f := &hardFilter{prefs: map[string]string{}}
	today := f.arg(counselor.Today(now))
	ti := slices.Index(counselor.Themes, s.Theme) + 1
	f.base = []string{
		"s.listed_until >= " + today + "::date",
		"s.theme_until[" + strconv.Itoa(ti) + "] >= " + today + "::date",
		"m.status = 'verified'",
	}
	f.now = f.arg(now)
	f.base = append(f.base, "m.next_available_at > "+f.now)
	if len(dismissed) > 0 {
		f.base = append(f.base, "s.counselor_id <> ALL ("+f.arg(pq.Array(dismissed))+"::uuid[])")
	}
	if s.Gender != "" {
		f.prefs["gender"] = "s.gender = " + f.arg(s.Gender)
	}
	if s.Languages != 0 {
		f.prefs["languages"] = "s.language_bits & " + strconv.Itoa(int(s.Languages)) + " <> 0"
	}
	if s.Formats != 0 {
		f.prefs["formats"] = "s.format_bits & " + strconv.Itoa(int(s.Formats)) + " <> 0"
	}
	return f
}

// where is the condition with every hard preference except those skipped.
func (f *hardFilter) where(skip ...string) string {
	conds := slices.Clone(f.base)
	for _, p := range narrowOrder {
		if c, ok := f.prefs[p]; ok && !slices.Contains(skip, p) {
			conds = append(conds, c)
		}
	}
	return strings.Join(conds, " AND ")
}

// loadCandidates reads every counsellor that passes the hard constraints,
// with what the model scores. The rows come back packed into one text
// (a line per counsellor, fields separated by spaces): decoding thousands
// of rows column by column cost more than the query itself.
func loadCandidates(ctx context.Context, tx *sqlx.Tx, s *Seeker, f *hardFilter) ([]Candidate, error) {
	tau := ExposureHalfLife.Seconds() / 0.6931471805599453
	query := `SELECT coalesce(string_agg(concat_ws(' ', s.counselor_id, coalesce(nullif(s.gender, ''), '-'), coalesce(nullif(s.age_band, ''), '-'),
			s.language_bits, s.format_bits, s.industry_bits, s.job_function_bits, s.years_experience,
			coalesce(m.rating_avg, 0), m.rating_count,
			floor(extract(epoch FROM m.next_available_at))::bigint, coalesce(floor(extract(epoch FROM m.verified_at))::bigint, 0),
			coalesce(array_to_string(f.value_answers, '') || array_to_string(f.style_answers, ''), '-'),
			coalesce(e.decayed * exp(-greatest(0, extract(epoch FROM (` + f.now + `::timestamptz - e.updated_at))) / ` +
		strconv.FormatFloat(tau, 'f', 0, 64) + `), 0)::float8,
			m.time_of_day), E'\n'), '')
		FROM counselor_search s
		JOIN counselor_match m ON m.counselor_id = s.counselor_id
		LEFT JOIN counselor_fit_profiles f ON f.counselor_id = s.counselor_id
		LEFT JOIN counselor_exposure e ON e.counselor_id = s.counselor_id
		WHERE ` + f.where()
	var packed string
	if err := tx.GetContext(ctx, &packed, query, f.args...); err != nil {
		return nil, err
	}
	themeBit := bit(counselor.Themes, s.Theme)
	out := make([]Candidate, 0, strings.Count(packed, "\n")+1)
	for line := range strings.SplitSeq(packed, "\n") {
		if line == "" {
			continue
		}
		c, err := parseCandidate(line)
		if err != nil {
			return nil, fmt.Errorf("candidate %q: %w", line, err)
		}
		c.Verified, c.Themes = true, themeBit
		out = append(out, c)
	}
	return out, nil
}

// parseCandidate reads one packed line of loadCandidates.
func parseCandidate(line string) (Candidate, error) {
	var c Candidate
	f := strings.SplitN(line, " ", 15)
	if len(f) != 15 {
		return c, fmt.Errorf("%d fields", len(f))
	}
	var err error
	if c.ID, err = uuid.Parse(f[0]); err != nil {
		return c, err
	}
	if f[1] != "-" {
		c.Gender = f[1]
	}
	if f[2] != "-" {
		c.AgeBand = f[2]
	}
	ints := [...]*int64{new(int64), new(int64), new(int64), new(int64), new(int64)}
	for i, p := range ints {
		if *p, err = strconv.ParseInt(f[3+i], 10, 64); err != nil {
			return c, err
		}
	}
	c.Languages, c.Formats, c.Industries, c.JobFunctions, c.Years = uint32(*ints[0]), uint32(*ints[1]), uint32(*ints[2]), uint32(*ints[3]), int(*ints[4])
	if c.RatingAvg, err = strconv.ParseFloat(f[8], 64); err != nil {
		return c, err
	}
	if c.RatingCount, err = strconv.Atoi(f[9]); err != nil {
		return c, err
	}
	next, err := strconv.ParseInt(f[10], 10, 64)
	if err != nil {
		return c, err
	}
	c.NextAvailable = time.Unix(next, 0).UTC()
	verified, err := strconv.ParseInt(f[11], 10, 64)
	if err != nil {
		return c, err
	}
	if verified > 0 {
		c.VerifiedAt = time.Unix(verified, 0).UTC()
	}
	if a := f[12]; len(a) == len(c.Values)+len(c.Style) {
		c.HasFit = true
		for i := range len(a) {
			d := a[i]
			if d < '1' || d > '5' {
				c.HasFit = false
				break
			}
			if i < len(c.Values) {
				c.Values[i] = int8(d - '0')
			} else {
				c.Style[i-len(c.Values)] = int8(d - '0')
			}
		}
	}
	if c.Exposure, err = strconv.ParseFloat(f[13], 64); err != nil {
		return c, err
	}
	tod, err := strconv.ParseInt(f[14], 10, 64)
	c.TimeOfDay = uint32(tod)
	return c, err
}

// parseAnswers reads a smallint[] in text form ("{1,5,3}") into dst; false
// when it does not hold exactly len(dst) answers 1–5.
func parseAnswers(s string, dst []int8) bool {
	s = strings.TrimSuffix(strings.TrimPrefix(s, "{"), "}")
	n := 0
	for part := range strings.SplitSeq(s, ",") {
		if n == len(dst) || len(part) != 1 || part[0] < '1' || part[0] > '5' {
			return false
		}
		dst[n] = int8(part[0] - '0')
		n++
	}
	return n == len(dst)
}

// countWithout counts the counsellors passing every hard constraint, and
// without each hard preference in force in turn.
func countWithout(ctx context.Context, tx *sqlx.Tx, f *hardFilter) (all int, without map[string]int, err error) {
	exprs := []string{"count(*) FILTER (WHERE " + f.where() + ")"}
	var names []string
	for _, p := range narrowOrder {
		if _, ok := f.prefs[p]; ok {
			names = append(names, p)
			exprs = append(exprs, "count(*) FILTER (WHERE "+f.where(p)+")")
		}
	}
	var counts pq.Int64Array
	err = tx.GetContext(ctx, &counts, `SELECT ARRAY[`+strings.Join(exprs, ", ")+`]
		FROM counselor_search s JOIN counselor_match m ON m.counselor_id = s.counselor_id WHERE `+f.where(names...), f.args...)
	if err != nil {
		return 0, nil, err
	}
	without = map[string]int{}
	for i, p := range names {
		without[p] = int(counts[i+1])
	}
	return int(counts[0]), without, nil
}

// loadDismissals reads the employee's "not for me" list with what the
// penalties compare.
func loadDismissals(ctx context.Context, tx *sqlx.Tx, companyID, userID uuid.UUID) ([]Dismissal, error) {
	rows, err := tx.QueryContext(ctx, `
		SELECT d.counselor_id, d.reason, coalesce(c.gender, ''), coalesce(c.age_band, ''),
		       f.value_answers::text, f.style_answers::text
		FROM match_dismissals d
		JOIN counselors c ON c.id = d.counselor_id
		LEFT JOIN counselor_fit_profiles f ON f.counselor_id = d.counselor_id
		WHERE d.company_id = $1 AND d.employee_user_id = $2
		ORDER BY d.created_at, d.counselor_id`, companyID, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Dismissal
	for rows.Next() {
		var d Dismissal
		var vals, styles sql.NullString
		if err := rows.Scan(&d.Counselor.ID, &d.Reason, &d.Counselor.Gender, &d.Counselor.AgeBand, &vals, &styles); err != nil {
			return nil, err
		}
		if vals.Valid && styles.Valid {
			d.Counselor.HasFit = parseAnswers(vals.String, d.Counselor.Values[:]) && parseAnswers(styles.String, d.Counselor.Style[:])
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// bumpExposure counts one more recommendation for each of ids, decaying
// the old count first. Rows are locked in id order (no deadlocks).
func bumpExposure(ctx context.Context, tx *sqlx.Tx, ids []uuid.UUID, now time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	sorted := slices.Clone(ids)
	slices.SortFunc(sorted, func(a, b uuid.UUID) int { return slices.Compare(a[:], b[:]) })
	tau := ExposureHalfLife.Seconds() / 0.6931471805599453
	_, err := tx.ExecContext(ctx, `
		INSERT INTO counselor_exposure (counselor_id, decayed, updated_at)
		SELECT id, 1, $2 FROM unnest($1::uuid[]) AS id
		ON CONFLICT (counselor_id) DO UPDATE SET
			decayed = counselor_exposure.decayed
			          * exp(-greatest(0, extract(epoch FROM (excluded.updated_at - counselor_exposure.updated_at))) / `+strconv.FormatFloat(tau, 'f', 0, 64)+`) + 1,
			updated_at = greatest(excluded.updated_at, counselor_exposure.updated_at)`,
		pq.Array(sorted), now)
	return err
}

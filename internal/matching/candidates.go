package matching

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/taiwa/taiwa/internal/counselor"
	"github.com/taiwa/taiwa/internal/platform/db"
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
		"m.listed_until >= " + today + "::date",
		"m.theme_until[" + strconv.Itoa(ti) + "] >= " + today + "::date",
		"m.status = 'verified'",
	}
	f.now = f.arg(now)
	f.base = append(f.base, "m.next_available_at > "+f.now)
	if len(dismissed) > 0 {
		f.base = append(f.base, "m.counselor_id <> ALL ("+f.arg(pq.Array(dismissed))+"::uuid[])")
	}
	if s.Gender != "" {
		f.prefs["gender"] = "m.gender = " + f.arg(s.Gender)
	}
	if s.Languages != 0 {
		f.prefs["languages"] = "m.language_bits & " + strconv.Itoa(int(s.Languages)) + " <> 0"
	}
	if s.Formats != 0 {
		f.prefs["formats"] = "m.format_bits & " + strconv.Itoa(int(s.Formats)) + " <> 0"
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

// decayedExposure is count, last bumped at (unix seconds), decayed to now.
func decayedExposure(count float64, at int64, now time.Time) float64 {
	age := max(0, float64(now.Unix()-at))
	return count * math.Exp(-age/exposureTau())
}

// exposureTau is the exposure's decay time constant in seconds.
func exposureTau() float64 { return ExposureHalfLife.Seconds() / math.Ln2 }

// parseCandidate reads one line of loadCandidates: the packed fields of
// migrations/00006, in order. It walks the line once without allocating.
func parseCandidate(line string, now time.Time) (Candidate, error) {
	var c Candidate
	p := fieldReader{rest: line}
	var err error
	if c.ID, err = uuid.Parse(p.next()); err != nil {
		return c, err
	}
	if g := p.next(); g != "-" {
		c.Gender = g
	}
	if a := p.next(); a != "-" {
		c.AgeBand = a
	}
	c.Languages, c.Formats = uint32(p.int()), uint32(p.int())
	c.Industries, c.JobFunctions = uint32(p.int()), uint32(p.int())
	c.Years = int(p.int())
	c.RatingAvg = p.float()
	c.RatingCount = int(p.int())
	c.NextAvailable = time.Unix(p.int(), 0).UTC()
	if verified := p.int(); verified > 0 {
		c.VerifiedAt = time.Unix(verified, 0).UTC()
	}
	if a := p.next(); len(a) == len(c.Values)+len(c.Style) {
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
	c.TimeOfDay = uint32(p.int())
	count := p.float()
	c.Exposure = decayedExposure(count, p.int(), now)
	if p.err == nil && p.rest != "" {
		p.err = fmt.Errorf("trailing %q", p.rest)
	}
	return c, p.err
}

// exposureFields returns the last two fields of a packed line: the raw
// exposure count and when it was last bumped (the cache keeps them and
// decays per request).
func exposureFields(line string) (count float64, at int64, err error) {
	i := strings.LastIndexByte(line, ' ')
	j := strings.LastIndexByte(line[:max(i, 0)], ' ')
	if i < 0 || j < 0 {
		return 0, 0, fmt.Errorf("no exposure fields")
	}
	if count, err = strconv.ParseFloat(line[j+1:i], 64); err != nil {
		return 0, 0, err
	}
	at, err = strconv.ParseInt(line[i+1:], 10, 64)
	return count, at, err
}

// fieldReader reads space-separated fields, keeping the first error.
type fieldReader struct {
	rest string
	err  error
}

func (r *fieldReader) next() string {
	if r.err != nil {
		return ""
	}
	f, rest, found := strings.Cut(r.rest, " ")
	if f == "" && !found && r.rest == "" {
		r.err = fmt.Errorf("missing field")
	}
	r.rest = rest
	return f
}

func (r *fieldReader) int() int64 {
	f := r.next()
	if r.err != nil {
		return 0
	}
	n, err := strconv.ParseInt(f, 10, 64)
	r.err = err
	return n
}

func (r *fieldReader) float() float64 {
	f := r.next()
	if r.err != nil {
		return 0
	}
	x, err := strconv.ParseFloat(f, 64)
	r.err = err
	return x
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
		FROM counselor_match m WHERE `+f.where(names...), f.args...)
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
	rows, err := db.Prepare(ctx, tx, `
		SELECT d.counselor_id, d.reason, coalesce(c.gender, ''), coalesce(c.age_band, ''),
		       f.value_answers::text, f.style_answers::text
		FROM match_dismissals d
		JOIN counselors c ON c.id = d.counselor_id
		LEFT JOIN counselor_fit_profiles f ON f.counselor_id = d.counselor_id
		WHERE d.company_id = $1 AND d.employee_user_id = $2
		ORDER BY d.created_at, d.counselor_id`).QueryxContext(ctx, companyID, userID)
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

package counselor

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/search"
)

// postgresSearch is the fallback: the counselor_search table filtered,
// counted, faceted and ordered in one statement, then the page's listings
// read through the listing projection.
type postgresSearch struct{ s *Service }

// fallbackOrders are the ORDER BY of each sort over counselor_search; NULLs
// go last and ties to the id, as in Meilisearch. Relevance without an
// engine is the engine's order for a query without words.
var fallbackOrders = map[string]string{
	"relevance":  "rating_avg DESC NULLS LAST, counselor_id",
	"rating":     "rating_avg DESC NULLS LAST, counselor_id",
	"soonest":    "next_available_at ASC NULLS LAST, counselor_id",
	"experience": "years_experience DESC, counselor_id",
}

// holds is the SQL condition "the row holds code i of filter f" at the
// query's today ($1). Codes come from our vocabularies, never from input.
func holds(f searchFilter, i int) string {
	switch f.param {
	case "theme":
		return "theme_until[" + strconv.Itoa(i+1) + "] >= $1::date"
	case "credential":
		return "kind_until[" + strconv.Itoa(i+1) + "] >= $1::date"
	case "gender", "age_band":
		return f.param + " = '" + f.codes[i] + "'"
	}
	return f.param + "_bits & " + strconv.Itoa(1<<i) + " <> 0"
}

// holdsAny is "the row holds one of values of filter f".
func holdsAny(f searchFilter, values []string) string {
	var or []string
	for i, c := range f.codes {
		if slices.Contains(values, c) {
			or = append(or, holds(f, i))
		}
	}
	if len(or) == 0 {
		return "false"
	}
	return "(" + strings.Join(or, " OR ") + ")"
}

func (p postgresSearch) search(ctx context.Context, q SearchQuery, now time.Time) (SearchResult, error) {
	args := []any{listingDay(now)}
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	conds := []string{"listed_until >= $1::date"}
	for _, f := range searchFilters {
		if vals := *f.dst(&q); len(vals) > 0 {
			conds = append(conds, holdsAny(f, vals))
		}
	}
	for _, u := range q.Understood {
		if f, ok := filterByParam(u.Filter); ok {
			conds = append(conds, holdsAny(f, []string{u.Value}))
		}
	}
	if q.AvailableWithinDays > 0 {
		// The engine compares whole seconds: floor(t) in [lo, hi] ⇔ lo ≤ t < hi+1.
		lo, hi := availableWindow(now, q.AvailableWithinDays)
		conds = append(conds, "next_available_at >= to_timestamp("+arg(lo)+") AND next_available_at < to_timestamp("+arg(hi+1)+")")
	}
	if q.Q != "" {
		cond, err := textCondition(q.Q, arg)
		if err != nil {
			return SearchResult{}, err
		}
		conds = append(conds, cond)
	}
	counts := []string{"count(*)"}
	for _, f := range searchFilters {
		for i := range f.codes {
			counts = append(counts, "count(*) FILTER (WHERE "+holds(f, i)+")")
		}
	}
	order := fallbackOrders[q.Sort]
	// hits leaves the wide search_text behind: only what counts and orders.
	query := `WITH hits AS MATERIALIZED (
			SELECT counselor_id, theme_until, kind_until, industry_bits, job_function_bits, language_bits, format_bits,
			       gender, age_band, years_experience, rating_avg, next_available_at
			FROM counselor_search WHERE ` + strings.Join(conds, " AND ") + `)
		SELECT ARRAY[` + strings.Join(counts, ", ") + `] AS counts,
		       (SELECT coalesce(array_agg(counselor_id ORDER BY ` + order + `), '{}') FROM (
		           SELECT counselor_id, rating_avg, next_available_at, years_experience FROM hits
		           ORDER BY ` + order + ` LIMIT ` + arg(q.PerPage) + ` OFFSET ` + arg((q.Page-1)*q.PerPage) + `) pg) AS ids
		FROM hits`
	var row struct {
		Counts pq.Int64Array  `db:"counts"`
		IDs    pq.StringArray `db:"ids"`
	}
	var items []projection
	err := p.s.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		if err := tx.GetContext(ctx, &row, query, args...); err != nil {
			return err
		}
		ids := make([]uuid.UUID, len(row.IDs))
		for i, s := range row.IDs {
			ids[i] = uuid.MustParse(s)
		}
		var err error
		items, err = loadProjections(ctx, tx, now, ids)
		return err
	})
	if err != nil {
		return SearchResult{}, err
	}
	res := SearchResult{Items: make([]Listing, 0, len(row.IDs)), Total: int(row.Counts[0]), Page: q.Page, PerPage: q.PerPage, Engine: EnginePostgres}
	byID := make(map[string]projection, len(items))
	for _, it := range items {
		byID[it.ID.String()] = it
	}
	for _, id := range row.IDs {
		if it, ok := byID[id]; ok {
			res.Items = append(res.Items, it.listing())
		}
	}
	res.Facets = map[string]map[string]int{}
	k := 1
	for _, f := range searchFilters {
		m := make(map[string]int, len(f.codes))
		for _, c := range f.codes {
			m[c] = int(row.Counts[k])
			k++
		}
		res.Facets[f.param] = m
	}
	return res, nil
}

// labelFilters are the filters whose codes have words in search/labels.json,
// by the labels' kind.
var labelFilters = map[string]string{
	"themes": "theme", "credentials": "credential", "industries": "industry",
	"job_functions": "job_function", "languages": "language", "formats": "format",
}

// textCondition is the fallback's free-text match: every word of q must
// match, as itself, a synonym (search/synonyms.json) or its other kana,
// the name, the reading or the bio (substring, case-insensitive), or the
// words of a code the counsellor holds (a theme, credential, industry, …).
func textCondition(q string, arg func(any) string) (string, error) {
	cfg, err := searchConfig()
	if err != nil {
		return "", err
	}
	var terms []string
	for _, word := range strings.Fields(q) {
		alts := expandWord(word, cfg.Synonyms)
		var or []string
		for _, a := range alts {
			or = append(or, "strpos(search_text, "+arg(strings.ToLower(a))+") > 0")
		}
		for _, f := range searchFilters {
			kind := ""
			for k, param := range labelFilters {
				if param == f.param {
					kind = k
				}
			}
			if codes := codesNamed(cfg.Labels[kind], alts); kind != "" && len(codes) > 0 {
				or = append(or, holdsAny(f, codes))
			}
		}
		terms = append(terms, "("+strings.Join(or, " OR ")+")")
	}
	if len(terms) == 0 {
		return "true", nil
	}
	return strings.Join(terms, " AND "), nil
}

// expandWord returns word, its synonyms and the other kana spelling of
// each (ひらがな ⇔ カタカナ), without repeats.
func expandWord(word string, synonyms map[string][]string) []string {
	alts := []string{word}
	for k, syn := range synonyms {
		if strings.EqualFold(k, word) {
			alts = append(alts, syn...)
		}
	}
	out := make([]string, 0, len(alts)*2)
	for _, a := range alts {
		for _, v := range []string{a, toKatakana(a), toHiragana(a)} {
			if !slices.Contains(out, v) {
				out = append(out, v)
			}
		}
	}
	return out
}

// codesNamed returns the codes of a vocabulary one of whose words contains
// one of words (case-insensitive), as ILIKE '%word%' would.
func codesNamed(vocab map[string]search.Labels, words []string) []string {
	var codes []string
	for code, l := range vocab {
		for _, label := range append(slices.Clone(l.JA), l.EN...) {
			if slices.ContainsFunc(words, func(w string) bool {
				return strings.Contains(strings.ToLower(label), strings.ToLower(w))
			}) {
				codes = append(codes, code)
				break
			}
		}
	}
	slices.Sort(codes)
	return codes
}

// toKatakana and toHiragana shift kana between the two syllabaries, whose
// Unicode blocks are 0x60 apart; other runes are kept.
func toKatakana(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'ぁ' && r <= 'ゖ' {
			return r + 0x60
		}
		return r
	}, s)
}

func toHiragana(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'ァ' && r <= 'ヶ' {
			return r - 0x60
		}
		return r
	}, s)
}

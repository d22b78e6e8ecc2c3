package counselor

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/search"
)

// postgresSearch is the fallback: the listing projection filtered, counted
// and faceted in one statement.
type postgresSearch struct{ s *Service }

// fallbackOrders are the ORDER BY of each sort, over listingCTE's columns;
// NULLs go last and ties to the id, as in Meilisearch. Relevance without
// an engine is the engine's order for a query without words.
var fallbackOrders = map[string]string{
	"relevance":  "rating_avg DESC NULLS LAST, id",
	"rating":     "rating_avg DESC NULLS LAST, id",
	"soonest":    "next_available_at ASC NULLS LAST, id",
	"experience": "years_experience DESC, id",
}

// fallbackFacets counts, per facet, the matches holding each value.
const fallbackFacets = `
	SELECT 'theme' AS f, v, count(DISTINCT id) AS n FROM hits, unnest(themes) AS v GROUP BY v
	UNION ALL SELECT 'credential', v, count(DISTINCT id) FROM hits, unnest(kinds) AS v GROUP BY v
	UNION ALL SELECT 'industry', v, count(DISTINCT id) FROM hits, unnest(industries) AS v GROUP BY v
	UNION ALL SELECT 'job_function', v, count(DISTINCT id) FROM hits, unnest(job_functions) AS v GROUP BY v
	UNION ALL SELECT 'language', v, count(DISTINCT id) FROM hits, unnest(languages) AS v GROUP BY v
	UNION ALL SELECT 'format', v, count(DISTINCT id) FROM hits, unnest(formats) AS v GROUP BY v
	UNION ALL SELECT 'gender', gender, count(*) FROM hits WHERE gender IS NOT NULL GROUP BY gender
	UNION ALL SELECT 'age_band', age_band, count(*) FROM hits WHERE age_band IS NOT NULL GROUP BY age_band`

func (p postgresSearch) search(ctx context.Context, q SearchQuery, now time.Time) (SearchResult, error) {
	args := []any{listingDay(now)}
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	conds := []string{"true"}
	for _, f := range searchFilters {
		vals := *f.dst(&q)
		switch {
		case len(vals) == 0:
		case f.scalar:
			conds = append(conds, f.column+" = ANY ("+arg(pq.Array(vals))+"::text[])")
		default:
			conds = append(conds, f.column+" && "+arg(pq.Array(vals))+"::text[]")
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
	order := fallbackOrders[q.Sort]
	query := listingCTE + `, hits AS MATERIALIZED (SELECT * FROM listed WHERE ` + strings.Join(conds, " AND ") + `)
		SELECT (SELECT count(*) FROM hits) AS total,
		       (SELECT coalesce(jsonb_agg(to_jsonb(pg) ORDER BY ` + order + `), '[]')
		        FROM (SELECT * FROM hits ORDER BY ` + order + ` LIMIT ` + arg(q.PerPage) + ` OFFSET ` + arg((q.Page-1)*q.PerPage) + `) pg) AS items,
		       (SELECT coalesce(jsonb_agg(jsonb_build_array(f, v, n)), '[]') FROM (` + fallbackFacets + `) fc) AS facets`
	var row struct {
		Total  int    `db:"total"`
		Items  []byte `db:"items"`
		Facets []byte `db:"facets"`
	}
	err := p.s.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		return tx.GetContext(ctx, &row, query, args...)
	})
	if err != nil {
		return SearchResult{}, err
	}
	var items []projection
	if err := json.Unmarshal(row.Items, &items); err != nil {
		return SearchResult{}, fmt.Errorf("decode items: %w", err)
	}
	res := SearchResult{Items: make([]Listing, len(items)), Total: row.Total, Page: q.Page, PerPage: q.PerPage, Engine: EnginePostgres}
	for i, it := range items {
		res.Items[i] = it.listing()
	}
	var counts [][3]any
	if err := json.Unmarshal(row.Facets, &counts); err != nil {
		return SearchResult{}, fmt.Errorf("decode facets: %w", err)
	}
	raw := map[string]map[string]int{}
	for _, c := range counts {
		f, _ := c[0].(string)
		v, _ := c[1].(string)
		n, _ := c[2].(float64)
		if raw[f] == nil {
			raw[f] = map[string]int{}
		}
		raw[f][v] = int(n)
	}
	res.Facets = completeFacets(raw)
	return res, nil
}

// labelColumns are the listing columns whose codes have words in
// search/labels.json, by the labels' kind.
var labelColumns = []struct{ kind, column string }{
	{"themes", "themes"}, {"credentials", "kinds"}, {"industries", "industries"},
	{"job_functions", "job_functions"}, {"languages", "languages"}, {"formats", "formats"},
}

// textCondition is the fallback's free-text match: every word of q must
// match, as itself, a synonym (search/synonyms.json) or its other kana,
// the name, the reading, the bio (ILIKE) or the words of a code the
// counsellor holds (a theme, credential, industry, …).
func textCondition(q string, arg func(any) string) (string, error) {
	cfg, err := searchConfig()
	if err != nil {
		return "", err
	}
	var terms []string
	for _, word := range strings.Fields(q) {
		alts := expandWord(word, cfg.Synonyms)
		patterns := make([]string, len(alts))
		for i, a := range alts {
			patterns[i] = "%" + escapeLike(a) + "%"
		}
		p := arg(pq.Array(patterns)) + "::text[]"
		or := []string{"display_name ILIKE ANY (" + p + ")", "kana ILIKE ANY (" + p + ")", "bio ILIKE ANY (" + p + ")"}
		for _, lc := range labelColumns {
			if codes := codesNamed(cfg.Labels[lc.kind], alts); len(codes) > 0 {
				or = append(or, lc.column+" && "+arg(pq.Array(codes))+"::text[]")
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

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
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

package matching_test

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/taiwa/taiwa/internal/counselor"
	"github.com/taiwa/taiwa/internal/matching"
	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/db"
)

// randomSpec is a counsellor with random attributes, some of which break
// constraints: pending status, expired or rejected credentials, no slot,
// a slot in the past.
func randomSpec(r *rand.Rand, now time.Time) cspec {
	c := cspec{
		gender:    []string{"female", "male", "other"}[r.IntN(3)],
		ageBand:   counselor.AgeBands[r.IntN(6)],
		languages: subsetOf(r, []string{"ja", "en", "zh"}, "ja"),
		formats:   subsetOf(r, counselor.Formats, ""),
		themes:    subsetOf(r, counselor.Themes, ""),
		years:     r.IntN(30),
		next:      time.Duration(r.IntN(30*24)-48) * time.Hour,
	}
	if r.IntN(10) == 0 {
		c.status = "pending"
	}
	kind := counselor.CredentialKinds[r.IntN(len(counselor.CredentialKinds))]
	cr := credSpec{kind: kind}
	switch r.IntN(8) {
	case 0:
		cr.expires = now.AddDate(0, 0, -1).Format(time.DateOnly)
	case 1:
		cr.status = "pending"
	}
	c.creds = []credSpec{cr}
	for i := range c.values {
		c.values[i] = 1 + r.IntN(5)
	}
	for i := range c.style {
		c.style[i] = 1 + r.IntN(5)
	}
	c.noFit = r.IntN(6) == 0
	return c
}

func subsetOf(r *rand.Rand, codes []string, always string) []string {
	out := []string{}
	for _, c := range codes {
		if c == always || r.IntN(2) == 0 {
			out = append(out, c)
		}
	}
	if len(out) == 0 {
		out = append(out, codes[r.IntN(len(codes))])
	}
	return out
}

// truthRow is what the source tables say of a counsellor.
type truthRow struct {
	Status  string         `db:"status"`
	Gender  *string        `db:"gender"`
	Langs   pq.StringArray `db:"languages"`
	Formats pq.StringArray `db:"formats"`
	Themes  pq.StringArray `db:"themes"`
	Next    *time.Time     `db:"next_available_at"`
	Kinds   pq.StringArray `db:"kinds"`
}

func TestRecommendNeverBreaksAHardConstraintOnRandomPools(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 1)
	ctx := context.Background()
	r := rand.New(rand.NewPCG(11, 12))
	specs := make([]cspec, 150)
	for i := range specs {
		specs[i] = randomSpec(r, f.now)
	}
	made, _ := f.addCounselors(t, specs...)
	// Changes the search table has not heard of yet: the rules still hold.
	for _, id := range made[:10] {
		f.exec(t, `UPDATE counselors SET status = 'suspended' WHERE id = $1`, id)
	}
	for _, id := range made[10:20] {
		f.exec(t, `UPDATE counselors SET next_available_at = $2 WHERE id = $1`, id, f.now.Add(-time.Hour))
	}
	emp := f.emps[0]
	returned := 0
	for round := range 40 {
		fp := answers(1+r.IntN(5), 1+r.IntN(5))
		fp.Theme = counselor.Themes[r.IntN(len(counselor.Themes))]
		p := &matching.Preferences{Gender: []string{"", "female", "male", "any"}[r.IntN(4)]}
		if r.IntN(3) == 0 {
			p.Languages = []string{[]string{"en", "zh", "ja"}[r.IntN(3)]}
		}
		if r.IntN(3) == 0 {
			p.Formats = []string{counselor.Formats[r.IntN(3)]}
		}
		fp.Preferences = p
		if _, err := f.svc.SaveFitProfile(ctx, emp, fp); err != nil {
			t.Fatal(err)
		}
		if round%5 == 4 {
			if err := f.svc.Dismiss(ctx, emp, made[20+r.IntN(len(made)-20)], matching.DismissReasons[r.IntN(7)]); err != nil && !apperr.Is(err, apperr.CodeNotFound) {
				t.Fatal(err)
			}
		}
		var relax []string
		if r.IntN(4) == 0 {
			relax = []string{matching.HardPreferences[r.IntN(3)]}
		}
		res, err := f.svc.Recommend(ctx, emp, matching.Query{Relax: relax})
		if err != nil {
			t.Fatal(err)
		}
		var dismissed []uuid.UUID
		if err := f.env.DB.InTx(ctx, emp.Scope(), func(tx *sqlx.Tx) error {
			return tx.Select(&dismissed, `SELECT counselor_id FROM match_dismissals`)
		}); err != nil {
			t.Fatal(err)
		}
		for _, it := range res.Items {
			returned++
			var row truthRow
			if err := f.env.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
				return tx.Get(&row, `SELECT c.status, c.gender, c.languages, c.formats, c.themes, c.next_available_at,
					ARRAY(SELECT k.kind FROM credentials k WHERE k.counselor_id = c.id AND k.status = 'verified'
					      AND (k.expires_on IS NULL OR k.expires_on >= $2::date)) AS kinds
					FROM counselors c WHERE c.id = $1`, it.Counselor.ID, counselor.Today(f.now))
			}); err != nil {
				t.Fatal(err)
			}
			broken := ""
			switch {
			case row.Status != "verified" || len(row.Kinds) == 0:
				broken = "verified and listed"
			case !slices.Contains(row.Themes, fp.Theme) || !counselor.ThemeAllowed(fp.Theme, row.Kinds):
				broken = "theme allowed by a valid credential"
			case p.Gender != "" && p.Gender != "any" && !slices.Contains(relax, "gender") && (row.Gender == nil || *row.Gender != p.Gender):
				broken = "gender"
			case len(p.Languages) > 0 && !slices.Contains(relax, "languages") && !slices.Contains(row.Langs, p.Languages[0]):
				broken = "languages"
			case len(p.Formats) > 0 && !slices.Contains(relax, "formats") && !slices.Contains(row.Formats, p.Formats[0]):
				broken = "formats"
			case row.Next == nil || !row.Next.After(f.now):
				broken = "a free slot ahead"
			case slices.Contains(dismissed, it.Counselor.ID):
				broken = "not dismissed"
			}
			if broken != "" {
				t.Fatalf("round %d: %s recommended, breaking %s (%+v)", round, it.Counselor.ID, broken, row)
			}
		}
	}
	if returned < 100 {
		t.Fatalf("only %d recommendations over 40 rounds: the pools test too little", returned)
	}
}

package matching_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/taiwa/taiwa/internal/counselor"
	"github.com/taiwa/taiwa/internal/matching"
	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/dbtest"
)

// fixture is a company with employees, its admin and a matching service
// whose clock is fixed at now.
type fixture struct {
	env       *dbtest.Env
	svc       *matching.Service
	now       time.Time
	companyID uuid.UUID
	emps      []auth.Principal
	admin     auth.Principal
	n         int // counsellors made so far
}

// credSpec is one verified credential; expires "" never expires.
type credSpec struct {
	kind, expires string
	status        string // "" verified
}

// cspec describes one counsellor; zero values take defaults.
type cspec struct {
	status                                               string // "" verified
	gender, ageBand                                      string
	languages, formats, themes, industries, jobFunctions []string
	years                                                int
	ratingAvg                                            float64
	ratingCount                                          int
	next                                                 time.Duration // from now; 0: none
	verifiedAgo                                          time.Duration
	creds                                                []credSpec
	values                                               [10]int
	style                                                [3]int
	noFit                                                bool
}

func newFixture(t testing.TB, employees int) *fixture {
	t.Helper()
	env := dbtest.New(t)
	f := &fixture{env: env, now: time.Now().Truncate(time.Second)}
	f.svc = &matching.Service{DB: env.DB, Clock: func() time.Time { return f.now }}
	err := env.DB.InTx(context.Background(), db.System, func(tx *sqlx.Tx) error {
		f.companyID = dbtest.Company(t, tx, dbtest.Name("サンプル"))
		for i := range employees {
			f.emps = append(f.emps, dbtest.Employee(t, tx, f.companyID, fmt.Sprintf("e%d@co.example", i)))
		}
		f.admin = dbtest.CompanyAdmin(t, tx, f.companyID, "hr@co.example")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func or[T any](v, def []T) []T {
	if len(v) == 0 {
		return def
	}
	return v
}

// addCounselors inserts specs (with their principals) and rebuilds the
// search table, as the outbox would.
func (f *fixture) addCounselors(t testing.TB, specs ...cspec) ([]uuid.UUID, []auth.Principal) {
	t.Helper()
	ids := make([]uuid.UUID, len(specs))
	ps := make([]auth.Principal, len(specs))
	err := f.env.DB.InTx(context.Background(), db.System, func(tx *sqlx.Tx) error {
		for i, c := range specs {
			f.n++
			opts := []dbtest.Option{dbtest.Name("カウンセラー"), dbtest.Status(c.status), dbtest.DisplayName(fmt.Sprintf("カウンセラー%d", f.n)),
				dbtest.Profile(c.gender, c.ageBand, c.years), dbtest.Languages(or(c.languages, []string{"ja"})...),
				dbtest.Formats(or(c.formats, []string{"video"})...), dbtest.Themes(or(c.themes, []string{"career", "engagement"})...),
				dbtest.Industries(c.industries...), dbtest.JobFunctions(c.jobFunctions...), dbtest.VerifiedAt(f.now.Add(-verifiedAgo(c)))}
			if c.ratingCount > 0 {
				opts = append(opts, dbtest.Rating(c.ratingAvg, c.ratingCount))
			}
			if c.next != 0 {
				opts = append(opts, dbtest.NextAvailable(f.now.Add(c.next)))
			}
			for _, cr := range or(c.creds, []credSpec{{kind: "career_consultant"}}) {
				opts = append(opts, dbtest.CredentialOn(cr.kind, fmt.Sprintf("R%d", f.n), "2015-04-01", cr.expires, cr.status))
			}
			ps[i], ids[i] = dbtest.Counsellor(t, tx, fmt.Sprintf("c%d@counsel.example", f.n), opts...)
			if !c.noFit {
				vals, style := make([]int64, 10), make([]int64, 3)
				for k := range vals {
					vals[k] = int64(max(1, c.values[k]))
				}
				for k := range style {
					style[k] = int64(max(1, c.style[k]))
				}
				if _, err := tx.Exec(`INSERT INTO counselor_fit_profiles (counselor_id, user_id, value_answers, style_answers) VALUES ($1, $2, $3, $4)`,
					ids[i], ps[i].UserID, pq.Array(vals), pq.Array(style)); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	f.reindex(t)
	return ids, ps
}

// verifiedAgo defaults to a year: no newcomer boost.
func verifiedAgo(c cspec) time.Duration {
	if c.verifiedAgo == 0 {
		return 365 * 24 * time.Hour
	}
	return c.verifiedAgo
}

// reindex rebuilds counselor_search from the source tables.
func (f *fixture) reindex(t testing.TB) {
	t.Helper()
	cs := &counselor.Service{DB: f.env.DB, Clock: func() time.Time { return f.now }}
	if _, err := cs.Reindex(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// exec runs q as the system.
func (f *fixture) exec(t testing.TB, q string, args ...any) {
	t.Helper()
	if err := f.env.DB.InTx(context.Background(), db.System, func(tx *sqlx.Tx) error {
		_, err := tx.Exec(q, args...)
		return err
	}); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// answers is a questionnaire with every value item v and style item st.
func answers(v, st int) matching.FitProfile {
	fp := matching.FitProfile{Values: map[string]int{}, Style: map[string]int{}}
	for _, it := range matching.ValueItems {
		fp.Values[it] = v
	}
	for _, it := range matching.StyleItems {
		fp.Style[it] = st
	}
	return fp
}

package counselor_test

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/taiwa/taiwa/internal/account"
	"github.com/taiwa/taiwa/internal/counselor"
	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/db"
)

// everyday is a listed counsellor of the everyday-words fixture.
type everyday struct {
	name, kana, bio, gender, ageBand string
	cred                             string
	themes, formats, languages       []string
}

// everydayFixture is five counsellors whose filters tell them apart: only
// 綾瀬 mentions 産業カウンセラー, and no bio says 転職, 育休, 女性, パワハラ…
var everydayFixture = []everyday{
	{"綾瀬 美咲", "アヤセ ミサキ", "国家資格キャリアコンサルタントです。産業カウンセラーとしても、働く人の悩みに寄り添ってきました。", "female", "40s",
		"career_consultant", []string{"career", "work_life"}, []string{"video"}, []string{"ja"}},
	{"森 恵", "モリ メグミ", "臨床心理士として、じっくりお話を伺います。", "female", "50s",
		"clinical_psychologist", []string{"mental_health", "return_to_work", "harassment"}, []string{"in_person"}, []string{"ja"}},
	{"加藤 亮", "カトウ リョウ", "社会保険労務士として職場の労務に関わってきました。", "male", "40s",
		"labor_attorney", []string{"harassment", "work_life"}, []string{"video", "phone"}, []string{"ja", "en"}},
	{"田中 誠", "タナカ マコト", "人材会社での勤務を経て独立しました。", "male", "30s",
		"career_consultant", []string{"career"}, []string{"phone"}, []string{"ja"}},
	{"佐藤 直子", "サトウ ナオコ", "事業場で働く人の健康を支えてきました。", "female", "60s",
		"occupational_physician", []string{"mental_health", "return_to_work", "high_stress_followup"}, []string{"video"}, []string{"ja"}},
}

func (e *searchEnv) makeEveryday() {
	e.t.Helper()
	ctx := context.Background()
	err := e.env.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		for _, c := range everydayFixture {
			u, err := account.CreateUser(ctx, tx, account.NewUser{Email: uuid.NewString()[:8] + "@taiwa.example", Name: c.name, Role: auth.RoleCounselor, Password: "counselor-pass-2026"})
			if err != nil {
				return err
			}
			var id uuid.UUID
			if err := tx.Get(&id, `
				INSERT INTO counselors (user_id, status, display_name, kana, bio, gender, age_band, years_experience,
				                        languages, formats, themes, industries, job_functions, verified_at)
				VALUES ($1, 'verified', $2, $3, $4, $5, $6, 10, $7, $8, $9, '{it}', '{hr}', now())
				RETURNING id`, u.ID, c.name, c.kana, c.bio, c.gender, c.ageBand,
				pq.Array(c.languages), pq.Array(c.formats), pq.Array(c.themes)); err != nil {
				return err
			}
			if _, err := tx.Exec(`
				INSERT INTO credentials (counselor_id, kind, registration_number, issued_on, status, verified_at)
				VALUES ($1, $2, 'T-' || $2, DATE '2015-04-01', 'verified', now())`, id, c.cred); err != nil {
				return err
			}
			if err := counselor.EnqueueIndex(ctx, tx, id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		e.t.Fatal(err)
	}
	e.drain()
}

func names(res counselor.SearchResult) []string {
	out := make([]string, 0, len(res.Items))
	for _, l := range res.Items {
		out = append(out, l.DisplayName)
	}
	slices.Sort(out)
	return out
}

// TestEverydayWordsFindTheCounsellorsTheyMean: each everyday word finds
// exactly the counsellors of the fixture it means, through Meilisearch and
// through the PostgreSQL fallback alike, and the answer says which
// filters it read.
func TestEverydayWordsFindTheCounsellorsTheyMean(t *testing.T) {
	t.Parallel()
	e := newSearchEnv(t)
	e.makeEveryday()
	const (
		ayase  = "綾瀬 美咲"
		mori   = "森 恵"
		kato   = "加藤 亮"
		tanaka = "田中 誠"
		sato   = "佐藤 直子"
	)
	for _, tc := range []struct {
		q          string
		want       []string
		understood string // filter=value, …
	}{
		{"転職", []string{ayase, tanaka}, "theme=career"},
		{"育休", []string{ayase, kato}, "theme=work_life"},
		{"産休", []string{ayase, kato}, "theme=work_life"},
		{"女性", []string{ayase, mori, sato}, "gender=female"},
		{"女性カウンセラー", []string{ayase, mori, sato}, "gender=female"},
		{"男性", []string{kato, tanaka}, "gender=male"},
		{"産業カウンセラー", []string{ayase}, ""},
		{"女性の産業カウンセラー", []string{ayase}, "gender=female"},
		{"パワハラ", []string{mori, kato}, "theme=harassment"},
		{"セクハラ", []string{mori, kato}, "theme=harassment"},
		{"メンタル", []string{mori, sato}, "theme=mental_health"},
		{"うつ", []string{mori, sato}, "theme=mental_health"},
		{"復職", []string{mori, sato}, "theme=return_to_work"},
		{"ストレスチェック", []string{sato}, "theme=high_stress_followup"},
		{"キャリコン", []string{ayase, tanaka}, "credential=career_consultant"},
		{"産業医", []string{sato}, "credential=occupational_physician"},
		{"オンライン", []string{ayase, kato, sato}, "format=video"},
		{"対面", []string{mori}, "format=in_person"},
		{"英語", []string{kato}, "language=en"},
		{"40代", []string{ayase, kato}, "age_band=40s"},
		// Words combine like words: each must hold.
		{"女性 転職", []string{ayase}, "gender=female,theme=career"},
		{"女性の転職相談", []string{ayase}, "gender=female,theme=career"},
		{"転職 育休", []string{ayase}, "theme=career,theme=work_life"},
		{"男性 パワハラ", []string{kato}, "gender=male,theme=harassment"},
		{"アヤセ 転職", []string{ayase}, "theme=career"},
		{"女性 男性", nil, "gender=female,gender=male"},
	} {
		for _, svc := range []*counselor.Service{e.Engine, e.Fallback} {
			res := search(t, svc, "per_page=100&q="+tc.q)
			if got := names(res); !slices.Equal(got, sortedCopy(tc.want)) {
				t.Errorf("%s: %q finds %v, want %v", res.Engine, tc.q, got, sortedCopy(tc.want))
			}
			var u []string
			for _, x := range res.Understood {
				u = append(u, x.Filter+"="+x.Value)
			}
			if got := strings.Join(u, ","); got != tc.understood {
				t.Errorf("%s: %q understood %q, want %q", res.Engine, tc.q, got, tc.understood)
			}
		}
	}
	if e.Engine.Engine == nil || !e.Engine.Engine.Available() {
		t.Fatal("the engine was not used")
	}
}

func sortedCopy(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// TestSearchThatFindsNobodySuggestsWhatToLeaveOut: a search that finds
// nobody says, per condition, how many leaving it out would find, most
// first, leaving out the ones that would still find nobody; one that finds
// someone suggests nothing.
func TestSearchThatFindsNobodySuggestsWhatToLeaveOut(t *testing.T) {
	t.Parallel()
	e := newSearchEnv(t)
	e.makeEveryday()
	for _, tc := range []struct {
		query string
		want  string // drop:values=total; …
	}{
		// Nobody does career in person: without 対面 2, without 転職 1.
		{"q=転職&format=in_person", "format:in_person=2; q:転職=1"},
		{"q=転職 対面", "q:対面=2; q:転職=1"},
		// A word no one matches: without it, everyone.
		{"q=zzqqxxvv", "q:zzqqxxvv=5"},
		// Three filters; only leaving out the language finds someone.
		{"theme=career&language=en&gender=female", "language:en=1"},
		{"q=女性 男性", "q:男性=3; q:女性=2"},
		{"q=転職", ""},
	} {
		for _, svc := range []*counselor.Service{e.Engine, e.Fallback} {
			res := search(t, svc, tc.query)
			var got []string
			for _, s := range res.Suggestions {
				got = append(got, s.Drop+":"+strings.Join(s.Values, ",")+"="+strconv.Itoa(s.Total))
			}
			if g := strings.Join(got, "; "); g != tc.want {
				t.Errorf("%s: %s suggests %q, want %q", res.Engine, tc.query, g, tc.want)
			}
			if res.Suggestions == nil || res.Understood == nil {
				t.Errorf("%s: %s: suggestions and understood must be lists, not null", res.Engine, tc.query)
			}
		}
	}
}

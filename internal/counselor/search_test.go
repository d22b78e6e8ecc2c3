package counselor_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/taiwa/taiwa/internal/account"
	"github.com/taiwa/taiwa/internal/counselor"
	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/db"
	searchdata "github.com/taiwa/taiwa/search"
)

func TestSearchSettingsAreAppliedFromTheSearchFolder(t *testing.T) {
	t.Parallel()
	e := newSearchEnv(t)
	ctx := context.Background()
	got, err := e.ix.Settings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"display_name", "kana", "labels_ja", "labels_en", "bio"}; !slices.Equal(got.SearchableAttributes, want) {
		t.Errorf("searchable = %v, want %v", got.SearchableAttributes, want)
	}
	for _, a := range []string{"themes", "credential_kinds", "industries", "job_functions", "languages", "gender", "age_band", "formats", "listed_until", "next_available_ts"} {
		if !slices.Contains(got.FilterableAttributes, a) {
			t.Errorf("%s is not filterable: %v", a, got.FilterableAttributes)
		}
	}
	for _, a := range []string{"id", "rating_avg", "next_available_ts", "years_experience"} {
		if !slices.Contains(got.SortableAttributes, a) {
			t.Errorf("%s is not sortable: %v", a, got.SortableAttributes)
		}
	}
	if n := len(got.RankingRules); n < 2 || got.RankingRules[n-2] != "rating_avg:desc" || got.RankingRules[n-1] != "id:asc" {
		t.Errorf("ranking rules = %v, want the id tie-break last", got.RankingRules)
	}
	if !slices.Contains(got.Synonyms["キャリコン"], "キャリアコンサルタント") || !slices.Contains(got.Synonyms["キャリアコンサルタント"], "キャリコン") {
		t.Errorf("synonyms lack キャリコン ⇔ キャリアコンサルタント: %v", got.Synonyms["キャリコン"])
	}
	if got.TypoTolerance == nil || !got.TypoTolerance.Enabled || got.TypoTolerance.MinWordSizeForTypos.OneTypo != 5 {
		t.Errorf("typo tolerance = %+v", got.TypoTolerance)
	}
	if got.Pagination == nil || got.Pagination.MaxTotalHits != 100000 || got.Faceting == nil || got.Faceting.MaxValuesPerFacet != 100 {
		t.Errorf("pagination %+v, faceting %+v", got.Pagination, got.Faceting)
	}
	jpn := false
	for _, la := range got.LocalizedAttributes {
		if slices.Contains(la.Locales, "jpn") && slices.Contains(la.AttributePatterns, "kana") {
			jpn = true
		}
	}
	if !jpn {
		t.Errorf("kana is not localized as Japanese: %+v", got.LocalizedAttributes)
	}
	// Applying again (every start does) changes nothing and does not fail.
	cfg, err := searchdata.Load()
	if err != nil {
		t.Fatal(err)
	}
	if err := e.ix.ApplySettings(ctx, cfg.Settings); err != nil {
		t.Fatal(err)
	}
}

// newListed makes a counsellor directly in the database (as the review
// flow leaves them) and returns their id.
type newListed struct {
	name, kana, bio, status string
	themes                  []string
	creds                   map[string]*string // kind → expires_on (nil: never)
}

func (e *searchEnv) make(n newListed) uuid.UUID {
	e.t.Helper()
	ctx := context.Background()
	var id uuid.UUID
	err := e.env.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		u, err := account.CreateUser(ctx, tx, account.NewUser{Email: uuid.NewString()[:8] + "@taiwa.example", Name: n.name, Role: auth.RoleCounselor, Password: "counselor-pass-2026"})
		if err != nil {
			return err
		}
		if err := tx.Get(&id, `
			INSERT INTO counselors (user_id, status, display_name, kana, bio, gender, age_band, years_experience,
			                        languages, formats, themes, industries, job_functions, verified_at)
			VALUES ($1, $2, $3, $4, $5, 'female', '40s', 12, '{ja}', '{video}', $6, '{it}', '{hr}', now())
			RETURNING id`, u.ID, n.status, n.name, n.kana, n.bio, pq.Array(n.themes)); err != nil {
			return err
		}
		for kind, exp := range n.creds {
			if _, err := tx.Exec(`
				INSERT INTO credentials (counselor_id, kind, registration_number, issued_on, expires_on, status, verified_at)
				VALUES ($1, $2, 'T-' || $2, DATE '2015-04-01', $3::date, 'verified', now())`, id, kind, exp); err != nil {
				return err
			}
		}
		return counselor.EnqueueIndex(ctx, tx, id)
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return id
}

func day(t time.Time) *string {
	s := t.In(time.FixedZone("JST", 9*3600)).Format(time.DateOnly)
	return &s
}

func TestIndexFollowsVerificationSuspensionAndExpiry(t *testing.T) {
	t.Parallel()
	e := newSearchEnv(t)
	now := time.Now()
	id := e.make(newListed{name: "綾瀬 千秋", kana: "アヤセ チアキ", bio: "産業医として復職支援を担当しています。", status: "pending",
		themes: []string{"return_to_work", "career"}, creds: map[string]*string{"occupational_physician": day(now.AddDate(0, 0, 2))}})
	e.drain()
	findable := func(svc *counselor.Service) bool {
		t.Helper()
		_, ok := idSet(search(t, svc, "q=アヤセ"))[id]
		return ok
	}
	if findable(e.Engine) || findable(e.Fallback) {
		t.Fatal("a pending counsellor is findable")
	}

	e.change(id, `UPDATE counselors SET status = 'verified' WHERE id = $1`, id)
	if n := e.drain(); n != 1 {
		t.Fatalf("drained %d rows, want 1", n)
	}
	res := search(t, e.Engine, "q=アヤセ")
	l, ok := idSet(res)[id]
	if !ok || res.Engine != counselor.EngineMeilisearch {
		t.Fatalf("verified counsellor not found through Meilisearch: %s", describe(res))
	}
	// career is offered but no valid credential allows it: not listed.
	if !slices.Equal(l.Themes, []string{"return_to_work"}) || len(l.Credentials) != 1 || l.Credentials[0].Kind != "occupational_physician" {
		t.Fatalf("listing themes %v credentials %+v", l.Themes, l.Credentials)
	}
	got, err := e.Engine.GetListing(context.Background(), employee, id)
	if err != nil || got.DisplayName != "綾瀬 千秋" {
		t.Fatalf("GetListing: %+v %v", got, err)
	}

	e.change(id, `UPDATE counselors SET status = 'suspended', suspended_reason = 'test' WHERE id = $1`, id)
	e.drain()
	if findable(e.Engine) || findable(e.Fallback) {
		t.Fatal("a suspended counsellor is still findable")
	}
	if _, err := e.Engine.GetListing(context.Background(), employee, id); !apperr.Is(err, apperr.CodeNotFound) {
		t.Fatalf("GetListing of a suspended counsellor: %v", err)
	}

	e.change(id, `UPDATE counselors SET status = 'verified', suspended_reason = NULL WHERE id = $1`, id)
	e.drain()
	if !findable(e.Engine) {
		t.Fatal("reinstated counsellor not found")
	}
	// Three days later the only credential has expired; nothing has been
	// reindexed, yet neither engine lists them any more.
	later := now.AddDate(0, 0, 3)
	e.Engine.Clock = func() time.Time { return later }
	e.Fallback.Clock = e.Engine.Clock
	if res := search(t, e.Engine, "q=アヤセ"); res.Engine != counselor.EngineMeilisearch || res.Total != 0 {
		t.Fatalf("expired counsellor still found: %s", describe(res))
	}
	if findable(e.Fallback) {
		t.Fatal("expired counsellor found by the fallback")
	}
	if _, err := e.Engine.GetListing(context.Background(), employee, id); !apperr.Is(err, apperr.CodeNotFound) {
		t.Fatalf("GetListing of an expired counsellor: %v", err)
	}
}

func TestAnExpiredCredentialTakesTheThemesItAllowedAtTheNextIndexing(t *testing.T) {
	t.Parallel()
	e := newSearchEnv(t)
	now := time.Now()
	id := e.make(newListed{name: "水瀬 圭", kana: "ミナセ ケイ", bio: "キャリア相談とコーチング。", status: "verified",
		themes: []string{"career", "engagement"},
		creds:  map[string]*string{"career_consultant": day(now.AddDate(0, 0, 1)), "icf_coach": nil}})
	e.drain()
	l := idSet(search(t, e.Engine, "theme=career"))[id]
	if !slices.Equal(l.Themes, []string{"career", "engagement"}) {
		t.Fatalf("themes before expiry: %v", l.Themes)
	}
	later := now.AddDate(0, 0, 4)
	e.Engine.Clock = func() time.Time { return later }
	e.Fallback.Clock = e.Engine.Clock
	// The fallback computes the rule live; the index follows once the
	// expiry sweep enqueues the counsellor.
	if _, ok := idSet(search(t, e.Fallback, "theme=career"))[id]; ok {
		t.Fatal("fallback still offers career after the career credential expired")
	}
	e.change(id, `SELECT 1`)
	e.drain()
	res := search(t, e.Engine, "q=ミナセ")
	if l := idSet(res)[id]; !slices.Equal(l.Themes, []string{"engagement"}) || len(l.Credentials) != 1 || l.Credentials[0].Kind != "icf_coach" {
		t.Fatalf("after expiry: %+v (%s)", l, describe(res))
	}
	if res.Facets["theme"]["career"] != 0 || res.Facets["credential"]["icf_coach"] != 1 {
		t.Fatalf("facets after expiry: %v", res.Facets)
	}
}

func TestSynonymsFindTheOtherWordsOfTheirGroup(t *testing.T) {
	t.Parallel()
	e := newDemoSearchEnv(t)
	for _, svc := range []*counselor.Service{e.Engine, e.Fallback} {
		// Nobody writes キャリコン: only the synonym can find them.
		res := search(t, svc, "q=キャリコン&per_page=100")
		if res.Total == 0 {
			t.Fatalf("%s: キャリコン finds nobody", res.Engine)
		}
		for _, l := range res.Items {
			if !hasCredential(l, "career_consultant") && !strings.Contains(l.Bio, "キャリアコンサルタント") {
				t.Errorf("%s: キャリコン found %s, no career consultant: %+v", res.Engine, l.DisplayName, l.Credentials)
			}
		}
		full := search(t, svc, "q=キャリアコンサルタント&per_page=100")
		if res.Total != full.Total {
			t.Errorf("%s: キャリコン finds %d, キャリアコンサルタント %d", res.Engine, res.Total, full.Total)
		}
		// メンタル also finds who is labelled メンタルヘルス.
		mental := idSet(search(t, svc, "q=メンタル&per_page=100"))
		health := search(t, svc, "q=メンタルヘルス&per_page=100")
		if health.Total == 0 {
			t.Fatalf("%s: メンタルヘルス finds nobody", health.Engine)
		}
		for _, l := range health.Items {
			if _, ok := mental[l.ID]; !ok {
				t.Errorf("%s: メンタルヘルス finds %s but メンタル does not", health.Engine, l.DisplayName)
			}
		}
		// パワハラ finds harassment counsellors though no one writes it.
		if res := search(t, svc, "q=パワハラ&theme=harassment"); res.Total == 0 {
			t.Errorf("%s: パワハラ finds no harassment counsellor", res.Engine)
		}
	}
}

func hasCredential(l counselor.Listing, kind string) bool {
	return slices.ContainsFunc(l.Credentials, func(c counselor.ListedCredential) bool { return c.Kind == kind })
}

func TestJapaneseAndEnglishWordsFindCodes(t *testing.T) {
	t.Parallel()
	e := newDemoSearchEnv(t)
	for _, tc := range []struct {
		q    string
		want func(counselor.Listing) bool
	}{
		{"公認心理師", func(l counselor.Listing) bool { return hasCredential(l, "certified_public_psychologist") }},
		{"産業医", func(l counselor.Listing) bool { return hasCredential(l, "occupational_physician") }},
		{"clinical psychologist", func(l counselor.Listing) bool { return hasCredential(l, "clinical_psychologist") }},
		{"物流", func(l counselor.Listing) bool { return slices.Contains(l.Industries, "logistics") }},
		{"英語", func(l counselor.Listing) bool { return slices.Contains(l.Languages, "en") }},
	} {
		for _, svc := range []*counselor.Service{e.Engine, e.Fallback} {
			res := search(t, svc, "per_page=100&q="+tc.q)
			if res.Total == 0 {
				t.Errorf("%s: %q finds nobody", res.Engine, tc.q)
			}
			for _, l := range res.Items {
				if !tc.want(l) {
					t.Errorf("%s: %q found %s who does not hold the code", res.Engine, tc.q, l.DisplayName)
					break
				}
			}
		}
	}
	// The reading finds the name, in either kana.
	var name, kana string
	for _, l := range search(t, e.Fallback, "per_page=1").Items {
		name, kana = l.DisplayName, l.Kana
	}
	surname, _, _ := strings.Cut(kana, " ")
	hira := []rune(surname)
	for i, r := range hira {
		hira[i] = r - 0x60
	}
	for _, q := range []string{surname, string(hira)} {
		for _, svc := range []*counselor.Service{e.Engine, e.Fallback} {
			res := search(t, svc, "per_page=100&q="+q)
			if !slices.ContainsFunc(res.Items, func(l counselor.Listing) bool { return l.DisplayName == name }) {
				t.Errorf("%s: reading %q does not find %s", res.Engine, q, name)
			}
		}
	}
}

func TestTypoToleranceFindsMisspelledWords(t *testing.T) {
	t.Parallel()
	e := newDemoSearchEnv(t)
	for q, kind := range map[string]string{"psycholgist": "clinical_psychologist", "physican": "occupational_physician", "carer consultant": "career_consultant"} {
		res := search(t, e.Engine, "per_page=100&q="+q)
		if res.Engine != counselor.EngineMeilisearch || !slices.ContainsFunc(res.Items, func(l counselor.Listing) bool { return hasCredential(l, kind) }) {
			t.Errorf("%q finds no %s: %s", q, kind, describe(res))
		}
	}
}

func TestListingJSONHasAPIShape(t *testing.T) {
	t.Parallel()
	e := newDemoSearchEnv(t)
	res := search(t, e.Engine, "per_page=1")
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	for _, k := range []string{"items", "total", "page", "per_page", "facets", "engine"} {
		if _, ok := m[k]; !ok {
			t.Errorf("answer lacks %q: %s", k, b)
		}
	}
	item := m["items"].([]any)[0].(map[string]any)
	for _, k := range []string{"id", "display_name", "bio", "gender", "age_band", "years_experience", "themes", "credentials", "industries", "job_functions", "languages", "formats", "rating_avg", "next_available_at"} {
		if _, ok := item[k]; !ok {
			t.Errorf("item lacks %q", k)
		}
	}
	cred := item["credentials"].([]any)[0].(map[string]any)
	if cred["verified"] != true || cred["kind"] == "" {
		t.Errorf("credential badge %v", cred)
	}
	facets := m["facets"].(map[string]any)
	for _, f := range []string{"theme", "credential", "industry", "job_function", "language", "gender", "age_band", "format"} {
		if _, ok := facets[f]; !ok {
			t.Errorf("facets lack %q", f)
		}
	}
}

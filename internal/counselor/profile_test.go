package counselor_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/account"
	"github.com/taiwa/taiwa/internal/counselor"
	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/dbtest"
	"github.com/taiwa/taiwa/internal/platform/mail"
	"github.com/taiwa/taiwa/web"
)

// fixture is one test's database, a counsellor service on a movable
// clock, and an operator.
type fixture struct {
	t   *testing.T
	env *dbtest.Env
	svc *counselor.Service
	op  auth.Principal
	now time.Time
	n   int
}

var ctx = context.Background()

func newFixture(t *testing.T) *fixture {
	t.Helper()
	env := dbtest.New(t)
	mailFS, err := fs.Sub(web.FS, "mail")
	if err != nil {
		t.Fatal(err)
	}
	composer, err := mail.NewComposer(mailFS)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, env: env, now: time.Date(2026, 4, 1, 3, 0, 0, 0, time.UTC)} // 12:00 in Japan
	accounts := &account.Service{DB: env.DB, Mail: composer, BaseURL: "http://taiwa.test"}
	f.svc = &counselor.Service{DB: env.DB, Accounts: accounts, Clock: func() time.Time { return f.now }}
	u := f.user(account.NewUser{Email: "operator@taiwa.example", Name: "運営 太郎", Role: auth.RoleOperator, Password: "operator-pass-2026"})
	f.op = auth.Principal{UserID: u.ID, Role: auth.RoleOperator}
	return f
}

func (f *fixture) user(n account.NewUser) account.User {
	f.t.Helper()
	var u account.User
	if err := f.env.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		var err error
		u, err = account.CreateUser(ctx, tx, n)
		return err
	}); err != nil {
		f.t.Fatal(err)
	}
	return u
}

// counselor creates a pending counsellor and returns them signed in.
func (f *fixture) counselor() (auth.Principal, counselor.Counselor) {
	f.t.Helper()
	f.n++
	email := fmt.Sprintf("c%03d@taiwa.example", f.n)
	u := f.user(account.NewUser{Email: email, Name: "相談 花子", Role: auth.RoleCounselor})
	var c counselor.Counselor
	if err := f.env.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		return tx.GetContext(ctx, &c, `INSERT INTO counselors (user_id, display_name) VALUES ($1, $2)
			RETURNING id, user_id, status, created_at`, u.ID, u.Name)
	}); err != nil {
		f.t.Fatal(err)
	}
	return auth.Principal{UserID: u.ID, Role: auth.RoleCounselor, Email: email}, c
}

// credential submits a credential of kind (expiring on expires, "" for
// never) and, when verify is set, has the operator verify it.
func (f *fixture) credential(p auth.Principal, c counselor.Counselor, kind, expires string, verify bool) counselor.Credential {
	f.t.Helper()
	in := counselor.CredentialInput{Kind: kind, RegistrationNumber: "R-" + uuid.NewString()[:8], IssuedOn: "2020-04-01"}
	if expires != "" {
		in.ExpiresOn = &expires
	}
	cr, err := f.svc.SubmitCredential(ctx, p, in)
	if err != nil {
		f.t.Fatalf("submit %s: %v", kind, err)
	}
	if verify {
		if cr, err = f.svc.VerifyCredential(ctx, f.op, c.ID, cr.ID); err != nil {
			f.t.Fatalf("verify %s: %v", kind, err)
		}
	}
	return cr
}

// indexed counts the search index requests queued for counselorID.
func (f *fixture) indexed(counselorID uuid.UUID) int {
	f.t.Helper()
	var n int
	if err := f.env.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		return tx.GetContext(ctx, &n, `SELECT count(*) FROM outbox WHERE kind = $1 AND payload->>'counselor_id' = $2`,
			counselor.IndexKind, counselorID.String())
	}); err != nil {
		f.t.Fatal(err)
	}
	return n
}

func validProfile() counselor.ProfileInput {
	female, forties := "female", "40s"
	return counselor.ProfileInput{
		DisplayName: "山田 花子", Kana: "やまだ はなこ", Bio: "キャリアの悩みに寄り添います。", Gender: &female, AgeBand: &forties,
		YearsExperience: 12, Languages: []string{"ja", "en"}, Formats: []string{"video", "phone"},
		Themes: []string{}, Industries: []string{"it"}, JobFunctions: []string{"engineering"}, RateJPY: 8000,
	}
}

func fieldsOf(err error) map[string]string {
	if e, ok := apperr.As(err); ok && e.Code == apperr.CodeInvalid {
		return e.Fields
	}
	return nil
}

func TestUpdateProfileRefusesBadInputNamingTheField(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	p, _ := f.counselor()
	str := func(s string) *string { return &s }
	cases := []struct {
		name  string
		edit  func(*counselor.ProfileInput)
		field string
	}{
		{"empty name", func(in *counselor.ProfileInput) { in.DisplayName = "  " }, "display_name"},
		{"long name", func(in *counselor.ProfileInput) { in.DisplayName = strings.Repeat("花", 81) }, "display_name"},
		{"kanji in kana", func(in *counselor.ProfileInput) { in.Kana = "山田はなこ" }, "kana"},
		{"latin in kana", func(in *counselor.ProfileInput) { in.Kana = "yamada" }, "kana"},
		{"long kana", func(in *counselor.ProfileInput) { in.Kana = strings.Repeat("あ", 121) }, "kana"},
		{"long bio", func(in *counselor.ProfileInput) { in.Bio = strings.Repeat("話", 4001) }, "bio"},
		{"NUL in bio", func(in *counselor.ProfileInput) { in.Bio = "はじめまして\x00" }, "bio"},
		{"line break in name", func(in *counselor.ProfileInput) { in.DisplayName = "山田\n花子" }, "display_name"},
		{"unknown gender", func(in *counselor.ProfileInput) { in.Gender = str("robot") }, "gender"},
		{"unknown age band", func(in *counselor.ProfileInput) { in.AgeBand = str("80s") }, "age_band"},
		{"negative years", func(in *counselor.ProfileInput) { in.YearsExperience = -1 }, "years_experience"},
		{"too many years", func(in *counselor.ProfileInput) { in.YearsExperience = 71 }, "years_experience"},
		{"no language", func(in *counselor.ProfileInput) { in.Languages = nil }, "languages"},
		{"unknown language", func(in *counselor.ProfileInput) { in.Languages = []string{"ja", "xx"} }, "languages"},
		{"duplicate language", func(in *counselor.ProfileInput) { in.Languages = []string{"ja", "ja"} }, "languages"},
		{"no format", func(in *counselor.ProfileInput) { in.Formats = []string{} }, "formats"},
		{"unknown format", func(in *counselor.ProfileInput) { in.Formats = []string{"carrier_pigeon"} }, "formats"},
		{"unknown theme", func(in *counselor.ProfileInput) { in.Themes = []string{"astrology"} }, "themes"},
		{"duplicate theme", func(in *counselor.ProfileInput) { in.Themes = []string{"onboarding", "onboarding"} }, "themes"},
		{"unknown industry", func(in *counselor.ProfileInput) { in.Industries = []string{"mining"} }, "industries"},
		{"unknown job function", func(in *counselor.ProfileInput) { in.JobFunctions = []string{"astronaut"} }, "job_functions"},
		{"negative rate", func(in *counselor.ProfileInput) { in.RateJPY = -1 }, "rate_jpy"},
		{"huge rate", func(in *counselor.ProfileInput) { in.RateJPY = 1_000_001 }, "rate_jpy"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := validProfile()
			c.edit(&in)
			_, err := f.svc.UpdateProfile(ctx, p, in)
			if fs := fieldsOf(err); fs[c.field] == "" {
				t.Fatalf("err = %v, want 400 naming %s", err, c.field)
			}
		})
	}
	got, err := f.svc.MyProfile(ctx, p)
	if err != nil || got.DisplayName != "相談 花子" || got.Bio != "" {
		t.Fatalf("refused updates changed the profile: %+v (%v)", got, err)
	}
}

func TestUpdateProfileStoresAcceptedValuesAndQueuesReindex(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	p, c := f.counselor()
	in := validProfile()
	in.Kana = " ヤマダ・ハナコー　やまだ "
	in.Gender, in.AgeBand = nil, nil
	got, err := f.svc.UpdateProfile(ctx, p, in)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != c.ID || got.Kana != "ヤマダ・ハナコー　やまだ" || got.Gender != nil || got.YearsExperience != 12 ||
		!slices.Equal(got.Languages, []string{"ja", "en"}) || got.RateJPY != 8000 || got.Status != "pending" {
		t.Fatalf("profile = %+v", got)
	}
	again, err := f.svc.MyProfile(ctx, p)
	if err != nil || again.DisplayName != "山田 花子" || !slices.Equal(again.Formats, []string{"video", "phone"}) {
		t.Fatalf("read back %+v (%v)", again, err)
	}
	if n := f.indexed(c.ID); n != 1 {
		t.Fatalf("search index requests = %d, want 1", n)
	}
	var action string
	if err := f.env.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		return tx.GetContext(ctx, &action, `SELECT action FROM audit_log WHERE target_id = $1 ORDER BY id DESC LIMIT 1`, c.ID.String())
	}); err != nil || action != "counselor.profile.update" {
		t.Fatalf("audit action = %q (%v)", action, err)
	}
}

func TestProfileIsOnlyForCounsellors(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	if _, err := f.svc.UpdateProfile(ctx, f.op, validProfile()); !apperr.Is(err, apperr.CodeForbidden) {
		t.Fatalf("operator updating a profile: %v, want forbidden", err)
	}
	if _, err := f.svc.MyProfile(ctx, auth.Principal{UserID: uuid.New(), Role: auth.RoleEmployee}); !apperr.Is(err, apperr.CodeForbidden) {
		t.Fatalf("employee reading a profile: %v, want forbidden", err)
	}
}

// themeAllowedWant is API.md's table, written out independently of codes.go.
func themeAllowedWant(theme, kind string) bool {
	clinical := []string{"certified_public_psychologist", "clinical_psychologist", "occupational_physician", "public_health_nurse"}
	switch theme {
	case "mental_health", "high_stress_followup", "return_to_work":
		return slices.Contains(clinical, kind)
	case "career":
		return kind == "career_consultant"
	case "harassment":
		return kind == "labor_attorney" || kind == "certified_public_psychologist" || kind == "clinical_psychologist"
	}
	return true
}

// TestThemeRuleForEveryThemeAndCredential tries every theme with every
// single verified credential: allowed ones are stored, others answer 422
// credential_required naming the theme and the credentials it needs.
func TestThemeRuleForEveryThemeAndCredential(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, kind := range counselor.CredentialKinds {
		p, c := f.counselor()
		f.credential(p, c, kind, "", true)
		for _, theme := range counselor.Themes {
			in := validProfile()
			in.Themes = []string{theme}
			got, err := f.svc.UpdateProfile(ctx, p, in)
			if themeAllowedWant(theme, kind) {
				if err != nil || !slices.Equal(got.Themes, []string{theme}) {
					t.Errorf("%s with %s: %v %v, want stored", theme, kind, got.Themes, err)
				}
				continue
			}
			e, ok := apperr.As(err)
			if !ok || e.Code != apperr.CodeUnprocessable || e.APICode() != "credential_required" {
				t.Errorf("%s with %s: %v, want 422 credential_required", theme, kind, err)
				continue
			}
			if !strings.Contains(e.Message, theme) {
				t.Errorf("%s with %s: message %q does not name the theme", theme, kind, e.Message)
			}
			for _, need := range counselor.ThemeNeeds(theme) {
				if !strings.Contains(e.Message, need) {
					t.Errorf("%s with %s: message %q does not name %s", theme, kind, e.Message, need)
				}
			}
		}
	}
}

func TestThemeRuleIgnoresPendingRejectedAndExpiredCredentials(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	p, c := f.counselor()
	in := validProfile()
	in.Themes = []string{"engagement"}
	_, err := f.svc.UpdateProfile(ctx, p, in)
	if e, ok := apperr.As(err); !ok || e.APICode() != "credential_required" || !strings.Contains(e.Message, "any verified") {
		t.Fatalf("no credential at all: %v, want credential_required for any verified credential", err)
	}
	var missing counselor.MissingCredentials
	if !errors.As(err, &missing) || len(missing) != 1 || missing[0].Theme != "engagement" || missing[0].Needs != nil {
		t.Fatalf("the refusal does not carry the missing credentials: %#v", missing)
	}

	f.credential(p, c, "career_consultant", "", false) // pending
	in.Themes = []string{"career"}
	if _, err := f.svc.UpdateProfile(ctx, p, in); !apperr.Is(err, apperr.CodeUnprocessable) {
		t.Fatalf("a pending credential allowed career: %v", err)
	}

	rejected := f.credential(p, c, "career_consultant", "2030-01-01", false)
	if _, err := f.svc.RejectCredential(ctx, f.op, c.ID, rejected.ID, "番号が確認できません"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.UpdateProfile(ctx, p, in); !apperr.Is(err, apperr.CodeUnprocessable) {
		t.Fatalf("a rejected credential allowed career: %v", err)
	}

	f.credential(p, c, "career_consultant", "2026-04-10", true)
	f.now = time.Date(2026, 4, 10, 14, 59, 0, 0, time.UTC) // 23:59 on the 10th in Japan: still valid
	if _, err := f.svc.UpdateProfile(ctx, p, in); err != nil {
		t.Fatalf("on its last day the credential did not allow career: %v", err)
	}
	f.now = time.Date(2026, 4, 10, 15, 0, 0, 0, time.UTC) // 00:00 on the 11th in Japan
	_, err = f.svc.UpdateProfile(ctx, p, in)
	if e, ok := apperr.As(err); !ok || e.APICode() != "credential_required" || !strings.Contains(e.Message, "career_consultant") {
		t.Fatalf("an expired credential: %v, want credential_required naming career_consultant", err)
	}
	got, _ := f.svc.MyProfile(ctx, p)
	if len(got.AllowedThemes) != 0 {
		t.Fatalf("allowed themes with only an expired credential: %v", got.AllowedThemes)
	}
}

func TestIsKana(t *testing.T) {
	t.Parallel()
	cases := map[string]bool{
		"":             true,
		"やまだ はなこ":      true,
		"ヤマダ　ハナコ":      true,
		"ジョン・スミス":      true,
		"ゆーこ":          true,
		"山田":           false,
		"yamada":       false,
		"ﾔﾏﾀﾞ":         false, // half-width katakana
		"やまだ1":         false,
		"やまだ\u0000":    false,
		"ヴァイオレット・エヴァー": true,
	}
	for in, want := range cases {
		if got := counselor.IsKana(in); got != want {
			t.Errorf("IsKana(%q) = %v, want %v", in, got, want)
		}
	}
}

package counselor_test

import (
	"strings"
	"testing"
	"time"

	"github.com/taiwa/taiwa/internal/counselor"
	"github.com/taiwa/taiwa/internal/platform/apperr"
)

func TestSubmitCredentialRefusesBadInputNamingTheField(t *testing.T) {
	t.Parallel()
	f := newFixture(t) // today is 2026-04-01 in Japan
	p, _ := f.counselor()
	str := func(s string) *string { return &s }
	cases := []struct {
		name  string
		in    counselor.CredentialInput
		field string
	}{
		{"unknown kind", counselor.CredentialInput{Kind: "astrologer", RegistrationNumber: "1", IssuedOn: "2020-01-01"}, "kind"},
		{"no number", counselor.CredentialInput{Kind: "icf_coach", RegistrationNumber: "  ", IssuedOn: "2020-01-01"}, "registration_number"},
		{"long number", counselor.CredentialInput{Kind: "icf_coach", RegistrationNumber: strings.Repeat("9", 65), IssuedOn: "2020-01-01"}, "registration_number"},
		{"control character", counselor.CredentialInput{Kind: "icf_coach", RegistrationNumber: "12\x0034", IssuedOn: "2020-01-01"}, "registration_number"},
		{"no issue date", counselor.CredentialInput{Kind: "icf_coach", RegistrationNumber: "1"}, "issued_on"},
		{"bad issue date", counselor.CredentialInput{Kind: "icf_coach", RegistrationNumber: "1", IssuedOn: "2020/01/01"}, "issued_on"},
		{"impossible date", counselor.CredentialInput{Kind: "icf_coach", RegistrationNumber: "1", IssuedOn: "2020-02-30"}, "issued_on"},
		{"year zero", counselor.CredentialInput{Kind: "icf_coach", RegistrationNumber: "1", IssuedOn: "0000-01-01"}, "issued_on"},
		{"issued tomorrow", counselor.CredentialInput{Kind: "icf_coach", RegistrationNumber: "1", IssuedOn: "2026-04-02"}, "issued_on"},
		{"bad expiry", counselor.CredentialInput{Kind: "icf_coach", RegistrationNumber: "1", IssuedOn: "2020-01-01", ExpiresOn: str("soon")}, "expires_on"},
		{"expires when issued", counselor.CredentialInput{Kind: "icf_coach", RegistrationNumber: "1", IssuedOn: "2020-01-01", ExpiresOn: str("2020-01-01")}, "expires_on"},
		{"expires before issued", counselor.CredentialInput{Kind: "icf_coach", RegistrationNumber: "1", IssuedOn: "2020-01-01", ExpiresOn: str("2019-12-31")}, "expires_on"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := f.svc.SubmitCredential(ctx, p, c.in); fieldsOf(err)[c.field] == "" {
				t.Fatalf("err = %v, want 400 naming %s", err, c.field)
			}
		})
	}
	if list, err := f.svc.MyCredentials(ctx, p); err != nil || len(list) != 0 {
		t.Fatalf("refused submissions left %d credentials (%v)", len(list), err)
	}
}

func TestSubmitCredentialIsPendingAndListedNewestFirst(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	p, c := f.counselor()
	exp := "2031-03-31"
	first, err := f.svc.SubmitCredential(ctx, p, counselor.CredentialInput{Kind: "career_consultant", RegistrationNumber: " 16012345 ", IssuedOn: "2026-04-01", ExpiresOn: &exp})
	if err != nil {
		t.Fatal(err)
	}
	if first.Status != "pending" || first.CounselorID != c.ID || first.RegistrationNumber != "16012345" ||
		first.IssuedOn != "2026-04-01" || first.ExpiresOn == nil || *first.ExpiresOn != exp {
		t.Fatalf("submitted %+v", first)
	}
	f.now = f.now.Add(time.Minute)
	second, err := f.svc.SubmitCredential(ctx, p, counselor.CredentialInput{Kind: "clinical_psychologist", RegistrationNumber: "第１２３４５号", IssuedOn: "2001-04-01"})
	if err != nil {
		t.Fatal(err)
	}
	if second.RegistrationNumber != "第12345号" || second.ExpiresOn != nil {
		t.Fatalf("full-width digits not folded or expiry invented: %+v", second)
	}
	list, err := f.svc.MyCredentials(ctx, p)
	if err != nil || len(list) != 2 || list[0].ID != second.ID || list[1].ID != first.ID {
		t.Fatalf("list = %+v (%v), want newest first", list, err)
	}
	other, _ := f.counselor()
	if list, _ := f.svc.MyCredentials(ctx, other); len(list) != 0 {
		t.Fatalf("another counsellor sees %d credentials", len(list))
	}
	if n := f.indexed(c.ID); n != 0 {
		t.Fatalf("a pending submission changed the listing: %d index requests", n)
	}
}

func TestSubmitCredentialRefusesDuplicatesButAcceptsRenewalsAndResubmissions(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	p, c := f.counselor()
	exp := func(s string) *string { return &s }
	submit := func(number string, expires *string) error {
		_, err := f.svc.SubmitCredential(ctx, p, counselor.CredentialInput{Kind: "career_consultant", RegistrationNumber: number, IssuedOn: "2021-04-01", ExpiresOn: expires})
		return err
	}
	isDuplicate := func(err error) bool {
		e, ok := apperr.As(err)
		return ok && e.Code == apperr.CodeConflict && e.APICode() == "credential_duplicate"
	}
	if err := submit("16012345", exp("2026-05-31")); err != nil {
		t.Fatal(err)
	}
	if err := submit("１６０１２３４５", exp("2026-05-31")); !isDuplicate(err) {
		t.Fatalf("the same number in full-width digits: %v, want 409 credential_duplicate", err)
	}
	if err := submit("16012345", exp("2031-05-31")); !isDuplicate(err) {
		t.Fatalf("a renewal while the first is still pending: %v, want 409", err)
	}
	list, _ := f.svc.MyCredentials(ctx, p)
	if _, err := f.svc.VerifyCredential(ctx, f.op, c.ID, list[0].ID); err != nil {
		t.Fatal(err)
	}
	if err := submit("16012345", exp("2026-05-31")); !isDuplicate(err) {
		t.Fatalf("the verified credential again: %v, want 409", err)
	}
	if err := submit("16012345", exp("2031-05-31")); err != nil {
		t.Fatalf("a renewal with a later expiry: %v", err)
	}
	// A different kind with the same number is another credential.
	if _, err := f.svc.SubmitCredential(ctx, p, counselor.CredentialInput{Kind: "icf_coach", RegistrationNumber: "16012345", IssuedOn: "2021-04-01"}); err != nil {
		t.Fatalf("another kind with the same number: %v", err)
	}
	other, _ := f.counselor()
	if _, err := f.svc.SubmitCredential(ctx, other, counselor.CredentialInput{Kind: "labor_attorney", RegistrationNumber: "13012345", IssuedOn: "2021-04-01"}); err != nil {
		t.Fatal(err)
	}
	olist, _ := f.svc.MyCredentials(ctx, other)
	if _, err := f.svc.RejectCredential(ctx, f.op, olist[0].CounselorID, olist[0].ID, "登録番号が名簿と一致しません"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.SubmitCredential(ctx, other, counselor.CredentialInput{Kind: "labor_attorney", RegistrationNumber: "13012345", IssuedOn: "2021-04-01"}); err != nil {
		t.Fatalf("resubmitting a rejected credential: %v", err)
	}
}

func TestCredentialStatusFollowsTheExpiryDateInJapan(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	p, c := f.counselor()
	forever := f.credential(p, c, "clinical_psychologist", "", true)
	soon := f.credential(p, c, "career_consultant", "2026-06-30", true)
	pending := f.credential(p, c, "icf_coach", "2026-04-15", false)
	status := func() map[string]string {
		t.Helper()
		list, err := f.svc.MyCredentials(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, k := range list {
			out[k.ID.String()] = k.Status
		}
		return out
	}
	steps := []struct {
		at                    time.Time
		forever, soon, unseen string
	}{
		{time.Date(2026, 4, 1, 3, 0, 0, 0, time.UTC), "verified", "verified", "pending"},    // 90 days left
		{time.Date(2026, 4, 30, 14, 59, 0, 0, time.UTC), "verified", "verified", "pending"}, // 61 days left (Japan)
		{time.Date(2026, 4, 30, 15, 0, 0, 0, time.UTC), "verified", "expiring", "pending"},  // 1 May in Japan: 60 days left
		{time.Date(2026, 6, 30, 14, 59, 0, 0, time.UTC), "verified", "expiring", "pending"},
		{time.Date(2026, 6, 30, 15, 0, 0, 0, time.UTC), "verified", "expired", "pending"}, // 1 July in Japan
	}
	for _, s := range steps {
		f.now = s.at
		got := status()
		if got[forever.ID.String()] != s.forever || got[soon.ID.String()] != s.soon || got[pending.ID.String()] != s.unseen {
			t.Errorf("at %s: forever=%s soon=%s pending=%s, want %s %s %s", s.at, got[forever.ID.String()],
				got[soon.ID.String()], got[pending.ID.String()], s.forever, s.soon, s.unseen)
		}
	}
}

func TestCredentialStatusRule(t *testing.T) {
	t.Parallel()
	d := func(s string) *string { return &s }
	cases := []struct {
		state   string
		expires *string
		want    string
	}{
		{"pending", d("2000-01-01"), "pending"},
		{"rejected", d("2000-01-01"), "rejected"},
		{"verified", nil, "verified"},
		{"verified", d("2026-06-01"), "verified"},
		{"verified", d("2026-05-31"), "expiring"},
		{"verified", d("2026-04-01"), "expiring"},
		{"verified", d("2026-03-31"), "expired"},
	}
	for _, c := range cases {
		if got := counselor.CredentialStatus(c.state, c.expires, "2026-04-01"); got != c.want {
			t.Errorf("CredentialStatus(%s, %v) = %s, want %s", c.state, c.expires, got, c.want)
		}
	}
}

package company_test

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/account"
	"github.com/taiwa/taiwa/internal/company"
	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/dbtest"
	"github.com/taiwa/taiwa/internal/platform/mail"
	"github.com/taiwa/taiwa/web"
)

const benchRows = 10_000

// importBench is a company service on a fresh database and an operator to
// act as.
type importBench struct {
	env      *dbtest.Env
	svc      *company.Service
	operator auth.Principal
}

func newImportBench(b *testing.B) importBench {
	b.Helper()
	env := dbtest.New(b)
	mailFS, err := fs.Sub(web.FS, "mail")
	if err != nil {
		b.Fatal(err)
	}
	composer, err := mail.NewComposer(mailFS)
	if err != nil {
		b.Fatal(err)
	}
	accounts := &account.Service{DB: env.DB, Mail: composer, BaseURL: "http://127.0.0.1:8080", SessionTTL: time.Hour,
		MaxFailures: 10, MaxAttempts: 100, Window: 15 * time.Minute, InviteTTL: 7 * 24 * time.Hour, ResetTTL: time.Hour}
	var op account.User
	err = env.DB.InTx(context.Background(), db.System, func(tx *sqlx.Tx) error {
		op, err = account.CreateUser(context.Background(), tx, account.NewUser{Email: "bench-operator@taiwa.example", Name: "計測 用", Role: auth.RoleOperator})
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	return importBench{env: env, svc: &company.Service{DB: env.DB, Accounts: accounts}, operator: auth.Principal{UserID: op.ID, Role: auth.RoleOperator}}
}

// newCompany creates a fresh company as the operator.
func (ib importBench) newCompany(b *testing.B, name string) uuid.UUID {
	b.Helper()
	c, err := ib.svc.Create(context.Background(), ib.operator, company.NewCompany{Name: name, PlanCode: "per_seat", Seats: 20_000})
	if err != nil {
		b.Fatal(err)
	}
	return c.ID
}

// rosterCSV generates n employees under domain in a three-level tree of
// about 5% as many departments.
func rosterCSV(n int, domain string) []byte {
	var buf bytes.Buffer
	buf.WriteString("email,name,department,age_band,tenure_band,job_family,employee_code\n")
	ages := company.AgeBands[:5]
	surnames := []string{"佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤"}
	given := []string{"陽子", "翔太", "美咲", "大輔", "結衣", "健太", "直子", "拓也", "恵", "誠"}
	jobs := []string{"営業", "エンジニア", "企画", "管理"}
	for i := range n {
		fmt.Fprintf(&buf, "emp%05d@%s,%s %s,第%d本部/第%d部/第%d課,%s,%s,%s,E-%05d\n",
			i+1, domain, surnames[i%10], given[(i/10)%10], 1+i%8, 1+(i/8)%8, 1+(i/64)%8,
			ages[i%len(ages)], company.TenureBands[(i/5)%4], jobs[i%4], i+1)
	}
	return buf.Bytes()
}

// BenchmarkImportEmployees10k imports a 10,000-row roster with invitations
// into a fresh company: every row creates a user, an employee and an
// invitation mail in the outbox.
func BenchmarkImportEmployees10k(b *testing.B) { benchmarkImport(b, true) }

// BenchmarkImportEmployees10kNoInvite is the same import without
// invitations, to show what the invitation mails cost.
func BenchmarkImportEmployees10kNoInvite(b *testing.B) { benchmarkImport(b, false) }

func benchmarkImport(b *testing.B, invite bool) {
	ib := newImportBench(b)
	ctx := context.Background()
	i := 0
	for b.Loop() {
		b.StopTimer()
		i++
		cid := ib.newCompany(b, fmt.Sprintf("計測商事%d", i))
		csv := rosterCSV(benchRows, fmt.Sprintf("bench%d.example", i))
		b.StartTimer()
		res, err := ib.svc.ImportEmployees(ctx, ib.operator, cid, bytes.NewReader(csv), company.ImportOptions{Invite: invite})
		if err != nil {
			b.Fatal(err)
		}
		if res.Created != benchRows || len(res.Errors) != 0 {
			b.Fatalf("created %d, errors %v", res.Created, res.Errors[:min(3, len(res.Errors))])
		}
	}
	b.ReportMetric(float64(benchRows*i)/b.Elapsed().Seconds(), "rows/s")
	var mails int
	if err := ib.env.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		return tx.GetContext(ctx, &mails, `SELECT count(*) FROM outbox WHERE kind = $1`, mail.Kind)
	}); err != nil {
		b.Fatal(err)
	}
	want := benchRows * i
	if !invite {
		want = 0
	}
	if mails != want {
		b.Fatalf("invitations queued: %d, want %d", mails, want)
	}
}

// BenchmarkReimportUnchanged10k imports the same 10,000-row roster again:
// nothing is created, updated or mailed, and the cost is the comparison.
func BenchmarkReimportUnchanged10k(b *testing.B) {
	ib := newImportBench(b)
	ctx := context.Background()
	cid := ib.newCompany(b, "計測商事")
	csv := rosterCSV(benchRows, "bench.example")
	if _, err := ib.svc.ImportEmployees(ctx, ib.operator, cid, bytes.NewReader(csv), company.ImportOptions{Invite: true}); err != nil {
		b.Fatal(err)
	}
	n := 0
	for b.Loop() {
		n++
		res, err := ib.svc.ImportEmployees(ctx, ib.operator, cid, bytes.NewReader(csv), company.ImportOptions{Invite: true})
		if err != nil {
			b.Fatal(err)
		}
		if res.Created != 0 || res.Updated != 0 || len(res.Errors) != 0 {
			b.Fatalf("unchanged file: created %d, updated %d, errors %d", res.Created, res.Updated, len(res.Errors))
		}
	}
	b.ReportMetric(float64(benchRows*n)/b.Elapsed().Seconds(), "rows/s")
}

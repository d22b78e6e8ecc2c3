package demo

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/account"
	"github.com/taiwa/taiwa/internal/platform/db"
)

// ScaleCompany is the name of the benchmark company SeedScale fills.
const ScaleCompany = "スケール株式会社"

// SeedScale generates volume for benchmarks: ScaleCompany with employees
// employees (scale000001@scale.example …) in a three-level department tree
// of about 5% as many departments, and one verified counsellor per 20
// employees (at least 10, scalecounselor00001@taiwa.example …). Everyone's
// password is Password. Running it again adds only what is missing, so a
// larger size extends a smaller one. SeedScaleWith also generates held
// sessions.
func SeedScale(ctx context.Context, d *db.DB, employees int, log *slog.Logger) error {
	return SeedScaleWith(ctx, d, ScaleOptions{Employees: employees}, log)
}

// ScaleOptions size SeedScaleWith.
type ScaleOptions struct {
	Employees int
	// Counselors is how many verified counsellors to generate; 0 means one
	// per 20 employees, at least 10. Search benchmarks want many
	// counsellors without a matching (slow to seed) roster.
	Counselors int
	// Sessions is how many held sessions (with records and ratings) to
	// generate over the last 24 months and this month, for the report
	// benchmarks (scale_sessions.go); 0 means none.
	Sessions int
	// InMonth, when set (its first day, Japan time), puts every session
	// in that one month instead: the release benchmark wants a month of
	// 100,000 sessions without seeding two years of them.
	InMonth time.Time
}

// SeedScaleWith is SeedScale with the counsellors counted apart.
func SeedScaleWith(ctx context.Context, d *db.DB, o ScaleOptions, log *slog.Logger) error {
	employees := o.Employees
	if employees < 1 {
		return fmt.Errorf("demo: scale needs at least one employee, not %d", employees)
	}
	n := o.Counselors
	if n <= 0 {
		n = max(10, employees/20)
	}
	started := time.Now()
	hash, err := account.HashPassword(Password)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	r := rand.New(rand.NewPCG(seed, uint64(employees)))
	today := time.Now().In(jst)
	var added, addedCounselors int
	err = d.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		companyID, err := scaleCompany(ctx, tx, employees, today)
		if err != nil {
			return err
		}
		leaves, err := scaleDepartments(ctx, tx, companyID, employees)
		if err != nil {
			return err
		}
		if added, err = scaleEmployees(ctx, tx, r, companyID, leaves, employees, hash); err != nil {
			return err
		}
		specs := make([]counselorSpec, n)
		users := make([]userRow, n)
		for i := range specs {
			gender := []string{"female", "male"}[r.IntN(2)]
			specs[i] = newCounselor(r, i+1, fmt.Sprintf("scalecounselor%05d@taiwa.example", i+1), newPerson(r, gender), today, true)
			users[i] = userRow{id: uuid.New(), email: specs[i].email, name: specs[i].name, role: "counselor"}
		}
		ids, err := insertUsers(ctx, tx, users, hash)
		if err != nil {
			return err
		}
		addedCounselors = len(ids)
		return insertCounselors(ctx, tx, specs, ids, uuid.Nil, time.Now())
	})
	if err != nil {
		return fmt.Errorf("demo: scale: %w", err)
	}
	log.Info("scale data seeded", "employees", employees, "added_employees", added, "added_counselors", addedCounselors,
		"elapsed", time.Since(started).Round(time.Millisecond))
	if o.Sessions <= 0 {
		return nil
	}
	started = time.Now()
	sessions, records, ratings, err := seedScaleSessions(ctx, d, o.Sessions, time.Now(), o.InMonth)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	log.Info("scale sessions seeded", "sessions", o.Sessions, "added_sessions", sessions, "added_records", records,
		"added_ratings", ratings, "elapsed", time.Since(started).Round(time.Millisecond))
	return nil
}

// scaleCompany returns ScaleCompany's id, creating it with a contract that
// covers the scale sessions' 24 months.
func scaleCompany(ctx context.Context, tx *sqlx.Tx, employees int, today time.Time) (uuid.UUID, error) {
	var id uuid.UUID
	err := tx.GetContext(ctx, &id, `SELECT id FROM companies WHERE name = $1 ORDER BY created_at, id LIMIT 1`, ScaleCompany)
	if err == nil || !db.IsNoRows(err) {
		return id, err
	}
	if err := tx.GetContext(ctx, &id, `INSERT INTO companies (name) VALUES ($1) RETURNING id`, ScaleCompany); err != nil {
		return id, err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO contracts (company_id, plan_code, seats, starts_on, status) VALUES ($1, 'per_seat', $2, $3::date, 'active')`,
		id, min(max(employees*2, 1000), 1_000_000), today.AddDate(0, -(scaleMonths+1), 0).Format(time.DateOnly))
	return id, err
}

// scaleDepartments makes a k×k×k tree (事業本部/部/課) with k³ ≈ employees/20
// sections, and returns the sections' ids.
func scaleDepartments(ctx context.Context, tx *sqlx.Tx, companyID uuid.UUID, employees int) ([]uuid.UUID, error) {
	k := max(1, int(math.Round(math.Cbrt(float64(employees)/20))))
	var paths []string
	for a := 1; a <= k; a++ {
		for b := 1; b <= k; b++ {
			for c := 1; c <= k; c++ {
				paths = append(paths, fmt.Sprintf("第%d事業本部/第%d部/第%d課", a, b, c))
			}
		}
	}
	var have []struct {
		ID   uuid.UUID `db:"id"`
		Path string    `db:"path"`
	}
	if err := tx.SelectContext(ctx, &have, `SELECT id, path FROM departments WHERE company_id = $1`, companyID); err != nil {
		return nil, err
	}
	ids := make(map[string]uuid.UUID, len(have))
	for _, h := range have {
		ids[h.Path] = h.ID
	}
	rows := treeRows(paths, ids)
	if err := insertDepartments(ctx, tx, companyID, rows); err != nil {
		return nil, err
	}
	leaves := make([]uuid.UUID, len(paths))
	for i, p := range paths {
		leaves[i] = ids[p]
	}
	return leaves, nil
}

var scaleJobs = []string{"営業", "エンジニア", "企画", "管理", "製造", "カスタマーサポート"}

// scaleEmployees adds the employees that do not exist yet and returns how
// many it added.
func scaleEmployees(ctx context.Context, tx *sqlx.Tx, r *rand.Rand, companyID uuid.UUID, leaves []uuid.UUID, employees int, hash string) (int, error) {
	users := make([]userRow, employees)
	emps := make(map[string]employeeRow, employees)
	for i := range employees {
		n := i + 1
		p := newPerson(r, []string{"female", "male"}[r.IntN(2)])
		u := userRow{id: uuid.New(), companyID: companyID, email: fmt.Sprintf("scale%06d@scale.example", n), name: p.name, role: "employee"}
		users[i] = u
		age := demoAgeBands[weighted(r, []int{25, 30, 25, 15, 5})]
		emps[u.email] = employeeRow{
			userID: u.id, departmentID: leaves[i%len(leaves)], ageBand: age,
			tenureBand: demoTenureBands[weighted(r, tenureWeights[age])],
			jobFamily:  pick(r, scaleJobs), empCode: fmt.Sprintf("SC-%06d", n),
		}
	}
	created, err := insertUsers(ctx, tx, users, hash)
	if err != nil {
		return 0, err
	}
	rows := make([]employeeRow, 0, len(created))
	for _, u := range users { // in email order, so codes and departments stay stable
		if _, ok := created[u.email]; ok {
			rows = append(rows, emps[u.email])
		}
	}
	return len(rows), insertEmployees(ctx, tx, companyID, rows)
}

package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
)

// companySpec describes a demo company: its contract and its roster.
type companySpec struct {
	name, plan  string
	seats       int
	domain      string // employees are empNNNN@domain, the admin hr@domain
	codePrefix  string // employee codes are <prefix>-NNNN
	departments []deptSpec
	ageWeights  []int // 20s … 60s
	adminGender string
}

// deptSpec is a department (by path) and how many employees sit directly in
// it, with the job families they have (weighted).
type deptSpec struct {
	path      string
	headcount int
	jobs      []string
	weights   []int
}

// sampleShoji carries the report story: 営業部/東京支店's rising workload
// (storyDept, bookings.go and records.go), 管理本部/法務室 too small to
// report (rolled up into 管理本部) and 広報室 too small at the top level
// (counted in the company's "(other)").
var sampleShoji = companySpec{
	name: "サンプル商事", plan: "subscription", seats: 400, domain: "sample-shoji.example", codePrefix: "SS",
	ageWeights: []int{25, 30, 25, 15, 5}, adminGender: "female",
	departments: []deptSpec{
		{"営業部", 2, []string{"営業"}, nil},
		{"営業部/東京支店", 60, []string{"営業", "営業事務"}, []int{5, 1}},
		{"営業部/大阪支店", 40, []string{"営業", "営業事務"}, []int{5, 1}},
		{"営業部/名古屋営業所", 18, []string{"営業"}, nil},
		{"開発本部", 2, []string{"管理"}, nil},
		{"開発本部/プラットフォーム部", 45, []string{"エンジニア"}, nil},
		{"開発本部/アプリ開発部", 50, []string{"エンジニア", "デザイナー"}, []int{6, 1}},
		{"開発本部/データ分析室", 12, []string{"データ分析"}, nil},
		{"管理本部", 2, []string{"管理"}, nil},
		{"管理本部/人事部", 16, []string{"人事"}, nil},
		{"管理本部/経理部", 14, []string{"経理"}, nil},
		{"管理本部/総務部", 12, []string{"総務"}, nil},
		{"品質保証部", 22, []string{"品質保証"}, nil},
		{"企画部", 15, []string{"企画"}, nil},
		{"広報室", 4, []string{"広報"}, nil},
		{"管理本部/法務室", 6, []string{"法務"}, nil}, // under min_group: always counted in 管理本部's own cell
	},
}

var minatoLogistics = companySpec{
	name: "みなと物流", plan: "per_session", seats: 150, domain: "minato-logistics.example", codePrefix: "ML",
	ageWeights: []int{15, 25, 30, 22, 8}, adminGender: "male",
	departments: []deptSpec{
		{"物流センター/川崎", 40, []string{"倉庫作業", "フォークリフト", "現場管理"}, []int{6, 2, 1}},
		{"物流センター/大阪", 30, []string{"倉庫作業", "フォークリフト", "現場管理"}, []int{6, 2, 1}},
		{"物流センター/福岡", 8, []string{"倉庫作業", "現場管理"}, []int{4, 1}},
		{"配送部/首都圏配送課", 18, []string{"ドライバー", "配車"}, []int{5, 1}},
		{"配送部/関西配送課", 10, []string{"ドライバー", "配車"}, []int{4, 1}},
		{"管理部/総務課", 6, []string{"総務"}, nil},
		{"管理部/人事課", 5, []string{"人事"}, nil},
		{"営業部", 3, []string{"営業"}, nil},
	},
}

// tenureWeights gives, per age band, the weights of 0-2y, 3-5y, 6-10y, 11y+:
// the young are new, the old have mostly stayed.
var tenureWeights = map[string][]int{
	"20s": {60, 35, 5, 0},
	"30s": {20, 30, 35, 15},
	"40s": {10, 20, 30, 40},
	"50s": {5, 10, 20, 65},
	"60s": {5, 10, 15, 70},
}

var (
	demoAgeBands    = []string{"20s", "30s", "40s", "50s", "60s"}
	demoTenureBands = []string{"0-2y", "3-5y", "6-10y", "11y+"}
)

// treeRows returns the department rows to insert for paths, ancestors first,
// including the ancestors a path implies; ids holds the paths that already
// exist and gains every new one.
func treeRows(paths []string, ids map[string]uuid.UUID) []departmentRow {
	var rows []departmentRow
	for _, p := range paths {
		parts := strings.Split(p, "/")
		var parent uuid.UUID
		for i := range parts {
			sub := strings.Join(parts[:i+1], "/")
			id, ok := ids[sub]
			if !ok {
				id = uuid.New()
				ids[sub] = id
				rows = append(rows, departmentRow{id: id, parentID: parent, name: parts[i], path: sub})
			}
			parent = id
		}
	}
	return rows
}

// seedCompany creates the company, its active contract (started 13 months
// ago, so a full year is covered), its department tree, its admin and its
// employees. It returns the number of employees.
func seedCompany(ctx context.Context, tx *sqlx.Tx, r *rand.Rand, c companySpec, hash string, today time.Time) (int, error) {
	companyID := uuid.New()
	if _, err := tx.ExecContext(ctx, `INSERT INTO companies (id, name, min_group) VALUES ($1, $2, 10)`, companyID, c.name); err != nil {
		return 0, fmt.Errorf("insert company %s: %w", c.domain, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO contracts (company_id, plan_code, seats, starts_on, status) VALUES ($1, $2, $3, $4::date, 'active')`,
		companyID, c.plan, c.seats, today.AddDate(0, -13, 0).Format(time.DateOnly)); err != nil {
		return 0, fmt.Errorf("insert contract: %w", err)
	}
	paths := make([]string, len(c.departments))
	for i, d := range c.departments {
		paths[i] = d.path
	}
	deptIDs := map[string]uuid.UUID{}
	depts := treeRows(paths, deptIDs)
	if err := insertDepartments(ctx, tx, companyID, depts); err != nil {
		return 0, err
	}
	admin := newPerson(r, c.adminGender)
	users := []userRow{{id: uuid.New(), companyID: companyID, email: "hr@" + c.domain, name: admin.name, role: "company_admin"}}
	var emps []employeeRow
	n := 0
	for _, d := range c.departments {
		for range d.headcount {
			n++
			p := newPerson(r, []string{"female", "male"}[r.IntN(2)])
			u := userRow{id: uuid.New(), companyID: companyID, email: fmt.Sprintf("emp%04d@%s", n, c.domain), name: p.name, role: "employee"}
			users = append(users, u)
			age := demoAgeBands[weighted(r, c.ageWeights)]
			job := d.jobs[0]
			if d.weights != nil {
				job = d.jobs[weighted(r, d.weights)]
			}
			emps = append(emps, employeeRow{
				userID: u.id, departmentID: deptIDs[d.path], ageBand: age,
				tenureBand: demoTenureBands[weighted(r, tenureWeights[age])],
				jobFamily:  job, empCode: fmt.Sprintf("%s-%04d", c.codePrefix, n),
			})
		}
	}
	created, err := insertUsers(ctx, tx, users, hash)
	if err != nil {
		return 0, err
	}
	if len(created) != len(users) {
		return 0, fmt.Errorf("demo: %d of %s's accounts already exist", len(users)-len(created), c.domain)
	}
	return len(emps), insertEmployees(ctx, tx, companyID, emps)
}

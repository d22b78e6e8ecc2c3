package store

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/dbtest"
	"github.com/taiwa/taiwa/internal/platform/japan"
	"github.com/taiwa/taiwa/internal/platform/seal/sealtest"
	"github.com/taiwa/taiwa/internal/report"
)

// testNow is mid-April 2026 in Japan: March and earlier are closed,
// April is open.
var testNow = time.Date(2026, 4, 15, 12, 0, 0, 0, japan.Zone)

// world is one company with departments, employees, a counsellor, two
// admins and a contract, in a fresh database.
type world struct {
	t         testing.TB
	env       *dbtest.Env
	svc       *Service
	company   uuid.UUID
	admins    [2]auth.Principal
	counselor uuid.UUID // counselors.id
	cUser     uuid.UUID // the counsellor's user id
	depts     map[string]uuid.UUID
	people    map[string][]uuid.UUID // department path → employees, in order
	n         int
	keys      string // the note key spec the service uses
}

func newWorld(t testing.TB) *world {
	t.Helper()
	w := &world{t: t, env: dbtest.New(t), depts: map[string]uuid.UUID{}, people: map[string][]uuid.UUID{}}
	w.keys = sealtest.Key(t, "k1")
	w.svc = &Service{DB: w.env.DB, Keys: sealtest.Ring(t, w.keys), Now: func() time.Time { return testNow }}
	w.exec(func(tx *sqlx.Tx) error {
		if err := tx.Get(&w.company, `INSERT INTO companies (name) VALUES ('サンプル商事') RETURNING id`); err != nil {
			return err
		}
		if _, err := tx.Exec(`INSERT INTO contracts (company_id, plan_code, seats, starts_on, status) VALUES ($1, 'per_seat', 200, '2025-01-01', 'active')`, w.company); err != nil {
			return err
		}
		for i := range w.admins {
			w.admins[i] = auth.Principal{Role: auth.RoleCompanyAdmin, CompanyID: w.company}
			if err := tx.Get(&w.admins[i].UserID, `INSERT INTO users (company_id, email, name, role) VALUES ($1, $2, '人事', 'company_admin') RETURNING id`,
				w.company, fmt.Sprintf("hr%d-%s@sample.example", i, w.company)); err != nil {
				return err
			}
		}
		if err := tx.Get(&w.cUser, `INSERT INTO users (email, name, role) VALUES ($1, '相談 花子', 'counselor') RETURNING id`,
			fmt.Sprintf("c-%s@taiwa.example", w.company)); err != nil {
			return err
		}
		return tx.Get(&w.counselor, `INSERT INTO counselors (user_id, status) VALUES ($1, 'verified') RETURNING id`, w.cUser)
	})
	return w
}

func (w *world) exec(fn func(tx *sqlx.Tx) error) {
	w.t.Helper()
	if err := w.env.DB.InTx(context.Background(), db.System, fn); err != nil {
		w.t.Fatal(err)
	}
}

// dept makes a department path (and its ancestors).
func (w *world) dept(path string) uuid.UUID {
	if id, ok := w.depts[path]; ok {
		return id
	}
	var parent uuid.NullUUID
	name := path
	if p := parentOf(path); p != "" {
		parent = uuid.NullUUID{UUID: w.dept(p), Valid: true}
		name = path[len(p)+1:]
	}
	var id uuid.UUID
	w.exec(func(tx *sqlx.Tx) error {
		return tx.Get(&id, `INSERT INTO departments (company_id, parent_id, name, path) VALUES ($1, $2, $3, $4) RETURNING id`, w.company, parent, name, path)
	})
	w.depts[path] = id
	return id
}

func parentOf(p string) string {
	if i := strings.LastIndex(p, "/"); i >= 0 {
		return p[:i]
	}
	return ""
}

// hire adds n employees to path with the given bands.
func (w *world) hire(path string, n int, age, tenure string) []uuid.UUID {
	d := w.dept(path)
	var ids []uuid.UUID
	w.exec(func(tx *sqlx.Tx) error {
		for range n {
			w.n++
			var id uuid.UUID
			if err := tx.Get(&id, `INSERT INTO users (company_id, email, name, role) VALUES ($1, $2, '社員', 'employee') RETURNING id`,
				w.company, fmt.Sprintf("e%d-%s@sample.example", w.n, w.company)); err != nil {
				return err
			}
			if _, err := tx.Exec(`INSERT INTO employees (company_id, user_id, department_id, age_band, tenure_band) VALUES ($1, $2, $3, NULLIF($4, ''), NULLIF($5, ''))`,
				w.company, id, d, age, tenure); err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return nil
	})
	w.people[path] = append(w.people[path], ids...)
	return ids
}

func (w *world) optOut(emp uuid.UUID) {
	w.exec(func(tx *sqlx.Tx) error {
		_, err := tx.Exec(`UPDATE employees SET report_opt_out = true, opt_out_at = now() WHERE company_id = $1 AND user_id = $2`, w.company, emp)
		return err
	})
}

// session is one booking with what may follow it.
type session struct {
	at         time.Time
	theme      string
	status     string // "" = completed
	risk       string // "" = no record
	obs        []string
	amendments []amendment
	sat        int // 0 = no feedback
	who5       [5]int
}

type amendment struct {
	risk string
	obs  []string
}

// held books and holds a session for emp; it returns the booking id.
func (w *world) held(emp uuid.UUID, s session) uuid.UUID {
	if s.status == "" {
		s.status = "completed"
	}
	if s.theme == "" {
		s.theme = "career"
	}
	var b uuid.UUID
	w.exec(func(tx *sqlx.Tx) error {
		if err := tx.Get(&b, `INSERT INTO bookings (company_id, employee_user_id, counselor_id, counselor_user_id, starts_at, ends_at, blocked_until, theme, format, status)
			VALUES ($1, $2, $3, $4, $5, $5::timestamptz + interval '50 minutes', $5::timestamptz + interval '50 minutes', $6, 'video', $7) RETURNING id`,
			w.company, emp, w.counselor, w.cUser, s.at, s.theme, s.status); err != nil {
			return err
		}
		if s.risk != "" {
			if _, err := tx.Exec(`INSERT INTO session_records (company_id, booking_id, counselor_id, counselor_user_id, employee_user_id, themes, risk_level, observations, locks_at)
				VALUES ($1, $2, $3, $4, $5, ARRAY[$6], $7, $8, now() + interval '7 days')`,
				w.company, b, w.counselor, w.cUser, emp, s.theme, s.risk, pq.Array(nonNil(s.obs))); err != nil {
				return err
			}
		}
		if s.sat > 0 {
			if _, err := tx.Exec(`INSERT INTO session_feedback (company_id, booking_id, employee_user_id, counselor_id, satisfaction, fit, who5)
				VALUES ($1, $2, $3, $4, $5, 4, $6)`, w.company, b, emp, w.counselor, s.sat, pq.Array(s.who5[:])); err != nil {
				return err
			}
		}
		return nil
	})
	for _, a := range s.amendments {
		w.amend(b, a)
	}
	return b
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// amend appends an amendment to booking b's record.
func (w *world) amend(b uuid.UUID, a amendment) {
	w.exec(func(tx *sqlx.Tx) error {
		_, err := tx.Exec(`INSERT INTO session_record_amendments (company_id, booking_id, seq, author_user_id, counselor_user_id, themes, risk_level, follow_up, observations)
			SELECT company_id, booking_id, COALESCE((SELECT max(seq) FROM session_record_amendments x WHERE x.company_id = r.company_id AND x.booking_id = r.booking_id), 0) + 1,
			       counselor_user_id, counselor_user_id, themes, $3, false, $4
			FROM session_records r WHERE company_id = $1 AND booking_id = $2`, w.company, b, a.risk, pq.Array(nonNil(a.obs)))
		return err
	})
}

// in returns an instant in month m (day d, 10:00 Japan time).
func in(year int, month time.Month, day int) time.Time {
	return time.Date(year, month, day, 10, 0, 0, 0, japan.Zone)
}

// activity loads from..to as a report request would.
func (w *world) activity(from, to report.Month) []report.Activity {
	w.t.Helper()
	var acts []report.Activity
	w.exec(func(tx *sqlx.Tx) error {
		roster, err := loadRoster(context.Background(), tx, w.company)
		if err != nil {
			return err
		}
		on := map[uuid.UUID]bool{}
		for _, e := range roster {
			on[e.ID] = !e.OptedOut
		}
		acts, err = loadActivity(context.Background(), tx, w.company, from, to, lastClosed(testNow), func(id uuid.UUID) bool { return on[id] })
		return err
	})
	return acts
}

func (w *world) request(from, to, by string) Request {
	w.t.Helper()
	q, err := report.ParseQuery(from, to, by)
	if err != nil {
		w.t.Fatal(err)
	}
	return Request{Query: q, From: from, To: to, By: by}
}

func cellOf(r *Report, keys ...string) (report.Cell, bool) {
	for _, c := range r.Cells {
		if len(c.Keys) == len(keys) {
			same := true
			for i := range keys {
				same = same && c.Keys[i] == keys[i]
			}
			if same {
				return c, true
			}
		}
	}
	return report.Cell{}, false
}

var dbSystem = db.System

package api_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"testing"
	"time"

	"github.com/taiwa/taiwa/internal/apptest"
	"github.com/taiwa/taiwa/internal/demo"
	"github.com/taiwa/taiwa/internal/platform/config"
)

// fuzzWorld is one server with the demo seed, a signed-in client per role
// and the seed's ids by kind, for filling path parameters and id fields.
type fuzzWorld struct {
	h       *apptest.Harness
	emails  map[string]string              // role → login
	clients map[string]*apptest.Client     // role → signed-in client (anonymous: none)
	ids     map[string][]map[string]string // kind → rows: "id" and the ids of the parents
	slots   []fuzzSlot                     // free slots found at the start
}

// fuzzSlot is a free slot of a listed counsellor with a theme and format
// the counsellor offers: what a booking that should succeed needs.
type fuzzSlot struct{ counselor, start, theme, format string }

// fuzzWebhookSecret is the server's Stripe webhook secret.
const fuzzWebhookSecret = "whsec_fuzz"

// anonymous is the role of a client that sends no token.
const anonymous = "anonymous"

// fuzzRoles are the roles the fuzz tries, anonymous first.
var fuzzRoles = []string{anonymous, "operator", "company_admin", "employee", "counselor"}

// newFuzzWorld boots the server, seeds the demo and signs in as each role.
// The fuzz's failed sign-ins must not lock the demo accounts, so the
// limits are lifted; Stripe's webhook is enabled so that it checks
// signatures rather than answer 503.
func newFuzzWorld(t *testing.T) *fuzzWorld {
	t.Helper()
	h := apptest.New(t, apptest.Options{Configure: func(c *config.Config) {
		c.LoginMaxPerUser, c.LoginMaxPerAddr = 1_000_000, 1_000_000
		c.StripeWebhookSecret = fuzzWebhookSecret
	}})
	ctx := context.Background()
	if err := demo.SeedDemo(ctx, h.Env.DB, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatal(err)
	}
	// The seed writes rows directly: rebuild the listings, as `taiwa
	// search reindex` would.
	if _, err := h.App.Counselors.Reindex(ctx); err != nil {
		t.Fatal(err)
	}
	w := &fuzzWorld{h: h, clients: map[string]*apptest.Client{}, ids: map[string][]map[string]string{},
		emails: map[string]string{
			"operator":      demo.OperatorEmail,
			"company_admin": "hr@sample-shoji.example",
			"employee":      "emp0001@sample-shoji.example",
			"counselor":     "counselor001@taiwa.example",
		}}
	for role, email := range w.emails {
		w.clients[role] = h.Login(email, demo.Password)
	}
	w.readIDs(t)
	w.findSlots(t)
	return w
}

// fuzzIDQueries read the seed's ids of each kind (as the schema owner).
// A kind followed by ":role" holds the rows of that role's signed-in user
// (their own bookings, their company), which their requests use most.
var fuzzIDQueries = map[string]string{
	"company":               `SELECT id::text AS id FROM companies ORDER BY name`,
	"company:company_admin": `SELECT company_id::text AS id FROM users WHERE email = 'hr@sample-shoji.example'`,
	"counselor": `SELECT c.id::text AS id FROM counselors c JOIN users u ON u.id = c.user_id
		ORDER BY c.status <> 'verified' DESC, u.email LIMIT 40`,
	"counselor:counselor": `SELECT c.id::text AS id FROM counselors c JOIN users u ON u.id = c.user_id
		WHERE u.email = 'counselor001@taiwa.example'`,
	"credential": `SELECT cr.id::text AS id, cr.counselor_id::text AS counselor FROM credentials cr
		JOIN counselors c ON c.id = cr.counselor_id JOIN users u ON u.id = c.user_id
		ORDER BY c.status <> 'verified' DESC, cr.status <> 'verified' DESC, u.email LIMIT 40`,
	"booking": `SELECT id::text AS id, company_id::text AS company FROM bookings ORDER BY starts_at DESC LIMIT 40`,
	"booking:employee": `SELECT b.id::text AS id FROM bookings b JOIN users u ON u.id = b.employee_user_id
		WHERE u.email = 'emp0001@sample-shoji.example' ORDER BY b.starts_at DESC`,
	"booking:counselor": `SELECT b.id::text AS id FROM bookings b JOIN users u ON u.id = b.counselor_user_id
		WHERE u.email = 'counselor001@taiwa.example' ORDER BY b.starts_at DESC LIMIT 40`,
	"invoice": `SELECT id::text AS id, company_id::text AS company FROM invoices ORDER BY period DESC LIMIT 20`,
	"invoice:company_admin": `SELECT i.id::text AS id FROM invoices i JOIN users u ON u.company_id = i.company_id
		WHERE u.email = 'hr@sample-shoji.example' ORDER BY i.period DESC`,
	"payout":     `SELECT id::text AS id FROM payouts ORDER BY period DESC LIMIT 20`,
	"risk_alert": `SELECT id::text AS id FROM risk_alerts ORDER BY raised_at DESC LIMIT 20`,
	"programme":  `SELECT id::text AS id, company_id::text AS company, template, mode FROM programmes ORDER BY created_at LIMIT 20`,
	"programme:company_admin": `SELECT p.id::text AS id, p.company_id::text AS company, p.template, p.mode FROM programmes p
		JOIN users u ON u.company_id = p.company_id WHERE u.email = 'hr@sample-shoji.example' ORDER BY p.created_at`,
	"me:employee": `SELECT id::text AS id FROM users WHERE email = 'emp0001@sample-shoji.example'`,
	"enrolment":   `SELECT id::text AS id FROM programme_enrolments ORDER BY created_at LIMIT 20`,
	"enrolment:employee": `SELECT en.id::text AS id FROM programme_enrolments en JOIN users u ON u.id = en.employee_user_id
		WHERE u.email = 'emp0001@sample-shoji.example'`,
	"programme_step": `SELECT id::text AS id FROM programme_steps ORDER BY due_on LIMIT 20`,
	"programme_step:employee": `SELECT s.id::text AS id FROM programme_steps s JOIN users u ON u.id = s.employee_user_id
		WHERE u.email = 'emp0001@sample-shoji.example'`,
	"plan":           `SELECT code AS id FROM plans ORDER BY code`,
	"review":         `SELECT id::text AS id FROM counselor_reviews ORDER BY status <> 'pending', id LIMIT 20`,
	"department":     `SELECT id::text AS id, company_id::text AS company FROM departments ORDER BY path LIMIT 40`,
	"employee_user":  `SELECT user_id::text AS id, company_id::text AS company FROM employees ORDER BY created_at LIMIT 40`,
	"employee_email": `SELECT u.email AS id FROM employees e JOIN users u ON u.id = e.user_id ORDER BY u.email LIMIT 40`,
	// Users to disable and enable: never the four signed in, whom the rest
	// of the run needs.
	"user": `SELECT id::text AS id FROM users WHERE email NOT IN ('hr@sample-shoji.example', 'emp0001@sample-shoji.example',
		'counselor001@taiwa.example', 'operator@taiwa.example') ORDER BY role, email LIMIT 40`,
}

// readIDs runs fuzzIDQueries.
func (w *fuzzWorld) readIDs(t *testing.T) {
	t.Helper()
	db := ownerDB(t, w.h)
	for kind, q := range fuzzIDQueries {
		rows, err := db.Queryx(q)
		if err != nil {
			t.Fatalf("fuzz ids %s: %v", kind, err)
		}
		for rows.Next() {
			row := map[string]any{}
			if err := rows.MapScan(row); err != nil {
				t.Fatal(err)
			}
			out := map[string]string{}
			for k, v := range row {
				switch v := v.(type) {
				case string:
					out[k] = v
				case []byte:
					out[k] = string(v)
				}
			}
			w.ids[kind] = append(w.ids[kind], out)
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
		if len(w.ids[kind]) == 0 && kind != "risk_alert" && kind != "review" && kind != "enrolment:employee" && kind != "programme_step:employee" {
			t.Fatalf("fuzz: the demo seed has no %s", kind)
		}
	}
}

// findSlots asks, as the employee, for the free slots of the first listed
// counsellors, with what each offers.
func (w *fuzzWorld) findSlots(t *testing.T) {
	t.Helper()
	emp := w.clients["employee"].For(t)
	var list struct {
		Items []struct {
			ID      string   `json:"id"`
			Themes  []string `json:"themes"`
			Formats []string `json:"formats"`
		} `json:"items"`
	}
	emp.Do("GET", "/api/v1/counselors?per_page=20", nil, &list)
	for _, c := range list.Items {
		if len(c.Themes) == 0 || len(c.Formats) == 0 {
			continue
		}
		var slots struct {
			Slots []struct {
				Start time.Time `json:"start"`
			} `json:"slots"`
		}
		emp.Do("GET", "/api/v1/counselors/"+c.ID+"/slots", nil, &slots)
		for i, s := range slots.Slots {
			if i >= 10 {
				break
			}
			w.slots = append(w.slots, fuzzSlot{counselor: c.ID, start: s.Start.Format(time.RFC3339),
				theme: c.Themes[i%len(c.Themes)], format: c.Formats[i%len(c.Formats)]})
		}
	}
	if len(w.slots) == 0 {
		t.Fatal("fuzz: no free slot among the first listed counsellors")
	}
}

// id is one id of kind for role: mostly the seed's (the role's own rows
// more often), else a random UUID that names nothing.
func (w *fuzzWorld) id(r *rand.Rand, kind, role string) string {
	if w == nil || len(w.ids[kind]) == 0 || r.IntN(8) == 0 {
		if kind == "employee_email" || kind == "plan" {
			return ""
		}
		return uuidFor(r)
	}
	return w.row(r, kind, role)["id"]
}

// row is one row of kind: the role's own two times in three when it has
// any.
func (w *fuzzWorld) row(r *rand.Rand, kind, role string) map[string]string {
	if own := w.ids[kind+":"+role]; len(own) > 0 && r.IntN(3) > 0 {
		return own[r.IntN(len(own))]
	}
	rows := w.ids[kind]
	if len(rows) == 0 {
		return map[string]string{"id": uuidFor(r)}
	}
	return rows[r.IntN(len(rows))]
}

// pathKinds tells which kind of id a path parameter holds, from the
// collection the path names before it.
var pathKinds = map[string]string{
	"companies": "company", "counselors": "counselor", "credentials": "credential", "bookings": "booking",
	"invoices": "invoice", "payouts": "payout", "risk-alerts": "risk_alert", "programmes": "programme",
	"enrolments": "enrolment", "programme-steps": "programme_step", "plans": "plan",
	"recommendations": "counselor", "users": "user", "reviews": "review",
}

// learnEnrolments keeps the employee's enrolments and steps from their
// list, replacing what was known.
func (w *fuzzWorld) learnEnrolments(body []byte) {
	var list struct {
		Items []struct {
			ID    string `json:"id"`
			Steps []struct {
				ID string `json:"id"`
			} `json:"steps"`
		} `json:"items"`
	}
	if json.Unmarshal(body, &list) != nil || len(list.Items) == 0 {
		return
	}
	w.ids["enrolment:employee"], w.ids["programme_step:employee"] = nil, nil
	for _, e := range list.Items {
		w.ids["enrolment:employee"] = append(w.ids["enrolment:employee"], map[string]string{"id": e.ID})
		for _, st := range e.Steps {
			w.ids["programme_step:employee"] = append(w.ids["programme_step:employee"], map[string]string{"id": st.ID})
		}
	}
}

// find is the row of kind with id (empty when unknown).
func (w *fuzzWorld) find(kind, id string) map[string]string {
	for _, row := range w.ids[kind] {
		if row["id"] == id {
			return row
		}
	}
	return map[string]string{}
}

// own is the first id of kind that belongs to role's signed-in user.
func (w *fuzzWorld) own(kind, role string) string {
	if rows := w.ids[kind+":"+role]; len(rows) > 0 {
		return rows[0]["id"]
	}
	return ""
}

// isOwn reports whether id is a signed-in user's row of kind.
func (w *fuzzWorld) isOwn(kind, id string) bool {
	for _, role := range fuzzRoles {
		for _, row := range w.ids[kind+":"+role] {
			if row["id"] == id {
				return true
			}
		}
	}
	return false
}

// fuzzLearn lists the operations whose created rows later requests use,
// by kind: a booking just made can then be cancelled or rescheduled.
var fuzzLearn = map[string]string{
	"createBooking":      "booking:employee",
	"createCompany":      "company",
	"createCounselor":    "counselor",
	"createProgramme":    "programme",
	"submitMyCredential": "credential",
	"createPlan":         "plan",
}

// learn adds the row a 2xx created to its kind's ids, and the employee's
// enrolments and steps as they list them.
func (w *fuzzWorld) learn(op *fuzzOp, res apptest.Response) {
	if op.id == "listMyProgrammes" && res.Status == http.StatusOK {
		w.learnEnrolments(res.Body)
		return
	}
	kind, ok := fuzzLearn[op.id]
	if !ok || res.Status/100 != 2 {
		return
	}
	var raw map[string]any
	if json.Unmarshal(res.Body, &raw) != nil {
		return
	}
	row := map[string]string{}
	for k, col := range map[string]string{"id": "id", "code": "id", "company_id": "company", "counselor_id": "counselor"} {
		if v, ok := raw[k].(string); ok && v != "" {
			row[col] = v
		}
	}
	if row["id"] != "" {
		w.ids[kind] = append(w.ids[kind], row)
	}
}

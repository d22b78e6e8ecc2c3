package demo

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// Bulk inserts pass one array per column and unnest them, so thousands of
// rows cost one round trip. (COPY FROM is refused on tables with row-level
// security, hence unnest.)

// chunk bounds the rows of one statement.
const chunk = 5000

// userRow is one account to insert.
type userRow struct {
	id        uuid.UUID
	companyID uuid.UUID // uuid.Nil for counsellors and operators
	email     string
	name      string
	role      string
}

// insertUsers inserts users whose email is not yet taken, all with hash as
// their password, and returns the ids of those inserted by email.
func insertUsers(ctx context.Context, tx *sqlx.Tx, rows []userRow, hash string) (map[string]uuid.UUID, error) {
	out := make(map[string]uuid.UUID, len(rows))
	for lo := 0; lo < len(rows); lo += chunk {
		part := rows[lo:min(lo+chunk, len(rows))]
		ids, companies, emails, names, roles := make([]string, len(part)), make([]string, len(part)), make([]string, len(part)), make([]string, len(part)), make([]string, len(part))
		for i, u := range part {
			ids[i], emails[i], names[i], roles[i] = u.id.String(), u.email, u.name, u.role
			if u.companyID != uuid.Nil {
				companies[i] = u.companyID.String()
			}
		}
		rs, err := tx.QueryContext(ctx, `
			INSERT INTO users (id, company_id, email, name, role, password_hash)
			SELECT id::uuid, NULLIF(company_id, '')::uuid, email, name, role, $6
			FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) AS t(id, company_id, email, name, role)
			ON CONFLICT (email) DO NOTHING
			RETURNING id, email`,
			pq.Array(ids), pq.Array(companies), pq.Array(emails), pq.Array(names), pq.Array(roles), hash)
		if err != nil {
			return nil, fmt.Errorf("insert users: %w", err)
		}
		for rs.Next() {
			var id uuid.UUID
			var email string
			if err := rs.Scan(&id, &email); err != nil {
				rs.Close()
				return nil, err
			}
			out[email] = id
		}
		if err := rs.Close(); err != nil {
			return nil, err
		}
		if err := rs.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// departmentRow is one department to insert; parents come before children.
type departmentRow struct {
	id, parentID uuid.UUID
	name, path   string
}

func insertDepartments(ctx context.Context, tx *sqlx.Tx, companyID uuid.UUID, rows []departmentRow) error {
	for lo := 0; lo < len(rows); lo += chunk {
		part := rows[lo:min(lo+chunk, len(rows))]
		ids, parents, names, paths := make([]string, len(part)), make([]string, len(part)), make([]string, len(part)), make([]string, len(part))
		for i, d := range part {
			ids[i], names[i], paths[i] = d.id.String(), d.name, d.path
			if d.parentID != uuid.Nil {
				parents[i] = d.parentID.String()
			}
		}
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO departments (company_id, id, parent_id, name, path)
			SELECT $1, id::uuid, NULLIF(parent_id, '')::uuid, name, path
			FROM unnest($2::text[], $3::text[], $4::text[], $5::text[]) AS t(id, parent_id, name, path)`,
			companyID, pq.Array(ids), pq.Array(parents), pq.Array(names), pq.Array(paths)); err != nil {
			return fmt.Errorf("insert departments: %w", err)
		}
	}
	return nil
}

// employeeRow is one roster entry to insert.
type employeeRow struct {
	userID, departmentID                    uuid.UUID
	ageBand, tenureBand, jobFamily, empCode string
}

func insertEmployees(ctx context.Context, tx *sqlx.Tx, companyID uuid.UUID, rows []employeeRow) error {
	for lo := 0; lo < len(rows); lo += chunk {
		part := rows[lo:min(lo+chunk, len(rows))]
		users, depts, ages, tenures, jobs, codes := make([]string, len(part)), make([]string, len(part)), make([]string, len(part)), make([]string, len(part)), make([]string, len(part)), make([]string, len(part))
		for i, e := range part {
			users[i], ages[i], tenures[i], jobs[i], codes[i] = e.userID.String(), e.ageBand, e.tenureBand, e.jobFamily, e.empCode
			if e.departmentID != uuid.Nil {
				depts[i] = e.departmentID.String()
			}
		}
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO employees (company_id, user_id, department_id, age_band, tenure_band, job_family, employee_code)
			SELECT $1, user_id::uuid, NULLIF(department_id, '')::uuid, NULLIF(age_band, ''), NULLIF(tenure_band, ''), job_family, employee_code
			FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
			  AS t(user_id, department_id, age_band, tenure_band, job_family, employee_code)`,
			companyID, pq.Array(users), pq.Array(depts), pq.Array(ages), pq.Array(tenures), pq.Array(jobs), pq.Array(codes)); err != nil {
			return fmt.Errorf("insert employees: %w", err)
		}
	}
	return nil
}

// insertCounselors inserts the profiles and credentials of counsellors whose
// users were just created (userIDs by email); others are skipped.
// verifier, when set, is recorded as who verified the credentials.
func insertCounselors(ctx context.Context, tx *sqlx.Tx, specs []counselorSpec, userIDs map[string]uuid.UUID, verifier uuid.UUID, now time.Time) error {
	var cols [15][]string
	var rates, years []int64
	var cred [7][]string
	add := func(a *[]string, v string) { *a = append(*a, v) }
	for _, c := range specs {
		uid, ok := userIDs[c.email]
		if !ok {
			continue
		}
		id := uuid.New()
		verifiedAt := ""
		if c.status == "verified" {
			verifiedAt = now.Format(time.RFC3339)
		}
		for i, v := range []string{id.String(), uid.String(), c.status, c.name, c.kana, c.bio, c.gender, c.ageBand,
			strings.Join(c.languages, ","), strings.Join(c.formats, ","), strings.Join(c.themes, ","),
			strings.Join(c.industries, ","), strings.Join(c.functions, ","), c.timezone, verifiedAt} {
			add(&cols[i], v)
		}
		rates, years = append(rates, c.rateJPY), append(years, int64(c.yearsExperience))
		for _, k := range c.credentials {
			expires, at := "", ""
			if !k.expiresOn.IsZero() {
				expires = k.expiresOn.Format(time.DateOnly)
			}
			if k.status == "verified" {
				at = now.Format(time.RFC3339)
			}
			for i, v := range []string{id.String(), k.kind, k.number, k.issuedOn.Format(time.DateOnly), expires, k.status, at} {
				add(&cred[i], v)
			}
		}
	}
	for lo := 0; lo < len(rates); lo += chunk {
		hi := min(lo+chunk, len(rates))
		args := []any{}
		for i := range cols {
			args = append(args, pq.Array(cols[i][lo:hi]))
		}
		args = append(args, pq.Array(rates[lo:hi]), pq.Array(years[lo:hi]))
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO counselors (id, user_id, status, display_name, kana, bio, gender, age_band, languages, formats, themes,
			                        industries, job_functions, timezone, verified_at, rate_jpy, years_experience, in_person_place)
			SELECT id::uuid, user_id::uuid, status, display_name, kana, bio, gender, age_band,
			       string_to_array(languages, ','), string_to_array(formats, ','), string_to_array(themes, ','),
			       string_to_array(industries, ','), string_to_array(job_functions, ','), timezone,
			       NULLIF(verified_at, '')::timestamptz, rate_jpy, years_experience,
			       -- An invented place for the in-person sessions of the demo.
			       CASE WHEN 'in_person' = ANY (string_to_array(formats, ','))
			            THEN E'東京都千代田区架空町1-2-3 対話ビル5階 502面談室\n架空駅 東口から徒歩3分' ELSE '' END
			FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
			            $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[],
			            $16::bigint[], $17::int[])
			  AS t(id, user_id, status, display_name, kana, bio, gender, age_band, languages, formats, themes,
			       industries, job_functions, timezone, verified_at, rate_jpy, years_experience)`, args...); err != nil {
			return fmt.Errorf("insert counselors: %w", err)
		}
	}
	var by any
	if verifier != uuid.Nil {
		by = verifier
	}
	for lo := 0; lo < len(cred[0]); lo += chunk {
		hi := min(lo+chunk, len(cred[0]))
		args := []any{}
		for i := range cred {
			args = append(args, pq.Array(cred[i][lo:hi]))
		}
		args = append(args, by)
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO credentials (counselor_id, kind, registration_number, issued_on, expires_on, status, verified_at, verified_by)
			SELECT counselor_id::uuid, kind, number, issued_on::date, NULLIF(expires_on, '')::date, status,
			       NULLIF(verified_at, '')::timestamptz, CASE WHEN status = 'verified' THEN $8::uuid END
			FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
			  AS t(counselor_id, kind, number, issued_on, expires_on, status, verified_at)`, args...); err != nil {
			return fmt.Errorf("insert credentials: %w", err)
		}
	}
	return nil
}

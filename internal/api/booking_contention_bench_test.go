package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/account"
	"github.com/taiwa/taiwa/internal/apptest"
	"github.com/taiwa/taiwa/internal/platform/config"
	"github.com/taiwa/taiwa/internal/platform/db"
)

// BenchmarkBookingHTTPContention: booking attempts per second through the
// real HTTP API, with the outbox worker running in the server (booking
// mails to the SMTP sink, search documents to a real Meilisearch,
// next_available_at follow-ups), eight employees racing for each slot of
// each of four counsellors at once; against an anchor measured in the same
// run on the same database: plain one-row-per-transaction INSERTs into a
// simple table, from as many goroutines as there are racers.
//
// The racers send their requests with a plain keep-alive client (a
// connection each, reused between rounds), not the harness's client, which
// checks every answer against openapi.json and, through Go's default
// transport, keeps only two idle connections: both are the benchmark's own
// cost, which the anchor does not pay. The booking API's answers are
// checked against the contract by the booking tests.
//
// One op is ten rounds; a round is one slot per counsellor, so 320 booking
// attempts (40 bookings) per op. A sampler reads pg_stat_activity every few
// milliseconds throughout and reports the longest time any session sat
// "idle in transaction" (max-idle-in-tx-ms): before issue 17 the worker
// held its transaction across Meilisearch's task wait (seen at 1.24 s).
//
//	go test -run '^$' -bench BookingHTTPContention -benchtime 5x ./internal/api/
func BenchmarkBookingHTTPContention(b *testing.B) {
	const counsellors, racers, roundsPerOp = 4, 8, 10
	h := apptest.New(b, apptest.Options{Search: true, Configure: func(c *config.Config) { c.RunWorker = true }})
	ctx := context.Background()
	hash, err := account.HashPassword("employee-pass-2026")
	if err != nil {
		b.Fatal(err)
	}
	var (
		cids   = make([]string, counsellors)
		emails = make([][]string, counsellors)
	)
	err = h.Env.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		var company uuid.UUID
		if err := tx.Get(&company, `INSERT INTO companies (name) VALUES ('ベンチ商事') RETURNING id`); err != nil {
			return err
		}
		if _, err := tx.Exec(`INSERT INTO contracts (company_id, plan_code, seats, starts_on, status) VALUES ($1, 'subscription', 100, '2020-01-01', 'active')`, company); err != nil {
			return err
		}
		for c := range counsellors {
			for r := range racers {
				email := fmt.Sprintf("bench%d-%d@bench-shoji.example", c, r)
				var uid uuid.UUID
				if err := tx.Get(&uid, `INSERT INTO users (company_id, email, name, role, password_hash) VALUES ($1, $2, '社員', 'employee', $3) RETURNING id`, company, email, hash); err != nil {
					return err
				}
				if _, err := tx.Exec(`INSERT INTO employees (company_id, user_id) VALUES ($1, $2)`, company, uid); err != nil {
					return err
				}
				emails[c] = append(emails[c], email)
			}
			var uid uuid.UUID
			if err := tx.Get(&uid, `INSERT INTO users (email, name, role, password_hash) VALUES ($1, '相談 花子', 'counselor', $2) RETURNING id`,
				fmt.Sprintf("bench-counselor%d@taiwa.example", c), hash); err != nil {
				return err
			}
			if err := tx.Get(&cids[c], `INSERT INTO counselors (user_id, status, display_name, themes, formats, verified_at)
				VALUES ($1, 'verified', $2, '{career,onboarding}', '{video,phone}', now()) RETURNING id`, uid, fmt.Sprintf("ベンチ 花子%d", c)); err != nil {
				return err
			}
			if _, err := tx.Exec(`INSERT INTO credentials (counselor_id, kind, registration_number, issued_on, status, verified_at)
				VALUES ($1, 'career_consultant', '16012345', '2020-04-01', 'verified', now())`, cids[c]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	owner, err := sqlx.Open("postgres", h.Env.AdminURL)
	if err != nil {
		b.Fatal(err)
	}
	defer owner.Close()
	if _, err := owner.Exec(`CREATE TABLE bench_anchor (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, note text NOT NULL);
		GRANT INSERT ON bench_anchor TO taiwa_app`); err != nil {
		b.Fatal(err)
	}
	weekly := []map[string]any{}
	for d := 1; d <= 7; d++ {
		weekly = append(weekly, map[string]any{"weekday": d, "start": "00:00", "end": "24:00"})
	}
	avail := map[string]any{"timezone": "Asia/Tokyo", "slot_minutes": 50, "buffer_minutes": 10, "min_notice_minutes": 0,
		"horizon_days": 60, "max_per_day": 24, "weekly": weekly, "overrides": []any{}}
	clients := make([][]*apptest.Client, counsellors)
	slots := make([][]slotJSON, counsellors)
	for c := range counsellors {
		co := h.Login(fmt.Sprintf("bench-counselor%d@taiwa.example", c), "employee-pass-2026")
		if st := co.Do("PUT", "/api/v1/me/availability", avail, nil); st != 200 {
			b.Fatalf("set availability: %d", st)
		}
		for _, e := range emails[c] {
			clients[c] = append(clients[c], h.Login(e, "employee-pass-2026"))
		}
		var out struct {
			Slots []slotJSON `json:"slots"`
		}
		from := time.Now().Add(time.Hour)
		q := "?from=" + url.QueryEscape(from.Format(time.RFC3339)) + "&to=" + url.QueryEscape(from.Add(59*24*time.Hour).Format(time.RFC3339))
		if st := clients[c][0].Do("GET", "/api/v1/counselors/"+cids[c]+"/slots"+q, nil, &out); st != 200 {
			b.Fatalf("slots: %d", st)
		}
		slots[c] = out.Slots
	}
	racer := &http.Client{Transport: &http.Transport{MaxIdleConns: 2 * counsellors * racers, MaxIdleConnsPerHost: 2 * counsellors * racers}}
	defer racer.CloseIdleConnections()
	// Let the set-up's side effects settle before measuring.
	h.DrainOutbox()

	sampleCtx, stopSampling := context.WithCancel(ctx)
	var (
		maxIdleMS    atomic.Int64
		maxIdleQuery string // the statement before the longest idle spell
	)
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for sampleCtx.Err() == nil {
			var row struct {
				MS    float64 `db:"ms"`
				Query string  `db:"query"`
			}
			if err := h.Env.DB.System().GetContext(sampleCtx, &row, `
				SELECT extract(epoch FROM clock_timestamp() - state_change) * 1000 AS ms, left(query, 300) AS query
				FROM pg_stat_activity
				WHERE datname = current_database() AND state LIKE 'idle in transaction%'
				ORDER BY state_change LIMIT 1`); err == nil && int64(row.MS) > maxIdleMS.Load() {
				maxIdleMS.Store(int64(row.MS))
				maxIdleQuery = row.Query
			}
			select {
			case <-sampleCtx.Done():
			case <-time.After(2 * time.Millisecond):
			}
		}
	}()

	var (
		won, lost, other, anchorRows atomic.Int64
		bookTime, anchorTime         time.Duration
		next                         int
		latMu                        sync.Mutex
		winMS, loseMS                []float64 // each answer's time from the round's start
	)
	for b.Loop() {
		for range roundsPerOp {
			if next >= len(slots[0]) {
				b.Fatalf("out of slots after %d rounds; use a smaller -benchtime", next)
			}
			start := time.Now()
			var wg sync.WaitGroup
			for c := range counsellors {
				target := slots[c][next].Start
				for r := range racers {
					wg.Add(1)
					go func() {
						defer wg.Done()
						status, body := raceBook(racer, h.URL, clients[c][r].Token, bookBody(cids[c], target))
						ms := float64(time.Since(start).Microseconds()) / 1000
						switch status {
						case 201:
							won.Add(1)
							latMu.Lock()
							winMS = append(winMS, ms)
							latMu.Unlock()
						case 409:
							lost.Add(1)
							latMu.Lock()
							loseMS = append(loseMS, ms)
							latMu.Unlock()
						default:
							other.Add(1)
							b.Errorf("booking: %d %s", status, body)
						}
					}()
				}
			}
			wg.Wait()
			bookTime += time.Since(start)
			next++

			start = time.Now()
			for range counsellors * racers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if _, err := h.Env.DB.ExecContext(ctx, `INSERT INTO bench_anchor (note) VALUES ('anchor')`); err != nil {
						b.Error(err)
						return
					}
					anchorRows.Add(1)
				}()
			}
			wg.Wait()
			anchorTime += time.Since(start)
		}
	}
	b.StopTimer()
	stopSampling()
	<-sampled
	b.Logf("longest idle in transaction: %d ms after %q", maxIdleMS.Load(), maxIdleQuery)
	if w := won.Load(); w != int64(next*counsellors) {
		b.Fatalf("won %d slots, want %d (exactly one per slot)", w, next*counsellors)
	}
	attempts := float64(won.Load()+lost.Load()+other.Load()) / bookTime.Seconds()
	anchor := float64(anchorRows.Load()) / anchorTime.Seconds()
	b.ReportMetric(attempts, "attempts/s")
	b.ReportMetric(float64(won.Load())/bookTime.Seconds(), "bookings/s")
	b.ReportMetric(anchor, "anchor-rows/s")
	b.ReportMetric(100*attempts/anchor, "%-of-anchor")
	b.ReportMetric(float64(maxIdleMS.Load()), "max-idle-in-tx-ms")
	// Where a round's time goes: when the winners and the losers answer,
	// counted from the round's start.
	b.ReportMetric(median(winMS), "winner-p50-ms")
	b.ReportMetric(median(loseMS), "loser-p50-ms")
	b.ReportMetric(bookTime.Seconds()*1000/float64(next), "round-ms")
	var pending int
	if err := h.Env.DB.GetContext(ctx, &pending, `SELECT count(*) FROM outbox WHERE status = 'pending' AND next_attempt_at <= now()`); err == nil {
		b.ReportMetric(float64(pending), "outbox-backlog")
	}
}

// raceBook posts one booking with the employee's bearer token and returns
// the status and the body (read to the end, so the connection is reused).
func raceBook(c *http.Client, base, token string, in map[string]any) (int, []byte) {
	body, err := json.Marshal(in)
	if err != nil {
		return 0, []byte(err.Error())
	}
	req, err := http.NewRequest("POST", base+"/api/v1/bookings", bytes.NewReader(body))
	if err != nil {
		return 0, []byte(err.Error())
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := c.Do(req)
	if err != nil {
		return 0, []byte(err.Error())
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out
}

// median is the middle of xs (0 for none); xs is sorted in place.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	slices.Sort(xs)
	return xs[len(xs)/2]
}

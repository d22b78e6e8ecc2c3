package web_test

import (
	"context"
	"net/http"
	"sort"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/coder/websocket"
	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/account"
	"github.com/taiwa/taiwa/internal/apptest"
	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/config"
	"github.com/taiwa/taiwa/internal/platform/db"
)

// benchRoom makes, by SQL, a company with one employee, a verified
// counsellor and a video session in progress between them; it returns the
// session's id.
func benchRoom(tb testing.TB, h *apptest.Harness) uuid.UUID {
	tb.Helper()
	var co struct {
		ID uuid.UUID `json:"id"`
	}
	if st := h.Operator().Do("POST", "/api/v1/companies", map[string]any{"name": "ベンチ商事", "plan_code": "subscription", "seats": 10}, &co); st != http.StatusCreated {
		tb.Fatalf("company: %d", st)
	}
	emp := h.CreateUser(account.NewUser{CompanyID: co.ID, Email: empEmail, Name: "社員 一郎", Role: auth.RoleEmployee, Password: empPass})
	cu := h.CreateUser(account.NewUser{Email: cEmail, Name: "田中 誠", Role: auth.RoleCounselor, Password: counselorPass})
	var id uuid.UUID
	start := time.Now().Add(-time.Minute)
	err := h.Env.DB.InTx(context.Background(), db.System, func(tx *sqlx.Tx) error {
		if _, err := tx.Exec(`INSERT INTO employees (company_id, user_id) VALUES ($1, $2)`, co.ID, emp.ID); err != nil {
			return err
		}
		var cid uuid.UUID
		if err := tx.Get(&cid, `INSERT INTO counselors (user_id, status, display_name, formats, verified_at)
			VALUES ($1, 'verified', '田中 誠', '{video}', now()) RETURNING id`, cu.ID); err != nil {
			return err
		}
		return tx.Get(&id, `INSERT INTO bookings (company_id, employee_user_id, counselor_id, counselor_user_id, starts_at, ends_at, blocked_until, theme, format)
			VALUES ($1, $2, $3, $4, $5, $6, $6, 'career', 'video') RETURNING id`, co.ID, emp.ID, cid, cu.ID, start, start.Add(50*time.Minute))
	})
	if err != nil {
		tb.Fatal(err)
	}
	return id
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkRoomSignallingPerCall is one call's signalling through the
// server: both parties connect, the counsellor sends an offer and ten ICE
// candidates, the employee an answer and ten, both are relayed, both
// leave (attendance recorded, held checked). cpu-ms/call is the process's
// CPU time per call — the test's two clients included, so an upper bound
// of the server's share.
func BenchmarkRoomSignallingPerCall(b *testing.B) {
	h := apptest.New(b)
	id := benchRoom(b, h)
	emp, cn := newBrowser(b, h), newBrowser(b, h)
	emp.login(empEmail, empPass)
	cn.login(cEmail, counselorPass)
	empWS := roomSocketPath(b, emp.get("/meet/"+id.String()))
	cnWS := roomSocketPath(b, cn.get("/meet/"+id.String()))
	ctx := context.Background()
	offer := []byte(`{"type":"offer","sdp":"` + fakeSDP + `"}`)
	answer := []byte(`{"type":"answer","sdp":"` + fakeSDP + `"}`)
	cand := []byte(`{"type":"candidate","candidate":{"candidate":"candidate:1 1 udp 2122260223 192.0.2.1 54321 typ host","sdpMid":"0","sdpMLineIndex":0}}`)
	b.ResetTimer()
	cpu0 := cpuTime()
	for range b.N {
		ce, _, err := dialRoom(ctx, emp, empWS)
		if err != nil {
			b.Fatal(err)
		}
		mustRead(b, ctx, ce, "welcome")
		cc, _, err := dialRoom(ctx, cn, cnWS)
		if err != nil {
			b.Fatal(err)
		}
		mustRead(b, ctx, cc, "welcome")
		mustRead(b, ctx, ce, "peer-joined")
		mustWrite(b, ctx, cc, offer)
		mustRead(b, ctx, ce, "offer")
		mustWrite(b, ctx, ce, answer)
		mustRead(b, ctx, cc, "answer")
		for range 10 {
			mustWrite(b, ctx, cc, cand)
			mustWrite(b, ctx, ce, cand)
		}
		for range 10 {
			mustRead(b, ctx, ce, "candidate")
			mustRead(b, ctx, cc, "candidate")
		}
		_ = cc.Close(websocket.StatusNormalClosure, "")
		mustRead(b, ctx, ce, "peer-left")
		_ = ce.Close(websocket.StatusNormalClosure, "")
	}
	b.StopTimer()
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(time.Millisecond)/float64(b.N), "cpu-ms/call")
}

// fakeSDP is the size of a real offer with audio and video (≈ 4 KB).
var fakeSDP = func() string {
	line := `a=rtpmap:96 VP8/90000\r\n`
	s := "v=0\\r\\n"
	for len(s) < 4000 {
		s += line
	}
	return s
}()

func mustWrite(b *testing.B, ctx context.Context, c *websocket.Conn, msg []byte) {
	if err := c.Write(ctx, websocket.MessageText, msg); err != nil {
		b.Fatal(err)
	}
}

func mustRead(b *testing.B, ctx context.Context, c *websocket.Conn, want string) {
	b.Helper()
	if m := readSignal(b, ctx, c); m["type"] != want {
		b.Fatalf("got %v, want %s", m["type"], want)
	}
}

// BenchmarkRoomJoinToFirstRemoteFrame: the counsellor waits in the room
// in one headless Chromium; the employee opens the room page in another
// (fake cameras, loopback, embedded TURN offered) and the time from the
// page's script start to the first decoded frame of the counsellor's
// video is taken; p50-ms is the median over b.N joins.
func BenchmarkRoomJoinToFirstRemoteFrame(b *testing.B) {
	empCtx := newChrome(b, mediaFlags...)
	cnCtx := newChrome(b, mediaFlags...)
	h := apptest.New(b, apptest.Options{Configure: func(c *config.Config) {
		c.TurnAddr, c.TurnRelayIP = "127.0.0.1:0", "127.0.0.1"
	}})
	id := benchRoom(b, h)
	room := h.URL + "/meet/" + id.String()
	if err := chromedp.Do(empCtx, browserLogin(h, empEmail, empPass), chromedp.WaitVisible(chromedp.CSS(`.hero`))); err != nil {
		b.Fatal(err)
	}
	if err := chromedp.Do(cnCtx, browserLogin(h, cEmail, counselorPass), chromedp.WaitVisible(chromedp.CSS(`#counselor-status`)),
		chromedp.Navigate(room), chromedp.WaitVisible(chromedp.CSS(`#room`))); err != nil {
		b.Fatal(err)
	}
	var ms []float64
	b.ResetTimer()
	for range b.N {
		if err := chromedp.Do(empCtx, chromedp.Navigate(room), chromedp.WaitVisible(chromedp.CSS(`#room`))); err != nil {
			b.Fatal(err)
		}
		ms = append(ms, waitFirstFrame(b, empCtx))
	}
	b.StopTimer()
	sort.Float64s(ms)
	b.ReportMetric(ms[len(ms)/2], "p50-ms")
}

// waitFirstFrame polls the page until its first remote frame, and returns
// how long after the script started it came.
func waitFirstFrame(b *testing.B, ctx context.Context) float64 {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		st, err := readRoomStats(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if st.FirstFrame > 0 && st.Frames > 0 {
			return st.FirstFrame
		}
		select {
		case <-ctx.Done():
			b.Fatal("no remote frame before the deadline")
		case <-tick.C:
		}
	}
}

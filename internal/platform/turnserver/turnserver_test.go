package turnserver_test

import (
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/turn/v4"

	"github.com/taiwa/taiwa/internal/platform/turnserver"
)

const secret = "test-shared-secret"

func start(t testing.TB) *turnserver.Server {
	t.Helper()
	s, err := turnserver.Start(turnserver.Config{Addr: "127.0.0.1:0", RelayIP: "127.0.0.1", Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// allocate signs in to the server with username/password and asks for a
// relayed address.
func allocate(t testing.TB, s *turnserver.Server, username, password string) (*turn.Client, net.PacketConn, error) {
	t.Helper()
	conn, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	c, err := turn.NewClient(&turn.ClientConfig{
		STUNServerAddr: s.Addr().String(), TURNServerAddr: s.Addr().String(), Conn: conn,
		Username: username, Password: password, Realm: turnserver.Realm,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	if err := c.Listen(); err != nil {
		t.Fatal(err)
	}
	relay, err := c.Allocate()
	if err != nil {
		return c, nil, err
	}
	t.Cleanup(func() { _ = relay.Close() })
	return c, relay, nil
}

// TestCredentialsFollowTheTURNRESTAPI: username "<expiry>:<user>",
// password base64(HMAC-SHA1(secret, username)) — the form coturn's
// use-auth-secret checks (value computed with openssl).
func TestCredentialsFollowTheTURNRESTAPI(t *testing.T) {
	u, p := turnserver.Credentials("s3cret", "b1-employee", time.Unix(1893456000, 0))
	if u != "1893456000:b1-employee" || p != "XzM+/fpC5S+b1hLb53jdq4Roqm8=" {
		t.Fatalf("credentials %q %q", u, p)
	}
	if got := turnserver.Servers(nil, "s", "u", time.Now()); len(got) != 0 {
		t.Fatalf("no URLs gave %v", got)
	}
}

// TestServerRelaysOnlyForValidUnexpiredCredentials: a per-booking
// credential gets a relayed address; a wrong password, another secret's
// credential and an expired one are refused.
func TestServerRelaysOnlyForValidUnexpiredCredentials(t *testing.T) {
	s := start(t)
	cases := []struct {
		name     string
		user     func() (string, string)
		accepted bool
	}{
		{"valid", func() (string, string) {
			return turnserver.Credentials(secret, "b1-employee", time.Now().Add(time.Hour))
		}, true},
		{"wrong password", func() (string, string) {
			u, _ := turnserver.Credentials(secret, "b1-employee", time.Now().Add(time.Hour))
			return u, "nope"
		}, false},
		{"other secret", func() (string, string) {
			return turnserver.Credentials("other", "b1-employee", time.Now().Add(time.Hour))
		}, false},
		{"expired", func() (string, string) {
			return turnserver.Credentials(secret, "b1-employee", time.Now().Add(-time.Minute))
		}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			u, p := tc.user()
			_, relay, err := allocate(t, s, u, p)
			if tc.accepted && (err != nil || relay.LocalAddr().(*net.UDPAddr).IP.String() != "127.0.0.1") {
				t.Fatalf("refused: %v", err)
			}
			if !tc.accepted && err == nil {
				t.Fatal("allocated with bad credentials")
			}
		})
	}
}

// BenchmarkTURNRelayThroughput relays 1,200-byte UDP datagrams (a video
// packet's size) from a TURN client through the embedded server to a peer
// on loopback. Sends are paced in windows of 32 in flight; MB/s counts what
// was sent, relayed-MB/s what arrived, and loss-% the difference.
func BenchmarkTURNRelayThroughput(b *testing.B) {
	s := start(b)
	u, p := turnserver.Credentials(secret, "bench", time.Now().Add(time.Hour))
	_, relay, err := allocate(b, s, u, p)
	if err != nil {
		b.Fatal(err)
	}
	peer, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer peer.Close()
	var got atomic.Int64
	go func() {
		buf := make([]byte, 1500)
		for {
			if _, _, err := peer.ReadFrom(buf); err != nil {
				return
			}
			got.Add(1)
		}
	}()
	payload := make([]byte, 1200)
	// The first write creates the permission; wait for it to arrive.
	for got.Load() == 0 {
		if _, err := relay.WriteTo(payload, peer.LocalAddr()); err != nil {
			b.Fatal(err)
		}
		waitCount(&got, 1)
	}
	const window = 32
	b.SetBytes(int64(len(payload)))
	b.ResetTimer()
	start, base := time.Now(), got.Load()
	for i := 1; i <= b.N; i++ {
		if _, err := relay.WriteTo(payload, peer.LocalAddr()); err != nil {
			b.Fatal(err)
		}
		if i%window == 0 {
			waitCount(&got, base+int64(i-window/2))
		}
	}
	waitCount(&got, base+int64(b.N))
	b.StopTimer()
	arrived := got.Load() - base
	b.ReportMetric(float64(arrived*int64(len(payload)))/time.Since(start).Seconds()/1e6, "relayed-MB/s")
	b.ReportMetric(100*float64(int64(b.N)-arrived)/float64(b.N), "loss-%")
}

// waitCount waits until n datagrams arrived, or until none has arrived
// for a while (a datagram lost on the way never comes).
func waitCount(got *atomic.Int64, n int64) {
	last, since := got.Load(), time.Now()
	for last < n {
		time.Sleep(20 * time.Microsecond)
		if now := got.Load(); now != last {
			last, since = now, time.Now()
		} else if time.Since(since) > 200*time.Millisecond {
			return
		}
	}
}

// Package meili connects Taiwa to Meilisearch: an HTTP client that does not
// stall on loopback, settings applied from the search/ folder, task waits,
// index swaps and a health flag the search fallback and /readyz read.
package meili

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"syscall"
	"time"
)

// Why a custom transport: Meilisearch (actix-web) writes a response's
// headers and its body in two writes on a socket without TCP_NODELAY. With
// the headers unacknowledged, Nagle's algorithm holds the body back until
// the client ACKs — and Linux delays that ACK by about 40 ms. Measured on
// loopback: any response larger than a few hundred bytes took 44 ms while
// the engine worked under 1 ms. The client cannot change the server's
// socket, but it can ACK at once: TCP_QUICKACK, re-armed before every read
// because the kernel clears it. With it the same search takes ~1 ms.

// quickAckConn re-arms TCP_QUICKACK before each read.
type quickAckConn struct {
	*net.TCPConn
	raw syscall.RawConn
}

func (c *quickAckConn) Read(b []byte) (int, error) {
	_ = c.raw.Control(func(fd uintptr) {
		_ = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_QUICKACK, 1)
	})
	return c.TCPConn.Read(b)
}

func dialQuickAck(ctx context.Context, network, addr string) (net.Conn, error) {
	d := net.Dialer{Timeout: 2 * time.Second, KeepAlive: 30 * time.Second}
	conn, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	tcp, ok := conn.(*net.TCPConn)
	if !ok {
		return conn, nil
	}
	raw, err := tcp.SyscallConn()
	if err != nil {
		return conn, nil
	}
	return &quickAckConn{TCPConn: tcp, raw: raw}, nil
}

// NewHTTPClient returns the client for Meilisearch: keep-alive connections
// that ACK immediately, a generous idle pool, and a whole-request timeout.
// gzip asks for compressed answers: worth it across a network, pure CPU on
// both sides on loopback (see Gzip).
func NewHTTPClient(timeout time.Duration, gzip bool) *http.Client {
	return &http.Client{
		Timeout: timeout,
		Transport: &http.Transport{
			DialContext:         dialQuickAck,
			MaxIdleConns:        64,
			MaxIdleConnsPerHost: 64,
			IdleConnTimeout:     90 * time.Second,
			ForceAttemptHTTP2:   false,
			DisableCompression:  !gzip,
		},
	}
}

// Gzip says whether to ask the engine at rawURL for compressed answers:
// setting "on" or "off" decides; "auto" (or empty) compresses unless the
// engine is on this machine (a loopback address or localhost).
func Gzip(rawURL, setting string) bool {
	switch setting {
	case "on":
		return true
	case "off":
		return false
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return true
	}
	host := u.Hostname()
	if host == "localhost" {
		return false
	}
	ip := net.ParseIP(host)
	return ip == nil || !ip.IsLoopback()
}

// Package turnserver relays the video room's media when the two browsers
// cannot reach each other directly: an embedded TURN/STUN server (pion/turn)
// or an external one (coturn), both with short-lived TURN REST API
// credentials derived per booking from a shared secret.
package turnserver

import (
	"crypto/hmac"
	"crypto/sha1" //nolint:gosec // HMAC-SHA1 is what the TURN REST API and coturn's use-auth-secret define
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/pion/logging"
	"github.com/pion/turn/v4"
)

// Realm is the TURN realm of the embedded server.
const Realm = "taiwa"

// ICEServer is one entry of RTCPeerConnection's iceServers.
type ICEServer struct {
	URLs       []string `json:"urls"`
	Username   string   `json:"username,omitempty"`
	Credential string   `json:"credential,omitempty"`
}

// Credentials returns a TURN REST API username and password for user
// (a booking and party) valid until expires: username = "<unix
// expiry>:<user>", password = base64(HMAC-SHA1(secret, username)).
func Credentials(secret, user string, expires time.Time) (username, password string) {
	username = strconv.FormatInt(expires.Unix(), 10) + ":" + user
	mac := hmac.New(sha1.New, []byte(secret))
	mac.Write([]byte(username))
	return username, base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// Servers is the iceServers list for user until expires: every URL shares
// the credentials (STUN URLs ignore them).
func Servers(urls []string, secret, user string, expires time.Time) []ICEServer {
	if len(urls) == 0 {
		return []ICEServer{}
	}
	u, p := Credentials(secret, user, expires)
	return []ICEServer{{URLs: urls, Username: u, Credential: p}}
}

// Config is the embedded server's settings.
type Config struct {
	// Addr is the UDP address it listens on (e.g. 0.0.0.0:3478).
	Addr string
	// RelayIP is the address relayed candidates carry: the machine's
	// public address, reachable by both browsers.
	RelayIP string
	// Secret is the shared secret of the TURN REST API credentials.
	Secret string
}

// Server is a running embedded TURN server.
type Server struct {
	srv  *turn.Server
	conn net.PacketConn
}

// Start listens on cfg.Addr and serves TURN and STUN until Close.
func Start(cfg Config) (*Server, error) {
	ip := net.ParseIP(cfg.RelayIP)
	if ip == nil {
		return nil, fmt.Errorf("turn: relay address %q is not an IP address", cfg.RelayIP)
	}
	if cfg.Secret == "" {
		return nil, errors.New("turn: no shared secret")
	}
	host, _, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("turn: listen address %q: %w", cfg.Addr, err)
	}
	if host == "" {
		host = "0.0.0.0"
	}
	conn, err := net.ListenPacket("udp4", cfg.Addr) //nolint:noctx // lives as long as the server
	if err != nil {
		return nil, fmt.Errorf("turn: listen %s: %w", cfg.Addr, err)
	}
	quiet := logging.NewDefaultLoggerFactory()
	quiet.DefaultLogLevel = logging.LogLevelDisabled
	srv, err := turn.NewServer(turn.ServerConfig{
		Realm:         Realm,
		LoggerFactory: quiet,
		AuthHandler:   turn.LongTermTURNRESTAuthHandler(cfg.Secret, quiet.NewLogger("turn")),
		PacketConnConfigs: []turn.PacketConnConfig{{
			PacketConn:            conn,
			RelayAddressGenerator: &turn.RelayAddressGeneratorStatic{RelayAddress: ip, Address: host},
		}},
	})
	if err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("turn: %w", err)
	}
	return &Server{srv: srv, conn: conn}, nil
}

// Addr is the UDP address the server listens on.
func (s *Server) Addr() *net.UDPAddr { return s.conn.LocalAddr().(*net.UDPAddr) }

// Close stops the server and frees its allocations.
func (s *Server) Close() error { return s.srv.Close() }

package app

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net"
	"net/url"
	"strconv"

	"github.com/taiwa/taiwa/internal/platform/turnserver"
	webui "github.com/taiwa/taiwa/internal/web"
)

// startRoom prepares the video room's ICE servers: the external ones of
// TAIWA_TURN_URLS, else the embedded TURN/STUN server on TAIWA_TURN_ADDR
// (none when that is off: browsers then connect directly or not at all).
func (a *App) startRoom() (webui.RoomConfig, error) {
	cfg := a.Config
	if len(cfg.TurnURLs) > 0 {
		return webui.RoomConfig{ICEURLs: cfg.TurnURLs, Secret: cfg.TurnSecret}, nil
	}
	secret := cfg.TurnSecret
	if secret == "" {
		// Credentials only need to outlive a call on this process.
		b := make([]byte, 32)
		if _, err := rand.Read(b); err != nil {
			return webui.RoomConfig{}, err
		}
		secret = base64.RawStdEncoding.EncodeToString(b)
	}
	if cfg.TurnAddr == "" {
		return webui.RoomConfig{Secret: secret}, nil
	}
	srv, err := turnserver.Start(turnserver.Config{Addr: cfg.TurnAddr, RelayIP: cfg.TurnRelayIP, Secret: secret})
	if err != nil {
		return webui.RoomConfig{}, fmt.Errorf("%w (set TAIWA_TURN_ADDR=off to run without the embedded TURN server)", err)
	}
	a.Turn = srv
	host := cfg.TurnHost
	if host == "" {
		if u, err := url.Parse(cfg.BaseURL); err == nil {
			host = u.Hostname()
		}
	}
	hp := net.JoinHostPort(host, strconv.Itoa(srv.Addr().Port))
	return webui.RoomConfig{Secret: secret, ICEURLs: []string{"stun:" + hp, "turn:" + hp + "?transport=udp"}}, nil
}

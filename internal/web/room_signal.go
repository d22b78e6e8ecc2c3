package web

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/taiwa/taiwa/internal/booking"
	"github.com/taiwa/taiwa/internal/platform/apperr"
)

// The room's signalling: each party's browser opens one WebSocket to
// /meet/<id>/ws; the server relays the SDP offers and answers and ICE
// candidates between the two, says when the other person comes and goes,
// records attendance, and settles the session held once both have been in
// together long enough. Nothing said in the call passes through here, and
// nothing relayed is stored.

// Signalling limits and pace.
const (
	roomMaxMessage = 64 << 10         // one SDP or candidate message
	roomTick       = 20 * time.Second // ping, and settle held while both are in
	roomWriteLimit = 10 * time.Second
)

// roomRelayed are the message types passed from one party to the other.
var roomRelayed = map[string]bool{"offer": true, "answer": true, "candidate": true, "bye": true}

// roomHub keeps the connections of open rooms in this process. A booking's
// two parties must reach the same process (route /meet/<id>/ws by booking
// id when running several).
type roomHub struct {
	mu      sync.Mutex
	rooms   map[uuid.UUID]map[string]*roomPeer
	closing bool
	live    sync.WaitGroup // connections being served
}

// CloseRooms ends every room connection and waits until their attendance
// is recorded; the server calls it on shutdown, before the database
// closes (hijacked connections outlive http.Server.Shutdown).
func (s *Server) CloseRooms() {
	h := &s.rooms
	h.mu.Lock()
	h.closing = true
	var peers []*roomPeer
	for _, r := range h.rooms {
		for _, p := range r {
			peers = append(peers, p)
		}
	}
	h.mu.Unlock()
	for _, p := range peers {
		_ = p.conn.CloseNow()
	}
	h.live.Wait()
}

type roomPeer struct {
	conn *websocket.Conn
}

func (p *roomPeer) send(ctx context.Context, msg any) {
	b, err := json.Marshal(msg)
	if err != nil {
		return
	}
	p.sendRaw(ctx, b)
}

func (p *roomPeer) sendRaw(ctx context.Context, b []byte) {
	wctx, cancel := context.WithTimeout(ctx, roomWriteLimit)
	defer cancel()
	_ = p.conn.Write(wctx, websocket.MessageText, b)
}

// enter puts peer in the room as party; it returns the other party's
// connection (nil when alone) and the party's previous one (a reload or a
// second tab), which the caller closes.
func (h *roomHub) enter(id uuid.UUID, party string, peer *roomPeer) (other, old *roomPeer, ok bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closing {
		return nil, nil, false
	}
	h.live.Add(1)
	if h.rooms == nil {
		h.rooms = map[uuid.UUID]map[string]*roomPeer{}
	}
	r := h.rooms[id]
	if r == nil {
		r = map[string]*roomPeer{}
		h.rooms[id] = r
	}
	old = r[party]
	r[party] = peer
	return r[otherParty(party)], old, true
}

// leave takes peer out of the room (unless a newer connection of the
// party replaced it) and returns the other party's connection.
func (h *roomHub) leave(id uuid.UUID, party string, peer *roomPeer) (other *roomPeer, left bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	r := h.rooms[id]
	if r[party] == peer {
		delete(r, party)
		left = true
	}
	other = r[otherParty(party)]
	if len(r) == 0 {
		delete(h.rooms, id)
	}
	return other, left
}

func (h *roomHub) other(id uuid.UUID, party string) *roomPeer {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.rooms[id][otherParty(party)]
}

func otherParty(party string) string {
	if party == booking.PartyEmployee {
		return booking.PartyCounselor
	}
	return booking.PartyEmployee
}

// meetingSocket is GET /meet/:id/ws?token=…: 404 for anyone but the
// booking's two parties and for a token of another booking or user, 409
// outside the room's window, else the signalling WebSocket.
func (s *Server) meetingSocket(c echo.Context) error {
	id, err := sessionID(c)
	if err != nil {
		return err
	}
	p, _ := principalOf(c)
	ctx := c.Request().Context()
	b, party, err := s.Bookings.EnterRoom(ctx, p, id)
	if err != nil {
		return err
	}
	if checkRoomToken(s.Room.Secret, c.QueryParam("token"), b.ID, p.UserID, s.Clock.Now()) != nil {
		return apperr.NotFound("booking")
	}
	// The server's read and write deadlines would cut a call short.
	rc := http.NewResponseController(c.Response())
	_ = rc.SetReadDeadline(time.Time{})
	_ = rc.SetWriteDeadline(time.Time{})
	conn, err := websocket.Accept(c.Response(), c.Request(), nil) // same origin only
	if err != nil {
		return nil // Accept has answered
	}
	s.serveRoom(ctx, conn, b, party)
	return nil
}

// serveRoom runs one party's connection until it closes or the room does.
func (s *Server) serveRoom(ctx context.Context, conn *websocket.Conn, b booking.Booking, party string) {
	conn.SetReadLimit(roomMaxMessage)
	peer := &roomPeer{conn: conn}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	other, old, ok := s.rooms.enter(b.ID, party, peer)
	if !ok {
		_ = conn.Close(websocket.StatusGoingAway, "server shutting down")
		return
	}
	defer s.rooms.live.Done()
	if old != nil {
		_ = old.conn.Close(websocket.StatusPolicyViolation, "replaced")
	}
	joinedAt, err := s.Bookings.Join(ctx, b, party)
	if err != nil {
		s.Log.Warn("room: record join", "err", err)
	}
	defer func() {
		bg := context.WithoutCancel(ctx)
		if o, left := s.rooms.leave(b.ID, party, peer); left && o != nil {
			o.send(bg, map[string]any{"type": "peer-left"})
		}
		if !joinedAt.IsZero() {
			if err := s.Bookings.Leave(bg, b, party, joinedAt); err != nil {
				s.Log.Warn("room: record leave", "err", err)
			}
		}
		_ = conn.CloseNow()
	}()
	_, closes := s.Bookings.RoomWindow(b)
	peer.send(ctx, map[string]any{"type": "welcome", "party": party, "peer": other != nil, "closes": closes.UTC().Format(time.RFC3339)})
	if other != nil {
		other.send(ctx, map[string]any{"type": "peer-joined"})
	}
	go s.tendRoom(ctx, conn, b, party, closes)
	for {
		_, data, err := conn.Read(ctx)
		if err != nil {
			return
		}
		var m struct {
			Type string `json:"type"`
		}
		if json.Unmarshal(data, &m) != nil || !roomRelayed[m.Type] {
			continue
		}
		if o := s.rooms.other(b.ID, party); o != nil {
			o.sendRaw(ctx, data)
		}
	}
}

// tendRoom pings the connection, settles the session held while both are
// in, and closes the connection when the room closes.
func (s *Server) tendRoom(ctx context.Context, conn *websocket.Conn, b booking.Booking, party string, closes time.Time) {
	t := time.NewTicker(roomTick)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if !s.Clock.Now().Before(closes) {
			_ = conn.Close(websocket.StatusNormalClosure, "room closed")
			return
		}
		pctx, cancel := context.WithTimeout(ctx, roomWriteLimit)
		err := conn.Ping(pctx)
		cancel()
		if err != nil {
			_ = conn.CloseNow()
			return
		}
		if party == booking.PartyCounselor && s.rooms.other(b.ID, party) != nil {
			if _, err := s.Bookings.SettleHeld(ctx, b.ID); err != nil && ctx.Err() == nil {
				s.Log.LogAttrs(ctx, slog.LevelWarn, "room: settle held", slog.String("err", err.Error()))
			}
		}
	}
}

package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/taiwa/taiwa/internal/booking"
	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/turnserver"
)

// RoomConfig is what the video room hands browsers: the ICE servers'
// URLs and the shared secret their per-booking credentials (and the
// room's signalling tokens) are derived from.
type RoomConfig struct {
	ICEURLs []string
	Secret  string
}

// roomCSP is the room page's Content-Security-Policy: the app's own, plus
// the WebSocket of the same origin for signalling and media from the
// camera. Other pages keep the stricter default.
func roomCSP(host string) string {
	return "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; " +
		"connect-src 'self' ws://" + host + " wss://" + host + "; media-src 'self' blob: mediastream:; " +
		"object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
}

// meetingPage is a session's room: the video call when it is open, else
// when it opens (or why it is closed), or the session's place or phone
// arrangements for other formats.
type meetingPage struct {
	Format
	BookingFormat
	Booking booking.Booking
	Zone    *time.Location
	State   string // booking.RoomEarly, RoomOpen, RoomClosed
	Opens   time.Time
	Closes  time.Time
	// Set when the room is open.
	Party   string
	Token   string
	ICEJSON string // iceServers as JSON for the script
}

func (s *Server) meeting(c echo.Context) error {
	id, err := sessionID(c)
	if err != nil {
		return err
	}
	p, _ := principalOf(c)
	b, party, err := s.Bookings.EnterRoom(c.Request().Context(), p, id)
	if e, ok := apperr.As(err); ok && e.Code == apperr.CodeConflict {
		err = nil
	}
	if err != nil {
		return err
	}
	zone := s.userZone(c)
	if p.Role == auth.RoleCounselor {
		if zone, err = s.counselorZone(c, p); err != nil {
			return err
		}
	}
	now := s.Clock.Now()
	pg := meetingPage{Booking: b, Zone: zone, State: s.Bookings.RoomState(b, now)}
	pg.Opens, pg.Closes = s.Bookings.RoomWindow(b)
	if pg.State == booking.RoomOpen {
		pg.Party = party
		exp := pg.Closes.Add(time.Hour)
		pg.Token = roomToken(s.Room.Secret, b.ID, p.UserID, exp)
		ice, err := json.Marshal(turnserver.Servers(s.Room.ICEURLs, s.Room.Secret, b.ID.String()+"-"+party, exp))
		if err != nil {
			return err
		}
		pg.ICEJSON = string(ice)
		h := c.Response().Header()
		h.Set("Content-Security-Policy", roomCSP(c.Request().Host))
		h.Set("Permissions-Policy", "camera=(self), microphone=(self), display-capture=()")
	}
	return s.render(c, http.StatusOK, pageMeeting, pg)
}

// roomToken binds a signalling connection to one booking and one user
// until exp: "<unix exp>.<base64url HMAC-SHA256>". The session cookie
// already says who connects; the token makes a socket opened for one
// booking useless for another.
func roomToken(secret string, bookingID, userID uuid.UUID, exp time.Time) string {
	e := strconv.FormatInt(exp.Unix(), 10)
	return e + "." + roomMAC(secret, bookingID, userID, e)
}

func roomMAC(secret string, bookingID, userID uuid.UUID, exp string) string {
	m := hmac.New(sha256.New, []byte("taiwa room token\x00"+secret))
	m.Write([]byte(bookingID.String() + "|" + userID.String() + "|" + exp))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

var errRoomToken = errors.New("room token refused")

// checkRoomToken accepts a token made by roomToken for this booking and
// user that has not expired at now.
func checkRoomToken(secret, token string, bookingID, userID uuid.UUID, now time.Time) error {
	e, mac, ok := strings.Cut(token, ".")
	if !ok {
		return errRoomToken
	}
	exp, err := strconv.ParseInt(e, 10, 64)
	if err != nil || now.Unix() > exp {
		return errRoomToken
	}
	if !hmac.Equal([]byte(mac), []byte(roomMAC(secret, bookingID, userID, e))) {
		return errRoomToken
	}
	return nil
}

// RoomOpen says whether a session's "join" link belongs on the page now.
func (v BookingFormat) RoomOpen(b booking.Booking) bool {
	return v.rooms != nil && v.rooms.JoinOpen(b)
}

// requireParty lets any signed-in user through to the room's handlers,
// which answer 404 to all but the booking's two parties (a company admin
// or an operator must not learn that the session exists, so not 403).
var requireParty = requireRoles(auth.RoleEmployee, auth.RoleCounselor, auth.RoleCompanyAdmin, auth.RoleOperator)

// noShowsPage lists the counsellors' no-shows for operators.
type noShowsPage struct {
	Format
	BookingFormat
	List []booking.CounselorNoShow
	Zone *time.Location
}

// noShowWindow is how far back the operators' list goes.
const noShowWindow = 90 * 24 * time.Hour

func (s *Server) operatorNoShows(c echo.Context) error {
	list, err := s.Bookings.CounselorNoShows(c.Request().Context(), s.Clock.Now().Add(-noShowWindow))
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, pageOperatorNoShows, noShowsPage{List: list, Zone: employeeZone})
}

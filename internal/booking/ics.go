package booking

import (
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/taiwa/taiwa/internal/platform/mail"
)

// The .ics invitation sent with a booking's mails (RFC 5545 / iTIP). One
// booking is one calendar event for its whole life: the UID never changes,
// and each reschedule or cancellation carries a higher SEQUENCE so calendar
// clients replace the event they already hold instead of adding another.
//
// The file is written here, line by line, rather than by a calendar
// library: the names in it are chosen by users, and what keeps a name from
// forging a parameter or a line is exactly the quoting, escaping and
// folding below, which must hold for every calendar client that reads it.

const (
	// icsDomain makes a booking's UID globally unique.
	icsDomain = "taiwa.example"
	// icsOrganizer is who sends the invitation: the platform, not a person,
	// so neither party's address is shown to the other.
	icsOrganizer = "no-reply@" + icsDomain
	// icsOrganizerName is the organizer's CN.
	icsOrganizerName = "Taiwa"
	// icsSummary names the event without the theme: a calendar is often
	// visible to colleagues.
	icsSummary = "Taiwa 面談 / session"
	// icsFileName is the attachment's name.
	icsFileName = "invite.ics"
	// icsLineOctets is the longest line RFC 5545 §3.1 allows, CRLF aside.
	icsLineOctets = 75
)

// icsEvent is what one recipient's invitation says.
type icsEvent struct {
	BookingID  uuid.UUID
	Start, End time.Time
	Sequence   int
	MeetingURL string
	Place      string // an in-person session's place: the LOCATION, instead of the link
	Cancel     bool   // METHOD:CANCEL, STATUS:CANCELLED
	Publish    bool   // a file to download, not an invitation: METHOD:PUBLISH
	Attendee   string // the recipient's address
	Name       string // the recipient's name
	Stamp      time.Time
}

// icsUID is a booking's stable event UID.
func icsUID(id uuid.UUID) string { return id.String() + "@" + icsDomain }

// buildICS renders the invitation with CRLF line endings, folded lines and
// times in UTC.
func buildICS(e icsEvent) []byte {
	method, status := "REQUEST", "CONFIRMED"
	if e.Cancel {
		method, status = "CANCEL", "CANCELLED"
	}
	if e.Publish {
		method = "PUBLISH"
	}
	var w icsWriter
	w.line("BEGIN:VCALENDAR")
	w.line("VERSION:2.0")
	w.line("PRODID:-//Taiwa//Taiwa//JA")
	w.line("CALSCALE:GREGORIAN")
	w.line("METHOD:" + method)
	w.line("BEGIN:VEVENT")
	w.line("UID:" + icsText(icsUID(e.BookingID)))
	w.line("DTSTAMP:" + icsTime(e.Stamp))
	w.line("SEQUENCE:" + strconv.Itoa(e.Sequence))
	w.line("DTSTART:" + icsTime(e.Start))
	w.line("DTEND:" + icsTime(e.End))
	w.line("SUMMARY:" + icsText(icsSummary))
	w.line("STATUS:" + status)
	if e.Place != "" {
		w.line("LOCATION:" + icsText(e.Place))
	} else if e.MeetingURL != "" {
		w.line("LOCATION:" + icsText(e.MeetingURL))
		if strings.HasPrefix(e.MeetingURL, "https://") || strings.HasPrefix(e.MeetingURL, "http://") {
			w.line("URL:" + icsClean(e.MeetingURL))
			w.line("DESCRIPTION:" + icsText(e.MeetingURL))
		}
	}
	w.line("ORGANIZER" + icsCN(icsOrganizerName) + ":mailto:" + icsOrganizer)
	if e.Attendee != "" {
		w.line("ATTENDEE" + icsCN(e.Name) + ";ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED;CUTYPE=INDIVIDUAL" +
			":mailto:" + icsClean(e.Attendee))
	}
	w.line("END:VEVENT")
	w.line("END:VCALENDAR")
	return []byte(w.String())
}

// icsWriter collects content lines, each folded and ended with CRLF.
type icsWriter struct{ strings.Builder }

// line writes one content line, folded so that no line exceeds 75 octets
// (RFC 5545 §3.1): a continuation line starts with a space, which counts,
// and a fold never splits a UTF-8 sequence.
func (w *icsWriter) line(s string) {
	limit := icsLineOctets
	for len(s) > limit {
		i := limit
		for i > limit-utf8.UTFMax && !utf8.RuneStart(s[i]) {
			i--
		}
		w.WriteString(s[:i])
		w.WriteString("\r\n ")
		s = s[i:]
		limit = icsLineOctets - 1
	}
	w.WriteString(s)
	w.WriteString("\r\n")
}

// icsTime is a DATE-TIME in UTC.
func icsTime(t time.Time) string { return t.UTC().Format("20060102T150405Z") }

// icsClean drops what no value may hold: invalid UTF-8 and control
// characters, which in an unescaped value would end the line and start a
// forged one.
func icsClean(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
}

// icsName is a person's name as it may stand in a quoted parameter value
// (RFC 5545 §3.1: quoted-string = DQUOTE *QSAFE-CHAR DQUOTE). A DQUOTE
// cannot be quoted, so it is dropped rather than encoded: RFC 6868's ^'
// is unknown to many clients, which would show "^'" (and "^^" for every
// caret) in the name. A backslash is literal in a parameter value, but
// some parsers read it as an escape and would let a trailing one swallow
// the closing DQUOTE, so it is dropped as well. What remains reads the
// same in every parser.
func icsName(s string) string {
	return strings.NewReplacer(`"`, "", `\`, "").Replace(icsClean(s))
}

// icsCN is the ";CN=…" parameter for name, always quoted, so that ";", ":"
// and "," in it are text; none for a name that cleans to nothing.
func icsCN(name string) string {
	if name = icsName(name); name == "" {
		return ""
	}
	return `;CN="` + name + `"`
}

var icsTextEscaper = strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\n", `\n`)

// icsText is a TEXT value (RFC 5545 §3.3.11): line breaks (CR, LF or
// CRLF) become "\n", other control characters are dropped, and "\", ";"
// and "," are escaped.
func icsText(s string) string {
	s = strings.NewReplacer("\r\n", "\n", "\r", "\n").Replace(s)
	s = strings.Map(func(r rune) rune {
		if r != '\n' && unicode.IsControl(r) {
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
	return icsTextEscaper.Replace(s)
}

// icsAttachment wraps an invitation for a mail, with the content type
// (method included) that calendar clients look for.
func icsAttachment(e icsEvent) mail.Attachment {
	method := "REQUEST"
	if e.Cancel {
		method = "CANCEL"
	}
	return mail.Attachment{
		Name:        icsFileName,
		ContentType: "text/calendar; method=" + method + "; charset=UTF-8",
		Data:        buildICS(e),
	}
}

// CalendarSummary is the neutral title every calendar entry of a session
// carries, in files and in the links to calendar services.
const CalendarSummary = icsSummary

// CalendarFile is booking b as a calendar file for its employee to
// download (METHOD:PUBLISH, times in UTC): the same event as the mailed
// invitations (UID and SEQUENCE), so importing it after an invitation
// updates the entry instead of adding a second one. It names no person.
func (s *Service) CalendarFile(b Booking) []byte {
	cancelled := b.Status == StatusCancelled || b.Status == StatusLateCancelled
	return buildICS(icsEvent{BookingID: b.ID, Start: b.Start, End: b.End, Sequence: b.Sequence,
		MeetingURL: s.absURL(b.MeetingURL), Place: b.Place, Cancel: cancelled, Publish: true, Stamp: s.Clock.Now()})
}

package booking

import (
	"strings"
	"time"

	ics "github.com/arran4/golang-ical"
	"github.com/google/uuid"

	"github.com/taiwa/taiwa/internal/platform/mail"
)

// The .ics invitation sent with a booking's mails (RFC 5545 / iTIP). One
// booking is one calendar event for its whole life: the UID never changes,
// and each reschedule or cancellation carries a higher SEQUENCE so calendar
// clients replace the event they already hold instead of adding another.

const (
	// icsDomain makes a booking's UID globally unique.
	icsDomain = "taiwa.example"
	// icsOrganizer is who sends the invitation: the platform, not a person,
	// so neither party's address is shown to the other.
	icsOrganizer = "no-reply@" + icsDomain
	// icsSummary names the event without the theme: a calendar is often
	// visible to colleagues.
	icsSummary = "Taiwa 面談 / session"
	// icsFileName is the attachment's name.
	icsFileName = "invite.ics"
)

// icsEvent is what one recipient's invitation says.
type icsEvent struct {
	BookingID  uuid.UUID
	Start, End time.Time
	Sequence   int
	MeetingURL string
	Cancel     bool   // METHOD:CANCEL, STATUS:CANCELLED
	Attendee   string // the recipient's address
	Name       string // the recipient's name
	Stamp      time.Time
}

// icsUID is a booking's stable event UID.
func icsUID(id uuid.UUID) string { return id.String() + "@" + icsDomain }

// buildICS renders the invitation with CRLF line endings and times in UTC.
func buildICS(e icsEvent) []byte {
	cal := ics.NewCalendarFor("Taiwa")
	method, status := ics.MethodRequest, ics.ObjectStatusConfirmed
	if e.Cancel {
		method, status = ics.MethodCancel, ics.ObjectStatusCancelled
	}
	cal.SetMethod(method)
	ev := cal.AddEvent(icsUID(e.BookingID))
	ev.SetDtStampTime(e.Stamp)
	ev.SetSequence(e.Sequence)
	ev.SetStartAt(e.Start)
	ev.SetEndAt(e.End)
	ev.SetSummary(icsSummary)
	ev.SetStatus(status)
	if e.MeetingURL != "" {
		ev.SetLocation(e.MeetingURL)
		if strings.HasPrefix(e.MeetingURL, "https://") || strings.HasPrefix(e.MeetingURL, "http://") {
			ev.SetURL(e.MeetingURL)
			ev.SetDescription(e.MeetingURL)
		}
	}
	ev.SetOrganizer(icsOrganizer, ics.WithCN("Taiwa"))
	ev.AddAttendee(e.Attendee, ics.WithCN(e.Name), ics.ParticipationRoleReqParticipant,
		ics.ParticipationStatusAccepted, ics.CalendarUserTypeIndividual)
	return []byte(cal.Serialize(ics.WithNewLineWindows))
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

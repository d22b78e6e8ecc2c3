package booking

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
)

// Mail templates of a booking's life (web/mail/<name>.<locale>.tmpl).
const (
	mailConfirmed   = "booking_confirmed"
	mailRescheduled = "booking_rescheduled"
	mailCancelled   = "booking_cancelled"
	mailReminder    = "booking_reminder"
	mailFeedback    = "booking_feedback"
	mailUnconfirmed = "booking_unconfirmed"
	mailWaitlist    = "booking_waitlist"
)

const (
	roleEmployee  = "employee"
	roleCounselor = "counselor"
	// employeeZone is the zone of last resort: a recipient's stored zone
	// the machine's zone database does not know.
	employeeZone = "Asia/Tokyo"
)

// parties is a booking as it stands now, with the people it concerns, read
// as the platform.
type parties struct {
	CounselorID     uuid.UUID `db:"counselor_id"`
	EmployeeID      uuid.UUID `db:"employee_user_id"`
	Status          string    `db:"status"`
	Sequence        int       `db:"sequence"`
	Start           time.Time `db:"starts_at"`
	End             time.Time `db:"ends_at"`
	Format          string    `db:"format"`
	MeetingURL      string    `db:"meeting_url"`
	External        bool      `db:"meeting_external"`
	Place           string    `db:"place"`
	EmployeeEmail   string    `db:"employee_email"`
	EmployeeName    string    `db:"employee_name"`
	EmployeeLocale  string    `db:"employee_locale"`
	EmployeeZone    string    `db:"employee_zone"`
	EmployeeActive  bool      `db:"employee_active"`
	CounselorEmail  string    `db:"counselor_email"`
	CounselorName   string    `db:"counselor_name"`
	CounselorLocale string    `db:"counselor_locale"`
	CounselorActive bool      `db:"counselor_active"`
	CounselorZone   string    `db:"counselor_zone"`
}

// loadParties reads booking id and both parties; sql.ErrNoRows when absent.
func loadParties(ctx context.Context, tx *sqlx.Tx, id uuid.UUID) (parties, error) {
	var p parties
	err := tx.GetContext(ctx, &p, `
		SELECT b.counselor_id, b.employee_user_id, b.status, b.sequence, b.starts_at, b.ends_at, b.format, b.meeting_url,
		       b.meeting_external, CASE WHEN b.format = 'in_person' THEN c.in_person_place ELSE '' END AS place,
		       eu.email AS employee_email, eu.name AS employee_name, eu.locale AS employee_locale, eu.timezone AS employee_zone,
		       eu.disabled_at IS NULL AS employee_active,
		       cu.email AS counselor_email, COALESCE(NULLIF(c.display_name, ''), cu.name) AS counselor_name,
		       cu.locale AS counselor_locale, cu.disabled_at IS NULL AS counselor_active,
		       COALESCE(a.timezone, c.timezone) AS counselor_zone
		FROM bookings b
		JOIN users eu ON eu.id = b.employee_user_id
		JOIN counselors c ON c.id = b.counselor_id
		JOIN users cu ON cu.id = c.user_id
		LEFT JOIN availability_settings a ON a.counselor_id = b.counselor_id
		WHERE b.id = $1`, id)
	if err != nil {
		return p, fmt.Errorf("booking: read %s for its mail: %w", id, err)
	}
	return p, nil
}

// recipient is one person a booking mail goes to.
type recipient struct {
	Role   string // roleEmployee or roleCounselor
	Email  string
	Name   string
	Locale string
	Zone   string // IANA zone the times are shown in
}

func (p parties) employee() recipient {
	return recipient{Role: roleEmployee, Email: p.EmployeeEmail, Name: p.EmployeeName, Locale: p.EmployeeLocale, Zone: p.EmployeeZone}
}

func (p parties) counselor() recipient {
	return recipient{Role: roleCounselor, Email: p.CounselorEmail, Name: p.CounselorName, Locale: p.CounselorLocale, Zone: p.CounselorZone}
}

// recipients are the parties whose accounts are still active.
func (p parties) recipients() []recipient {
	var out []recipient
	if p.EmployeeActive {
		out = append(out, p.employee())
	}
	if p.CounselorActive {
		out = append(out, p.counselor())
	}
	return out
}

// mailData is what every booking template may show: names, time, format
// and links, nothing else.
type mailData struct {
	Name       string // the recipient
	Other      string // the other party
	Counselor  bool   // the recipient is the counsellor
	When       string // the session's time in the recipient's zone
	Day        string // its start, short, for subjects
	Format     string
	MeetingURL string
	External   bool   // MeetingURL is the counsellor's external meeting link
	Place      string // an in-person session's place
	Link       string // the session on Taiwa
	Late       bool   // a late cancellation, billable to the company
	Rebook     string // the counsellor can no longer hold sessions: where to choose another
	Hours      int    // a reminder's lead time
}

func (s *Service) mailData(r recipient, p parties, id uuid.UUID, start, end time.Time, format, meetingURL string) mailData {
	d := mailData{Name: r.Name, Counselor: r.Role == roleCounselor, When: formatWhen(start, end, r.Zone, r.Locale),
		Day: formatDay(start, r.Zone, r.Locale), Format: formatName(format, r.Locale), MeetingURL: s.absURL(meetingURL),
		External: p.External}
	if format == "in_person" {
		// A place of several lines stays indented under its label.
		d.Place = strings.ReplaceAll(strings.ReplaceAll(p.Place, "\r\n", "\n"), "\n", "\n    ")
	}
	if d.Counselor {
		d.Other, d.Link = p.EmployeeName, s.baseURL()+"/counselor/sessions"
	} else {
		d.Other, d.Link = p.CounselorName, s.baseURL()+"/sessions/"+id.String()
	}
	return d
}

func (s *Service) baseURL() string {
	if s.Accounts == nil {
		return ""
	}
	return strings.TrimRight(s.Accounts.BaseURL, "/")
}

// absURL makes a link stored relative to the site ("/meet/…", as demo
// rows have) absolute for a mail or a calendar.
func (s *Service) absURL(u string) string {
	if strings.HasPrefix(u, "/") {
		return s.baseURL() + u
	}
	return u
}

var weekdaysJA = [...]string{"日", "月", "火", "水", "木", "金", "土"}

// zoneOf loads zone, falling back to Japan's for an unknown one.
func zoneOf(zone string) (string, *time.Location) {
	loc, err := time.LoadLocation(zone)
	if err != nil || zone == "" {
		return employeeZone, time.FixedZone(employeeZone, 9*60*60)
	}
	return zone, loc
}

// formatDay is a session's start in zone, short: "11月27日(金) 15:00".
func formatDay(start time.Time, zone, locale string) string {
	_, loc := zoneOf(zone)
	st := start.In(loc)
	if locale == "en" {
		return st.Format("Mon 2 Jan, 15:04")
	}
	return fmt.Sprintf("%d月%d日(%s) %s", int(st.Month()), st.Day(), weekdaysJA[st.Weekday()], st.Format("15:04"))
}

// formatWhen shows a session's start and end in zone, the way locale
// writes dates, naming the zone (an unknown zone falls back to Japan's).
func formatWhen(start, end time.Time, zone, locale string) string {
	zone, loc := zoneOf(zone)
	st, en := start.In(loc), end.In(loc)
	endFmt := "15:04"
	if en.YearDay() != st.YearDay() || en.Year() != st.Year() {
		endFmt = "1/2 15:04"
	}
	if locale == "en" {
		return fmt.Sprintf("%s–%s (%s)", st.Format("Mon 2 Jan 2006, 15:04"), en.Format(endFmt), zone)
	}
	return fmt.Sprintf("%d年%d月%d日(%s) %s〜%s（%s）", st.Year(), int(st.Month()), st.Day(),
		weekdaysJA[st.Weekday()], st.Format("15:04"), en.Format(endFmt), zone)
}

var formatNames = map[string][2]string{
	"video":     {"オンライン（ビデオ）", "Video call"},
	"phone":     {"電話", "Phone"},
	"in_person": {"対面", "In person"},
}

// formatName is a session format's name in locale.
func formatName(format, locale string) string {
	n, ok := formatNames[format]
	switch {
	case !ok:
		return format
	case locale == "en":
		return n[1]
	}
	return n[0]
}

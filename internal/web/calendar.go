package web

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/taiwa/taiwa/internal/account"
	"github.com/taiwa/taiwa/internal/booking"
	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/auth"
)

// The employee's own time zone (account settings) and a session's
// add-to-calendar links: a calendar file to download and prefilled
// Google Calendar and Outlook events. Every calendar entry is named
// neutrally (booking.CalendarSummary) and holds only what the employee
// already sees: the times, in UTC, and the session's page on Taiwa.

const pageAccountSettings = "account_settings"

var slotsPages = []string{pageAccountSettings}

func (s *Server) registerSlots(e *echo.Echo) {
	employee := requireRoles(auth.RoleEmployee)
	e.GET("/account/settings", s.settingsShow, employee)
	e.POST("/account/settings", s.settingsSave, employee)
	e.GET("/sessions/:id/calendar.ics", s.sessionCalendar, employee)
}

// settingsPage is the employee's account settings: their time zone.
type settingsPage struct {
	Format
	Zone    string   // the stored zone, or the one entered on error
	Other   string   // a zone typed in rather than chosen
	Zones   []string // the list to choose from
	Current string   // the stored zone
	Offset  string   // the stored zone's offset from UTC now
	Errors  formErrors
}

func (s *Server) renderSettings(c echo.Context, status int, pg settingsPage) error {
	pg.Zones = slices.Clone(account.CommonTimezones)
	if !slices.Contains(pg.Zones, pg.Zone) && pg.Other == "" {
		pg.Zones = append(pg.Zones, pg.Zone)
	}
	pg.Current = s.userZone(c).String()
	pg.Offset = "UTC" + s.Clock.Now().In(s.userZone(c)).Format("-07:00")
	return s.render(c, status, pageAccountSettings, pg)
}

func (s *Server) settingsShow(c echo.Context) error {
	return s.renderSettings(c, http.StatusOK, settingsPage{Zone: s.userZone(c).String(), Errors: formErrors{}})
}

// settingsSave stores the zone chosen (or typed in, which wins); a name
// that is no IANA zone is a 422 with the message beside the field.
func (s *Server) settingsSave(c echo.Context) error {
	p, _ := principalOf(c)
	pg := settingsPage{Zone: strings.TrimSpace(c.FormValue("timezone")), Other: strings.TrimSpace(c.FormValue("timezone_other")), Errors: formErrors{}}
	name := pg.Zone
	if pg.Other != "" {
		name = pg.Other
	}
	_, err := s.Accounts.SetTimezone(c.Request().Context(), p, name)
	if e, ok := apperr.As(err); ok && e.Code == apperr.CodeInvalid {
		pg.Errors.add("timezone", "settings_err_timezone")
		if pg.Other == "" {
			pg.Zone = s.userZone(c).String()
		}
		return s.renderSettings(c, http.StatusUnprocessableEntity, pg)
	} else if err != nil {
		return err
	}
	s.setFlash(c, "success", "flash_settings_saved")
	return c.Redirect(http.StatusSeeOther, "/account/settings")
}

// sessionCalendar is one of the employee's own sessions as a calendar
// file. Another person's session is a 404, as on its page.
func (s *Server) sessionCalendar(c echo.Context) error {
	p, _ := principalOf(c)
	b, err := s.loadSession(c)
	if err != nil {
		return err
	}
	if b.EmployeeUserID != p.UserID {
		return apperr.NotFound("booking")
	}
	h := c.Response().Header()
	h.Set("Content-Disposition", `attachment; filename="taiwa-session.ics"`)
	h.Set("Cache-Control", "private, no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	return c.Blob(http.StatusOK, "text/calendar; charset=utf-8", s.Bookings.CalendarFile(b))
}

// calendarLinks are a session's add-to-calendar addresses.
type calendarLinks struct {
	ICS, Google, Outlook string
}

// calendarUTC is a time as Google Calendar's dates parameter takes it.
const calendarUTC = "20060102T150405Z"

// sessionCalendarLinks are b's add-to-calendar links: the file on Taiwa,
// and events prefilled at Google Calendar and Outlook with the neutral
// title, the UTC times and the session's page as the only detail.
func (s *Server) sessionCalendarLinks(b booking.Booking) calendarLinks {
	page := "/sessions/" + b.ID.String()
	if s.Accounts != nil {
		page = strings.TrimRight(s.Accounts.BaseURL, "/") + page
	}
	details := "Taiwa: " + page
	start, end := b.Start.UTC(), b.End.UTC()
	g := url.Values{"action": {"TEMPLATE"}, "text": {booking.CalendarSummary},
		"dates": {start.Format(calendarUTC) + "/" + end.Format(calendarUTC)}, "details": {details}}
	o := url.Values{"path": {"/calendar/action/compose"}, "rru": {"addevent"}, "subject": {booking.CalendarSummary},
		"startdt": {start.Format(time.RFC3339)}, "enddt": {end.Format(time.RFC3339)}, "body": {details}}
	return calendarLinks{
		ICS:     "/sessions/" + b.ID.String() + "/calendar.ics",
		Google:  "https://calendar.google.com/calendar/render?" + g.Encode(),
		Outlook: "https://outlook.office.com/calendar/0/deeplink/compose?" + o.Encode(),
	}
}

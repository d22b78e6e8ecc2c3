package web

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/taiwa/taiwa/internal/company"
	"github.com/taiwa/taiwa/internal/consent"
	"github.com/taiwa/taiwa/internal/feedback"
	"github.com/taiwa/taiwa/internal/report"
	"github.com/taiwa/taiwa/internal/report/store"
)

const pagePrivacy = "privacy"

// privacyPage is the employee's privacy page: the report opt-out with the
// exact wording a change would store, what the company sees, the items
// shared now and the whole consent history.
type privacyPage struct {
	Format
	ReportFormat
	PeopleFormat
	OptOut feedback.OptOut
	// Wording is the language of OptOut.Text; the form sends it back so the
	// consent row stores the very text that was on the page.
	Wording  string
	MinGroup int
	Shared   []currentShare
	History  []consent.Consent
	// Contribution is how the employee's own sessions count in the
	// company's monthly releases ("what my company sees").
	Contribution *store.Contribution
	now          time.Time // for the days releases are due
}

// CloseDay is the day of the next month on which a month's release is
// published.
func (privacyPage) CloseDay() int { return report.CloseDay }

// currentShare is one record item the employee shares with HR now.
type currentShare struct {
	Item         string
	BookingID    string
	SessionMonth string
	At           time.Time
}

func (s *Server) privacyShow(c echo.Context) error {
	p, _ := principalOf(c)
	ctx := c.Request().Context()
	pg := privacyPage{Wording: resolveLang(c, p.Locale), MinGroup: company.PlatformMinGroup, now: s.Clock.Now()}
	var err error
	if pg.OptOut, err = s.Feedback.ReportOptOut(ctx, p, pg.Wording); err != nil {
		return err
	}
	if co, err := s.Companies.Get(ctx, p, p.CompanyID); err == nil {
		pg.MinGroup = max(co.MinGroup, company.PlatformMinGroup)
	} else {
		return err
	}
	if pg.History, err = s.Feedback.Consents(ctx, p); err != nil {
		return err
	}
	pg.Shared = currentShares(pg.History)
	if pg.Contribution, err = s.Reports.Contribution(ctx, p); err != nil {
		return err
	}
	return s.render(c, http.StatusOK, pagePrivacy, pg)
}

// currentShares are the sharing items whose newest consent row (history is
// newest first) grants them, newest first.
func currentShares(history []consent.Consent) []currentShare {
	type key struct{ item, subject string }
	seen := map[key]bool{}
	var out []currentShare
	for _, h := range history {
		k := key{h.Item, h.Subject}
		if !slices.Contains(consent.SharingItems, h.Item) || seen[k] {
			continue
		}
		seen[k] = true
		if !h.Granted || h.SharedContent == nil {
			continue
		}
		var snap struct {
			SessionMonth string `json:"session_month"`
		}
		_ = json.Unmarshal([]byte(*h.SharedContent), &snap)
		out = append(out, currentShare{Item: h.Item, BookingID: h.Subject, SessionMonth: snap.SessionMonth, At: h.At})
	}
	return out
}

// privacyOptOut changes the report opt-out through the same domain
// function as PUT /api/v1/me/report-opt-out, storing the wording shown.
func (s *Server) privacyOptOut(c echo.Context) error {
	p, _ := principalOf(c)
	wording := c.FormValue("wording")
	if !slices.Contains(Languages, wording) {
		wording = resolveLang(c, p.Locale)
	}
	var choice *bool
	if v, err := strconv.ParseBool(c.FormValue("opt_out")); err == nil {
		choice = &v
	}
	o, err := s.Feedback.SetReportOptOut(c.Request().Context(), p, choice, wording)
	if err != nil {
		return err
	}
	if o.OptOut {
		s.setFlash(c, "success", "privacy_flash_opted_out")
	} else {
		s.setFlash(c, "success", "privacy_flash_opted_in")
	}
	return c.Redirect(http.StatusSeeOther, "/me/privacy")
}

// consentItemKeys name consent items in plain words.
var consentItemKeys = map[string]string{
	consent.ItemSummary:            "fb_item_summary",
	consent.ItemThemes:             "fb_item_themes",
	consent.ItemFollowUp:           "fb_item_follow_up",
	consent.ItemReportOptOut:       "privacy_item_reports",
	consent.ItemProgrammeEnrolment: "privacy_item_programme",
}

// ConsentItem is a consent item in plain words, or its code.
func (v privacyPage) ConsentItem(item string) string {
	if k, ok := consentItemKeys[item]; ok {
		return v.T(k)
	}
	return item
}

// ConsentChange says what a consent row did, in plain words: for the
// report opt-out, granted means leaving the reports.
func (v privacyPage) ConsentChange(item string, granted bool) string {
	switch {
	case item == consent.ItemReportOptOut && granted:
		return v.T("privacy_change_opted_out")
	case item == consent.ItemReportOptOut:
		return v.T("privacy_change_opted_in")
	case granted:
		return v.T("privacy_change_granted")
	}
	return v.T("privacy_change_withdrawn")
}

// ContribDepartment says where the employee's sessions count by department.
func (v privacyPage) ContribDepartment(c *store.Contribution) string {
	if c.Department == "" || c.Department == report.KeyOther {
		return v.T("privacy_contrib_company")
	}
	s := v.T("privacy_contrib_department", "Dept", v.ReportKey(string(report.DimDepartment), c.Department))
	if c.RolledUp {
		s += " " + v.T("privacy_contrib_rolled")
	}
	return s
}

// ContribMonths lists YYYY-MM months in words.
func (v privacyPage) ContribMonths(months []string) string {
	out := make([]string, len(months))
	for i, m := range months {
		out[i] = v.Month(m)
	}
	return v.joinList(out)
}

// ContribPending lists the months with sessions not released yet, each
// with the day its release is due (or, once that day has passed without
// one, as not published).
func (p privacyPage) ContribPending() string {
	v := p
	out := make([]string, len(p.Contribution.Pending))
	for i, s := range p.Contribution.Pending {
		m, err := report.ParseMonth(s, "month")
		on := report.PublishesOn(m)
		switch {
		case err != nil:
			out[i] = s
		case on.After(p.now):
			out[i] = v.T("privacy_contrib_pending_month", "Month", v.Month(s), "Day", v.Day(on.Format(time.DateOnly)))
		default:
			out[i] = v.T("privacy_contrib_pending_late", "Month", v.Month(s))
		}
	}
	return v.joinList(out)
}

// joinList joins items as the language writes a list.
func (v privacyPage) joinList(items []string) string {
	if v.Lang == "ja" {
		return strings.Join(items, "、")
	}
	return strings.Join(items, ", ")
}

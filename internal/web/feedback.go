package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/taiwa/taiwa/internal/booking"
	"github.com/taiwa/taiwa/internal/consent"
	"github.com/taiwa/taiwa/internal/feedback"
	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/auth"
)

// feedbackPages are parsed with the others (render.go).
var feedbackPages = []string{pageFeedback, pageShared, pagePrivacy}

const (
	pageFeedback = "feedback_session"
	pageShared   = "shared_list"
)

// registerFeedback adds the employee's rating, notes, summary and sharing
// pages, and what HR sees of what employees shared.
func (s *Server) registerFeedback(e *echo.Echo) {
	employee := requireRoles(auth.RoleEmployee)
	e.GET("/sessions/:id/feedback", s.feedbackShow, employee)
	e.POST("/sessions/:id/feedback", s.feedbackRate, employee)
	e.POST("/sessions/:id/notes", s.feedbackNotes, employee)
	e.POST("/sessions/:id/sharing", s.feedbackShare, employee)
	e.GET("/company/shared", s.sharedShow, requireRoles(auth.RoleCompanyAdmin))
	e.GET("/me/privacy", s.privacyShow, employee)
	e.POST("/me/privacy/report-opt-out", s.privacyOptOut, employee)
}

// feedbackPage is a held session's follow-up for its employee: the
// rating (form or the given one), the counsellor's summary with sharing,
// and their own notes.
type feedbackPage struct {
	Format
	FeedbackFormat
	CounselorFormat
	Booking    booking.Booking
	Zone       *time.Location
	Rating     *feedback.Rating
	CanRate    bool
	Summary    *feedback.SummaryView
	Notes      feedback.Notes
	Errors     formErrors
	ReviewText string // the review as entered, kept when the form is refused
	Scale      []int
	WHO5Scale  []int
	WHO5Items  []string
	Wellbeing  []feedback.WellbeingPoint
	SharingVer string
	Entered    ratingEntered // the answers as posted, kept on error
}

// ratingEntered is a rating form as posted.
type ratingEntered struct {
	Satisfaction, Fit *int
	WHO5              []int
	Comment           string
}

// Picked reports whether the posted answer to satisfaction or fit was v.
func (p feedbackPage) Picked(name string, v int) bool {
	a := p.Entered.Satisfaction
	if name == "fit" {
		a = p.Entered.Fit
	}
	return a != nil && *a == v
}

// PickedWHO5 reports whether the posted answer to WHO-5 item i was v.
func (p feedbackPage) PickedWHO5(i, v int) bool {
	return i < len(p.Entered.WHO5) && p.Entered.WHO5[i] == v
}

func (s *Server) feedbackPage(c echo.Context) (feedbackPage, error) {
	b, err := s.loadSession(c)
	if err != nil {
		return feedbackPage{}, err
	}
	p, _ := principalOf(c)
	ctx := c.Request().Context()
	pg := feedbackPage{Booking: b, Zone: s.userZone(c), Scale: []int{1, 2, 3, 4, 5}, WHO5Scale: []int{0, 1, 2, 3, 4, 5},
		WHO5Items: []string{"fb_who5_1", "fb_who5_2", "fb_who5_3", "fb_who5_4", "fb_who5_5"}, SharingVer: feedback.ConsentTextVersion}
	if r, err := s.Feedback.RatingOf(ctx, p, b.ID); err == nil {
		pg.Rating = &r
	} else if !apperr.Is(err, apperr.CodeNotFound) {
		return pg, err
	}
	pg.CanRate = pg.Rating == nil && rateable(b, s.Clock.Now())
	if sum, err := s.Feedback.Summary(ctx, p, b.ID, resolveLang(c, p.Locale)); err == nil {
		pg.Summary = &sum
	} else if !apperr.Is(err, apperr.CodeNotFound) {
		return pg, err
	}
	if pg.Notes, err = s.Feedback.NotesOf(ctx, p, b.ID); err != nil {
		return pg, err
	}
	if pg.Wellbeing, err = s.Feedback.Wellbeing(ctx, p); err != nil {
		return pg, err
	}
	return pg, nil
}

func (s *Server) feedbackShow(c echo.Context) error {
	pg, err := s.feedbackPage(c)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, pageFeedback, pg)
}

func formInt(c echo.Context, name string) *int {
	n, err := strconv.Atoi(c.FormValue(name))
	if err != nil {
		return nil
	}
	return &n
}

func (s *Server) feedbackRate(c echo.Context) error {
	b, err := s.loadSession(c)
	if err != nil {
		return err
	}
	p, _ := principalOf(c)
	in := feedback.RatingInput{Satisfaction: formInt(c, "satisfaction"), Fit: formInt(c, "fit")}
	for i := range 5 {
		v := formInt(c, "who5_"+strconv.Itoa(i))
		if v == nil {
			v = new(int)
			*v = -1
		}
		in.WHO5 = append(in.WHO5, *v)
	}
	if cm := c.FormValue("comment"); cm != "" {
		in.Comment = &cm
	}
	if rv := c.FormValue("review"); rv != "" {
		in.Review = &rv
	}
	_, err = s.Feedback.Rate(c.Request().Context(), p, b.ID, in)
	if e, ok := apperr.As(err); ok && e.Code == apperr.CodeInvalid {
		pg, perr := s.feedbackPage(c)
		if perr != nil {
			return perr
		}
		pg.Errors = formErrors{}
		pg.ReviewText = c.FormValue("review")
		pg.Entered = ratingEntered{Satisfaction: in.Satisfaction, Fit: in.Fit, WHO5: in.WHO5, Comment: c.FormValue("comment")}
		for f := range e.Fields {
			pg.Errors[fieldName(f)] = fieldKey(f)
		}
		return s.render(c, http.StatusBadRequest, pageFeedback, pg)
	}
	if e, ok := apperr.As(err); ok && e.Code == apperr.CodeConflict {
		s.setFlash(c, "error", "fb_flash_cannot_rate")
		return c.Redirect(http.StatusSeeOther, "/sessions/"+b.ID.String()+"/feedback")
	}
	if err != nil {
		return err
	}
	s.setFlash(c, "success", "fb_flash_rated")
	return c.Redirect(http.StatusSeeOther, "/sessions/"+b.ID.String()+"/feedback")
}

// fieldName folds who5[2] into who5; fieldKey is its message id.
func fieldName(f string) string {
	switch f {
	case "satisfaction", "fit", "comment", "review":
		return f
	}
	return "who5"
}

func fieldKey(f string) string {
	switch fieldName(f) {
	case "satisfaction":
		return "fb_err_satisfaction"
	case "fit":
		return "fb_err_fit"
	case "comment":
		return "fb_err_comment"
	case "review":
		return "review_err_length"
	}
	return "fb_err_who5"
}

func (s *Server) feedbackNotes(c echo.Context) error {
	b, err := s.loadSession(c)
	if err != nil {
		return err
	}
	p, _ := principalOf(c)
	_, err = s.Feedback.SetNotes(c.Request().Context(), p, b.ID, c.FormValue("notes"))
	if apperr.Is(err, apperr.CodeInvalid) {
		s.setFlash(c, "error", "fb_flash_notes_too_long")
	} else if err != nil {
		return err
	} else {
		s.setFlash(c, "success", "fb_flash_notes_saved")
	}
	return c.Redirect(http.StatusSeeOther, "/sessions/"+b.ID.String()+"/feedback#notes")
}

func (s *Server) feedbackShare(c echo.Context) error {
	b, err := s.loadSession(c)
	if err != nil {
		return err
	}
	p, _ := principalOf(c)
	granted := c.FormValue("granted") == "true"
	in := feedback.ShareInput{Item: c.FormValue("item"), Granted: &granted,
		ConsentTextVersion: c.FormValue("consent_text_version"), Language: resolveLang(c, p.Locale)}
	_, err = s.Feedback.Share(c.Request().Context(), p, b.ID, in)
	e, isApp := apperr.As(err)
	switch {
	case err == nil && granted:
		s.setFlash(c, "success", "fb_flash_shared")
	case err == nil:
		s.setFlash(c, "success", "fb_flash_withdrawn")
	case isApp && (e.Code == apperr.CodeInvalid || e.Code == apperr.CodeConflict):
		s.setFlash(c, "error", "fb_flash_share_failed")
	default:
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/sessions/"+b.ID.String()+"/feedback#summary")
}

// sharedPage is HR's list of what employees chose to share.
type sharedPage struct {
	Format
	FeedbackFormat
	Items       []feedback.SharedEntry
	Page, Pages int
}

// PageURL is the list's URL at page n.
func (sharedPage) PageURL(n int) string { return "/company/shared?page=" + strconv.Itoa(n) }

func (s *Server) sharedShow(c echo.Context) error {
	p, _ := principalOf(c)
	page, _ := strconv.Atoi(c.QueryParam("page"))
	if page < 1 || page > 100000 {
		page = 1
	}
	const perPage = 50
	items, total, err := s.Feedback.SharedWith(c.Request().Context(), p, p.CompanyID, page, perPage)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, pageShared, sharedPage{Items: items, Page: page, Pages: max(1, (total+perPage-1)/perPage)})
}

// ShareItem is a sharable item's name.
func (v FeedbackFormat) ShareItem(item string) string {
	switch item {
	case "summary":
		return v.T("fb_item_summary")
	case "themes":
		return v.T("fb_item_themes")
	}
	return v.T("fb_item_follow_up")
}

// SharedContent shows a shared item's content: theme codes and the
// follow-up code as words, a summary as written. The employee's preview
// and HR's list both render with it, so they read the same.
func (v FeedbackFormat) SharedContent(item, content string) string {
	switch item {
	case "themes":
		codes := strings.Split(content, ",")
		for i, c := range codes {
			codes[i] = v.Label("theme", c)
		}
		return strings.Join(codes, ", ")
	case consent.ItemFollowUp:
		if content == "advised" {
			return v.T("fb_follow_up_advised")
		}
		return v.T("fb_follow_up_not_advised")
	}
	return content
}

package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/taiwa/taiwa/internal/consent"
	"github.com/taiwa/taiwa/internal/feedback"
	"github.com/taiwa/taiwa/internal/platform/apperr"
)

// feedbackRoutes lists the employee's side of a held session (rating,
// own notes, the counsellor's summary and sharing it with HR), what HR
// sees of what was shared, and the report opt-out. The per-session routes
// admit every signed-in role on purpose: anyone but the booking's
// employee gets 404, so a session's existence never shows.
func (s *Server) feedbackRoutes() []Route {
	return []Route{
		{http.MethodPost, "/api/v1/bookings/:id/feedback", s.feedbackCreate, signedIn},
		{http.MethodGet, "/api/v1/bookings/:id/feedback", s.feedbackGet, signedIn},
		{http.MethodPut, "/api/v1/bookings/:id/notes", s.notesSet, signedIn},
		{http.MethodGet, "/api/v1/bookings/:id/notes", s.notesGet, signedIn},
		{http.MethodGet, "/api/v1/bookings/:id/summary", s.summaryGet, signedIn},
		{http.MethodPost, "/api/v1/bookings/:id/sharing", s.sharingSet, signedIn},
		{http.MethodGet, "/api/v1/companies/:cid/shared", s.sharedList, companyStaff},
		{http.MethodGet, "/api/v1/me/report-opt-out", s.optOutGet, employeeOnly},
		{http.MethodPut, "/api/v1/me/report-opt-out", s.optOutSet, employeeOnly},
		{http.MethodGet, "/api/v1/me/consents", s.myConsents, employeeOnly},
		{http.MethodGet, "/api/v1/me/wellbeing", s.myWellbeing, employeeOnly},
	}
}

func (s *Server) feedbackCreate(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in feedback.RatingInput
	if err := decodeStrictJSON(c, &in); err != nil {
		return err
	}
	r, err := s.Feedback.Rate(c.Request().Context(), principal(c), id, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, r)
}

func (s *Server) feedbackGet(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	r, err := s.Feedback.RatingOf(c.Request().Context(), principal(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, r)
}

func (s *Server) notesSet(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in struct {
		Notes *string `json:"notes"`
	}
	if err := decodeStrictJSON(c, &in); err != nil {
		return err
	}
	if in.Notes == nil {
		return apperr.Field("notes", "is required (\"\" deletes the notes)")
	}
	n, err := s.Feedback.SetNotes(c.Request().Context(), principal(c), id, *in.Notes)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, n)
}

func (s *Server) notesGet(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	n, err := s.Feedback.NotesOf(c.Request().Context(), principal(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, n)
}

func (s *Server) summaryGet(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	p := principal(c)
	v, err := s.Feedback.Summary(c.Request().Context(), p, id, p.Locale)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, v)
}

func (s *Server) sharingSet(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in feedback.ShareInput
	if err := decodeStrictJSON(c, &in); err != nil {
		return err
	}
	p := principal(c)
	in.Language = p.Locale
	st, err := s.Feedback.Share(c.Request().Context(), p, id, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, st)
}

func (s *Server) sharedList(c echo.Context) error {
	cid, err := pathID(c, "cid")
	if err != nil {
		return err
	}
	page, perPage, err := pageParams(c)
	if err != nil {
		return err
	}
	items, total, err := s.Feedback.SharedWith(c.Request().Context(), principal(c), cid, page, perPage)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, Page[feedback.SharedEntry]{Items: items, Total: total, Page: page, PerPage: perPage})
}

func (s *Server) optOutGet(c echo.Context) error {
	p := principal(c)
	o, err := s.Feedback.ReportOptOut(c.Request().Context(), p, p.Locale)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, o)
}

func (s *Server) optOutSet(c echo.Context) error {
	var in struct {
		OptOut *bool `json:"opt_out"`
	}
	if err := decodeStrictJSON(c, &in); err != nil {
		return err
	}
	p := principal(c)
	o, err := s.Feedback.SetReportOptOut(c.Request().Context(), p, in.OptOut, p.Locale)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, o)
}

func (s *Server) myConsents(c echo.Context) error {
	list, err := s.Feedback.Consents(c.Request().Context(), principal(c))
	if err != nil {
		return err
	}
	if list == nil {
		list = []consent.Consent{}
	}
	return c.JSON(http.StatusOK, Page[consent.Consent]{Items: list, Total: len(list), Page: 1, PerPage: len(list)})
}

func (s *Server) myWellbeing(c echo.Context) error {
	pts, err := s.Feedback.Wellbeing(c.Request().Context(), principal(c))
	if err != nil {
		return err
	}
	if pts == nil {
		pts = []feedback.WellbeingPoint{}
	}
	return c.JSON(http.StatusOK, map[string]any{"items": pts})
}

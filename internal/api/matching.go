package api

import (
	"math"
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/taiwa/taiwa/internal/matching"
	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/auth"
)

// fitAnswerers may keep a fit profile: employees and counsellors answer
// the same values and style items.
var fitAnswerers = []auth.Role{auth.RoleEmployee, auth.RoleCounselor}

// matchingRoutes are the fit questionnaire and recommendations (issue 5).
func (s *Server) matchingRoutes() []Route {
	return []Route{
		{http.MethodGet, "/api/v1/me/fit-profile", s.myFitProfile, fitAnswerers},
		{http.MethodPut, "/api/v1/me/fit-profile", s.myFitProfileSave, fitAnswerers},
		{http.MethodGet, "/api/v1/me/recommendations", s.myRecommendations, employeeOnly},
		{http.MethodPost, "/api/v1/me/recommendations/:counselor_id/dismiss", s.recommendationDismiss, employeeOnly},
	}
}

// fitProfileInput is PUT /me/fit-profile's body. The answers are read as
// any JSON value so that a wrong one is a 400 naming the item
// (values.power), which decoding into map[string]int cannot say.
type fitProfileInput struct {
	Values      map[string]any        `json:"values"`
	Style       map[string]any        `json:"style"`
	Preferences *matching.Preferences `json:"preferences"`
	Theme       string                `json:"theme"`
}

// answers turns one group of answers into whole numbers, recording every
// answer that is not a whole number from 1 to 5 under group.item.
func answers(group string, in map[string]any, bad map[string]string) map[string]int {
	if in == nil {
		return nil
	}
	out := make(map[string]int, len(in))
	for item, v := range in {
		f, ok := v.(float64)
		if !ok || f != math.Trunc(f) || f < 1 || f > 5 {
			bad[group+"."+item] = "must be a whole number from 1 to 5"
			continue
		}
		out[item] = int(f)
	}
	return out
}

func (s *Server) myFitProfile(c echo.Context) error {
	fp, err := s.Matching.MyFitProfile(c.Request().Context(), principal(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, fp)
}

func (s *Server) myFitProfileSave(c echo.Context) error {
	var in fitProfileInput
	if err := decodeStrictJSON(c, &in); err != nil {
		return err
	}
	bad := map[string]string{}
	fp := matching.FitProfile{
		Values:      answers("values", in.Values, bad),
		Style:       answers("style", in.Style, bad),
		Preferences: in.Preferences,
		Theme:       in.Theme,
	}
	if len(bad) > 0 {
		return apperr.Invalid("answer every item with a whole number from 1 to 5", bad)
	}
	saved, err := s.Matching.SaveFitProfile(c.Request().Context(), principal(c), fp)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, saved)
}

// recommendationQuery reads theme, relax (repeated or comma-separated) and
// lang; the language defaults to the caller's locale.
func recommendationQuery(c echo.Context, p auth.Principal) (matching.Query, error) {
	q := matching.Query{Theme: strings.TrimSpace(c.QueryParam("theme")), Lang: p.Locale}
	for _, v := range c.QueryParams()["relax"] {
		for _, r := range strings.Split(v, ",") {
			r = strings.TrimSpace(r)
			if r == "" {
				continue
			}
			if !slices.Contains(matching.HardPreferences, r) {
				return q, apperr.Field("relax", "must be one of "+strings.Join(matching.HardPreferences, ", "))
			}
			if !slices.Contains(q.Relax, r) {
				q.Relax = append(q.Relax, r)
			}
		}
	}
	if lang := c.QueryParam("lang"); lang != "" {
		if lang != "ja" && lang != "en" {
			return q, apperr.Field("lang", "must be ja or en")
		}
		q.Lang = lang
	}
	if q.Lang != "en" {
		q.Lang = "ja"
	}
	return q, nil
}

func (s *Server) myRecommendations(c echo.Context) error {
	p := principal(c)
	q, err := recommendationQuery(c, p)
	if err != nil {
		return err
	}
	res, err := s.Matching.Recommend(c.Request().Context(), p, q)
	if err != nil {
		return err
	}
	if res.Items == nil {
		res.Items = []matching.Recommendation{}
	}
	return c.JSON(http.StatusOK, res)
}

func (s *Server) recommendationDismiss(c echo.Context) error {
	id, err := pathID(c, "counselor_id")
	if err != nil {
		return err
	}
	reason, err := optionalReason(c)
	if err != nil {
		return err
	}
	if err := s.Matching.Dismiss(c.Request().Context(), principal(c), id, reason); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

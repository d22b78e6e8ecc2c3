package web

import (
	"math"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/taiwa/taiwa/internal/counselor"
	"github.com/taiwa/taiwa/internal/matching"
	"github.com/taiwa/taiwa/internal/platform/apperr"
)

// Message ids of the hard preferences (relax buttons) and of the coded
// reasons of "not for me".
var (
	relaxKeys = map[string]string{
		"gender": "rec_relax_gender", "languages": "rec_relax_languages", "formats": "rec_relax_formats",
	}
	dismissKeys = map[string]string{
		"style": "rec_dismiss_style", "values": "rec_dismiss_values", "experience": "rec_dismiss_experience",
		"gender": "rec_dismiss_gender", "age": "rec_dismiss_age", "availability": "rec_dismiss_availability",
		"other": "rec_dismiss_other",
	}
)

// recommendationsURL is the recommendations page of theme with relax.
func recommendationsURL(theme string, relax []string) string {
	v := url.Values{}
	if theme != "" {
		v.Set("theme", theme)
	}
	for _, r := range relax {
		v.Add("relax", r)
	}
	if len(v) == 0 {
		return "/recommendations"
	}
	return "/recommendations?" + v.Encode()
}

// recPage is the employee's recommendations for one theme.
type recPage struct {
	Format
	BookingFormat
	CounselorFormat
	Theme   string
	Relax   []string
	Result  matching.Result
	Refused bool // the theme or relax was malformed: nothing was asked
	Themes  []string
	Reasons []string // the dismiss reasons, in order
}

// RelaxURL is this page with one more hard preference relaxed.
func (p recPage) RelaxURL(constraint string) string {
	return recommendationsURL(p.Theme, append(slices.Clone(p.Relax), constraint))
}

// ResetURL is this page with every preference in force again.
func (p recPage) ResetURL() string { return recommendationsURL(p.Theme, nil) }

// Percent is a score (0–100) rounded for display.
func (p recPage) Percent(score float64) int {
	return int(math.Round(math.Max(0, math.Min(100, score))))
}

// BookURL books the counsellor's next free slot, or opens their slots.
func (p recPage) BookURL(l counselor.Listing) string {
	if l.NextAvailableAt != nil {
		return "/counselors/" + l.ID.String() + "/book?start=" + url.QueryEscape(l.NextAvailableAt.UTC().Format(time.RFC3339))
	}
	return profileSlots(l.ID)
}

// Photo is the web address of a listed counsellor's photo, or "".
// RelaxLabel names a hard preference on a relax button.
func (v recPage) RelaxLabel(constraint string) string { return v.label(relaxKeys, constraint) }

// RelaxedLabels names the preferences relaxed on this page.
func (v recPage) RelaxedLabels(relax []string) string {
	out := make([]string, len(relax))
	for i, r := range relax {
		out[i] = v.label(relaxKeys, r)
	}
	return strings.Join(out, v.T("list_separator"))
}

// DismissLabel names a coded reason of "not for me".
func (v recPage) DismissLabel(reason string) string { return v.label(dismissKeys, reason) }

// relaxParams reads relax (repeated or comma-separated); an unknown one
// is bad input.
func relaxParams(vals []string) ([]string, error) {
	var out []string
	for _, v := range vals {
		for _, r := range strings.Split(v, ",") {
			r = strings.TrimSpace(r)
			if r == "" || slices.Contains(out, r) {
				continue
			}
			if !slices.Contains(matching.HardPreferences, r) {
				return nil, apperr.Field("relax", "unknown preference")
			}
			out = append(out, r)
		}
	}
	return out, nil
}

func (s *Server) recommendations(c echo.Context) error {
	p, _ := principalOf(c)
	ctx := c.Request().Context()
	fp, err := s.Matching.MyFitProfile(ctx, p)
	if apperr.Is(err, apperr.CodeNotFound) {
		return c.Redirect(http.StatusSeeOther, "/fit-profile")
	} else if err != nil {
		return err
	}
	pg := recPage{Theme: strings.TrimSpace(c.QueryParam("theme")), Themes: counselor.Themes, Reasons: matching.DismissReasons}
	if pg.Theme == "" {
		pg.Theme = fp.Theme
	}
	status := http.StatusOK
	pg.Relax, err = relaxParams(c.QueryParams()["relax"])
	if err == nil {
		lang := resolveLang(c, p.Locale)
		pg.Result, err = s.Matching.Recommend(ctx, p, matching.Query{Theme: pg.Theme, Relax: pg.Relax, Lang: lang})
	}
	if e, ok := apperr.As(err); ok && e.Code == apperr.CodeInvalid {
		pg.Refused, status = true, http.StatusBadRequest
	} else if err != nil {
		return err
	}
	if pg.Result.Theme != "" {
		pg.Theme = pg.Result.Theme
	}
	return s.render(c, status, pageRecommendations, pg)
}

// recommendationDismiss is "not for me": htmx gets an empty answer that
// removes the card; a plain form goes back to the list.
func (s *Server) recommendationDismiss(c echo.Context) error {
	p, _ := principalOf(c)
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	reason := c.FormValue("reason")
	if reason != "" && !slices.Contains(matching.DismissReasons, reason) {
		return apperr.Field("reason", "unknown reason")
	}
	if err := s.Matching.Dismiss(c.Request().Context(), p, id, reason); err != nil {
		return err
	}
	if isHTMX(c) {
		return c.HTML(http.StatusOK, "")
	}
	theme := c.FormValue("theme")
	if !slices.Contains(counselor.Themes, theme) {
		theme = ""
	}
	relax, _ := relaxParams(c.Request().PostForm["relax"])
	s.setFlash(c, "success", "rec_dismissed")
	return c.Redirect(http.StatusSeeOther, recommendationsURL(theme, relax))
}

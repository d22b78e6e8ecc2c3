package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/taiwa/taiwa/internal/counselor"
	"github.com/taiwa/taiwa/internal/matching"
	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/auth"
)

// The matching pages, each a file templates/pages/<name>.html.
const (
	pageFitQuestionnaire = "fit_questionnaire"
	pageRecommendations  = "recommendations"
)

// matchingPages are parsed with the others (render.go).
var matchingPages = []string{pageFitQuestionnaire, pageRecommendations}

// registerMatching adds the questionnaire and recommendation pages.
func (s *Server) registerMatching(e *echo.Echo) {
	employee := requireRoles(auth.RoleEmployee)
	counselorRole := requireRoles(auth.RoleCounselor)
	e.GET("/fit-profile", s.fitShow, employee)
	e.POST("/fit-profile", s.fitSave, employee)
	e.GET("/counselor/fit-profile", s.fitShow, counselorRole)
	e.POST("/counselor/fit-profile", s.fitSave, counselorRole)
	e.GET("/recommendations", s.recommendations, employee)
	e.POST("/recommendations/:id/dismiss", s.recommendationDismiss, employee)
}

// likertItem is one 1–5 question: its form field (values.power), the
// message ids of its label and of its two ends, and the answer given.
type likertItem struct {
	Field           string
	LabelKey, Desc  string // Desc: a plain description (values) or ""
	LowKey, HighKey string // the ends of the scale
	Answer          int    // 0 = not answered
	ErrorKey        string
}

// ID is the element id of the item's fieldset.
func (it likertItem) ID() string { return strings.ReplaceAll(it.Field, ".", "-") }

// ErrorID is the element id of the item's error message.
func (it likertItem) ErrorID() string { return "err-" + it.ID() }

// Points are the five answers.
func (it likertItem) Points() []int { return []int{1, 2, 3, 4, 5} }

// valueKeys are the labels and plain descriptions of the values items.
var valueKeys = map[string][2]string{
	"self_direction": {"fit_value_self_direction", "fit_value_self_direction_desc"},
	"stimulation":    {"fit_value_stimulation", "fit_value_stimulation_desc"},
	"hedonism":       {"fit_value_hedonism", "fit_value_hedonism_desc"},
	"achievement":    {"fit_value_achievement", "fit_value_achievement_desc"},
	"power":          {"fit_value_power", "fit_value_power_desc"},
	"security":       {"fit_value_security", "fit_value_security_desc"},
	"conformity":     {"fit_value_conformity", "fit_value_conformity_desc"},
	"tradition":      {"fit_value_tradition", "fit_value_tradition_desc"},
	"benevolence":    {"fit_value_benevolence", "fit_value_benevolence_desc"},
	"universalism":   {"fit_value_universalism", "fit_value_universalism_desc"},
}

// styleKeys are the label and the two poles of each bipolar style item.
var styleKeys = map[string][3]string{
	"listening_advising": {"fit_style_listening_advising", "fit_style_listening", "fit_style_advising"},
	"structured_free":    {"fit_style_structured_free", "fit_style_structured", "fit_style_free"},
	"gentle_challenging": {"fit_style_gentle_challenging", "fit_style_gentle", "fit_style_challenging"},
}

// timeOfDayKeys and genderPrefKeys label the preferences' choices.
var (
	timeOfDayKeys  = map[string]string{"morning": "fit_tod_morning", "daytime": "fit_tod_daytime", "evening": "fit_tod_evening"}
	genderPrefKeys = map[string]string{"female": "fit_gender_female", "male": "fit_gender_male", "any": "fit_gender_any"}
)

// fitForm is the questionnaire as entered (or as stored, on a retake).
type fitForm struct {
	Values, Style map[string]int
	Gender        string
	AgeBands      []string
	Languages     []string
	Formats       []string
	Industries    []string
	TimeOfDay     []string
	Theme         string
	Errors        formErrors
}

// fitPage is the questionnaire: the employee's version has preferences
// and a theme; the counsellor's only the values and style items.
type fitPage struct {
	Format
	CounselorFormat
	Form     fitForm
	Employee bool
	Retake   bool
	Action   string
	Themes   []string
}

// ValueItems are the values questions in the stored order.
func (p fitPage) ValueItems() []likertItem {
	out := make([]likertItem, 0, len(matching.ValueItems))
	for _, code := range matching.ValueItems {
		k := valueKeys[code]
		f := "values." + code
		out = append(out, likertItem{Field: f, LabelKey: k[0], Desc: k[1], LowKey: "fit_scale_low", HighKey: "fit_scale_high",
			Answer: p.Form.Values[code], ErrorKey: p.Form.Errors[f]})
	}
	return out
}

// StyleItems are the bipolar conversational-style questions.
func (p fitPage) StyleItems() []likertItem {
	out := make([]likertItem, 0, len(matching.StyleItems))
	for _, code := range matching.StyleItems {
		k := styleKeys[code]
		f := "style." + code
		out = append(out, likertItem{Field: f, LabelKey: k[0], LowKey: k[1], HighKey: k[2],
			Answer: p.Form.Style[code], ErrorKey: p.Form.Errors[f]})
	}
	return out
}

// Total is how many 1–5 questions the page asks.
func (p fitPage) Total() int { return len(p.ValueItems()) + len(p.StyleItems()) }

// Answered is how many of them have an answer (the progress shown before
// any script runs).
func (p fitPage) Answered() int {
	n := 0
	for _, it := range append(p.ValueItems(), p.StyleItems()...) {
		if it.Answer >= 1 && it.Answer <= 5 {
			n++
		}
	}
	return n
}

// choice is one radio or checkbox of the preferences with its label id.
type choice struct {
	Code, Key string
	Checked   bool
}

// GenderChoices are the gender preference's radios.
func (p fitPage) GenderChoices() []choice {
	out := []choice{}
	for _, g := range matching.GenderPreferences {
		out = append(out, choice{g, genderPrefKeys[g], p.Form.Gender == g || (g == "any" && p.Form.Gender == "")})
	}
	return out
}

// TimeChoices are the time-of-day checkboxes.
func (p fitPage) TimeChoices() []choice {
	out := []choice{}
	for _, t := range matching.TimesOfDay {
		out = append(out, choice{t, timeOfDayKeys[t], slices.Contains(p.Form.TimeOfDay, t)})
	}
	return out
}

// Pref groups: the legends' message ids, named here so the catalogue test
// sees them.
func (v fitPage) fitGroup(vocab, field, legend string, selected []string, errs formErrors) ChoiceGroup {
	return v.Group(vocab, field, legend, selected).WithError(v.ErrText(errs, "preferences."+field))
}

// AgeBandsGroup, LanguagesGroup, FormatsGroup and IndustriesGroup are the
// preference checkboxes.
func (v fitPage) AgeBandsGroup(f fitForm) ChoiceGroup {
	return v.fitGroup("age_band", "age_bands", "fit_pref_age_bands", f.AgeBands, f.Errors)
}

// LanguagesGroup is the languages preference.
func (v fitPage) LanguagesGroup(f fitForm) ChoiceGroup {
	return v.fitGroup("language", "languages", "fit_pref_languages", f.Languages, f.Errors)
}

// FormatsGroup is the formats preference.
func (v fitPage) FormatsGroup(f fitForm) ChoiceGroup {
	return v.fitGroup("format", "formats", "fit_pref_formats", f.Formats, f.Errors)
}

// IndustriesGroup is the industries preference.
func (v fitPage) IndustriesGroup(f fitForm) ChoiceGroup {
	return v.fitGroup("industry", "industries", "fit_pref_industries", f.Industries, f.Errors)
}

// fitFormOf is a stored profile as the form shows it.
func fitFormOf(fp matching.FitProfile) fitForm {
	f := fitForm{Values: fp.Values, Style: fp.Style, Theme: fp.Theme, Errors: formErrors{}}
	if pr := fp.Preferences; pr != nil {
		f.Gender, f.AgeBands, f.Languages, f.Formats, f.Industries, f.TimeOfDay =
			pr.Gender, pr.AgeBands, pr.Languages, pr.Formats, pr.Industries, pr.TimeOfDay
	}
	return f
}

func (s *Server) fitPageFor(c echo.Context, f fitForm) fitPage {
	p, _ := principalOf(c)
	pg := fitPage{Form: f, Employee: p.Role == auth.RoleEmployee, Action: "/fit-profile", Themes: counselor.Themes}
	if !pg.Employee {
		pg.Action = "/counselor/fit-profile"
	}
	return pg
}

func (s *Server) fitShow(c echo.Context) error {
	p, _ := principalOf(c)
	fp, err := s.Matching.MyFitProfile(c.Request().Context(), p)
	retake := err == nil
	if err != nil && !apperr.Is(err, apperr.CodeNotFound) {
		return err
	}
	f := fitFormOf(fp)
	if f.Theme == "" {
		f.Theme = c.QueryParam("theme")
	}
	pg := s.fitPageFor(c, f)
	pg.Retake = retake
	return s.render(c, http.StatusOK, pageFitQuestionnaire, pg)
}

// readAnswers reads one group's 1–5 radios, recording each missing or
// malformed answer under its field (values.power).
func readAnswers(c echo.Context, group string, items []string, errs formErrors) map[string]int {
	out := map[string]int{}
	for _, it := range items {
		field := group + "." + it
		v := strings.TrimSpace(c.FormValue(field))
		if v == "" {
			errs.add(field, "fit_err_answer")
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 5 {
			errs.add(field, "fit_err_answer")
			continue
		}
		out[it] = n
	}
	return out
}

// fitFieldKeys are the messages beside the fields the domain refuses; an
// item's own field (values.power) gets fit_err_answer.
var fitFieldKeys = map[string]string{
	"theme": "fit_err_theme", "preferences.gender": "fit_err_choice", "preferences.age_bands": "fit_err_choice",
	"preferences.languages": "fit_err_choice", "preferences.formats": "fit_err_choice",
	"preferences.industries": "fit_err_choice", "preferences.time_of_day": "fit_err_choice",
}

func domainFieldKeys() map[string]string {
	keys := map[string]string{}
	for k, v := range fitFieldKeys {
		keys[k] = v
	}
	for _, it := range matching.ValueItems {
		keys["values."+it] = "fit_err_answer"
	}
	for _, it := range matching.StyleItems {
		keys["style."+it] = "fit_err_answer"
	}
	return keys
}

func (s *Server) fitSave(c echo.Context) error {
	p, _ := principalOf(c)
	form, err := c.FormParams()
	if err != nil {
		return apperr.Field("body", "is not a form")
	}
	f := fitForm{Errors: formErrors{}}
	f.Values = readAnswers(c, "values", matching.ValueItems, f.Errors)
	f.Style = readAnswers(c, "style", matching.StyleItems, f.Errors)
	fp := matching.FitProfile{Values: f.Values, Style: f.Style}
	if p.Role == auth.RoleEmployee {
		f.Gender, f.Theme = c.FormValue("gender"), c.FormValue("theme")
		f.AgeBands, f.Languages, f.Formats = form["age_bands"], form["languages"], form["formats"]
		f.Industries, f.TimeOfDay = form["industries"], form["time_of_day"]
		if f.Theme == "" {
			f.Errors.add("theme", "fit_err_theme")
		}
		fp.Theme = f.Theme
		fp.Preferences = &matching.Preferences{Gender: f.Gender, AgeBands: f.AgeBands, Languages: f.Languages,
			Formats: f.Formats, Industries: f.Industries, TimeOfDay: f.TimeOfDay}
	}
	if f.Errors.Any() {
		return s.render(c, http.StatusBadRequest, pageFitQuestionnaire, s.fitPageFor(c, f))
	}
	saved, err := s.Matching.SaveFitProfile(c.Request().Context(), p, fp)
	if e, ok := apperr.As(err); ok && e.Code == apperr.CodeInvalid {
		f.Errors.addDomain(e.Fields, domainFieldKeys())
		return s.render(c, http.StatusBadRequest, pageFitQuestionnaire, s.fitPageFor(c, f))
	} else if err != nil {
		return err
	}
	s.setFlash(c, "success", "fit_saved")
	if p.Role != auth.RoleEmployee {
		return c.Redirect(http.StatusSeeOther, "/counselor")
	}
	return c.Redirect(http.StatusSeeOther, recommendationsURL(saved.Theme, nil))
}

// likertView is what the likert template shows: one item and the view.
type likertView struct {
	I likertItem
	V Format
}

// Likert prepares one 1–5 question for the likert template.
func (v fitPage) Likert(it likertItem) likertView { return likertView{I: it, V: v.Format} }

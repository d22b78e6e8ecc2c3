package web

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"strconv"
	"strings"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/taiwa/taiwa/internal/counselor"
	"github.com/taiwa/taiwa/internal/platform/apperr"
)

// photoURL is the web address of a counsellor's photo, keeping the version
// query of the domain's URL so a new photo is a new address; "" without one.
func photoURL(id uuid.UUID, domainURL string) string {
	if domainURL == "" {
		return ""
	}
	u := "/counselors/" + id.String() + "/photo"
	if _, q, ok := strings.Cut(domainURL, "?"); ok && q != "" {
		u += "?" + q
	}
	return u
}

// verifiedKinds are the kinds of the credentials that count: verified and
// not expired.
func verifiedKinds(creds []counselor.Credential) []string {
	var out []string
	for _, c := range creds {
		if c.Status == counselor.CredentialVerified || c.Status == counselor.CredentialExpiring {
			out = append(out, c.Kind)
		}
	}
	return out
}

// profileForm is the profile edit form, kept as entered on error.
type profileForm struct {
	DisplayName, Kana, Bio, Gender, AgeBand, Years, Rate string

	Languages, Formats, Themes, Industries, JobFunctions []string

	// Links are the external meeting links by format; Place the in-person
	// sessions' place.
	Links map[string]string
	Place string

	Errors formErrors
	// Refused are the chosen themes no valid credential allows, with what
	// each needs, after a credential_required refusal.
	Refused []counselor.ThemeNeed
}

// profilePage is the profile form, the photo form and the theme rule.
type profilePage struct {
	Format
	CounselorFormat
	PeopleFormat
	Profile    counselor.Profile
	Form       profileForm
	PhotoURL   string
	PhotoError string // message id
	Genders    []string
	AgeBands   []string
}

// ThemeBlocked reports whether the counsellor's valid credentials do not
// yet allow theme.
func (p profilePage) ThemeBlocked(theme string) bool {
	return !contains(p.Profile.AllowedThemes, theme)
}

// ThemeNeeds is the credential kinds of which one allows theme; nil means
// any verified credential.
func (profilePage) ThemeNeeds(theme string) []string { return counselor.ThemeNeeds(theme) }

func formOf(prof counselor.Profile) profileForm {
	f := profileForm{
		DisplayName: prof.DisplayName, Kana: prof.Kana, Bio: prof.Bio,
		Gender: deref(prof.Gender), AgeBand: deref(prof.AgeBand),
		Years: strconv.Itoa(prof.YearsExperience), Rate: strconv.FormatInt(prof.RateJPY, 10),
		Languages: prof.Languages, Formats: prof.Formats, Themes: prof.Themes,
		Industries: prof.Industries, JobFunctions: prof.JobFunctions, Errors: formErrors{},
		Links: prof.MeetingLinks, Place: prof.InPersonPlace,
	}
	return f
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// renderProfile fills the page's profile and photo and renders it; a nil
// form shows the stored profile.
func (s *Server) renderProfile(c echo.Context, status int, f *profileForm, photoErr string) error {
	p, _ := principalOf(c)
	prof, err := s.Counselors.MyProfile(c.Request().Context(), p)
	if err != nil {
		return err
	}
	pg := profilePage{Profile: prof, PhotoURL: photoURL(prof.ID, prof.PhotoURL), PhotoError: photoErr,
		Genders: counselor.Genders, AgeBands: counselor.AgeBands}
	if f != nil {
		pg.Form = *f
	} else {
		pg.Form = formOf(prof)
	}
	return s.render(c, status, pageCounselorProfile, pg)
}

func (s *Server) counselorProfileShow(c echo.Context) error {
	return s.renderProfile(c, http.StatusOK, nil, "")
}

// profileFieldKeys are the messages shown beside each profile field when
// the domain refuses its value.
var profileFieldKeys = map[string]string{
	"display_name":     "profile_err_display_name",
	"kana":             "profile_err_kana",
	"bio":              "profile_err_bio",
	"gender":           "profile_err_choice",
	"age_band":         "profile_err_choice",
	"years_experience": "profile_err_years",
	"rate_jpy":         "profile_err_rate",
	"languages":        "profile_err_choose_some",
	"formats":          "profile_err_choose_some",
	"themes":           "profile_err_choice",
	"industries":       "profile_err_choice",
	"job_functions":    "profile_err_choice",
	"in_person_place":  "profile_err_place",
}

// LinkFormats are the formats the profile form offers an external meeting
// link for, in the form's order.
func (profilePage) LinkFormats() []string { return counselor.Formats }

// meetingLinkLabels name each format's external meeting link field.
var meetingLinkLabels = map[string]string{
	"video": "profile_meeting_video", "phone": "profile_meeting_phone", "in_person": "profile_meeting_in_person",
}

// LinkLabel is the message id of format's link field.
func (profilePage) LinkLabel(format string) string { return meetingLinkLabels[format] }

// readProfileForm reads the posted form; numbers that do not parse are
// field errors before the domain is asked.
func readProfileForm(c echo.Context) (profileForm, counselor.ProfileInput, error) {
	form, err := c.FormParams()
	if err != nil {
		return profileForm{}, counselor.ProfileInput{}, apperr.Invalid("the form could not be read", nil)
	}
	f := profileForm{
		DisplayName: strings.TrimSpace(form.Get("display_name")), Kana: strings.TrimSpace(form.Get("kana")),
		Bio: strings.TrimSpace(form.Get("bio")), Gender: form.Get("gender"), AgeBand: form.Get("age_band"),
		Years: strings.TrimSpace(form.Get("years_experience")), Rate: strings.TrimSpace(form.Get("rate_jpy")),
		Languages: form["languages"], Formats: form["formats"], Themes: form["themes"],
		Industries: form["industries"], JobFunctions: form["job_functions"], Errors: formErrors{},
		Links: map[string]string{}, Place: strings.TrimSpace(form.Get("in_person_place")),
	}
	for _, format := range counselor.Formats {
		f.Links[format] = strings.TrimSpace(form.Get("meeting_link_" + format))
	}
	in := counselor.ProfileInput{
		DisplayName: f.DisplayName, Kana: f.Kana, Bio: f.Bio,
		Gender: optional(f.Gender), AgeBand: optional(f.AgeBand),
		Languages: f.Languages, Formats: f.Formats, Themes: f.Themes,
		Industries: f.Industries, JobFunctions: f.JobFunctions,
		MeetingLinks: maps.Clone(f.Links), InPersonPlace: &f.Place,
	}
	f.Errors.text("display_name", f.DisplayName, false, "profile_err_display_name")
	f.Errors.text("kana", f.Kana, false, "profile_err_kana")
	f.Errors.text("bio", f.Bio, true, "profile_err_bio_text")
	f.Errors.text("in_person_place", f.Place, true, "profile_err_place")
	if f.Years != "" {
		in.YearsExperience = f.Errors.intIn("years_experience", f.Years, 0, counselor.MaxYears, "profile_err_years")
	}
	if f.Rate != "" {
		n, err := strconv.ParseInt(f.Rate, 10, 64)
		if err != nil || n < 0 || n > counselor.MaxRateJPY {
			f.Errors.add("rate_jpy", "profile_err_rate")
		}
		in.RateJPY = n
	}
	return f, in, nil
}

func (s *Server) counselorProfileSave(c echo.Context) error {
	p, _ := principalOf(c)
	f, in, err := readProfileForm(c)
	if err != nil {
		return err
	}
	if f.Errors.Any() {
		return s.renderProfile(c, http.StatusBadRequest, &f, "")
	}
	_, err = s.Counselors.UpdateProfile(c.Request().Context(), p, in)
	e, isApp := apperr.As(err)
	switch {
	case err == nil:
		s.setFlash(c, "success", "flash_profile_saved")
		return c.Redirect(http.StatusSeeOther, "/counselor/profile")
	case isApp && e.Code == apperr.CodeInvalid:
		f.Errors.addDomain(e.Fields, profileFieldKeys)
		return s.renderProfile(c, http.StatusBadRequest, &f, "")
	case isApp && e.Has(counselor.ReasonInvalidMeetingLink):
		for field := range e.Fields {
			f.Errors.add(field, reasonKey(err, "field_invalid"))
		}
		return s.renderProfile(c, http.StatusUnprocessableEntity, &f, "")
	case isApp && e.Code == apperr.CodeUnprocessable:
		// A theme the counsellor holds no verified credential for.
		f.Errors.add("themes", reasonKey(err, reasonKeys[counselor.ReasonCredentialRequired]))
		var missing counselor.MissingCredentials
		if errors.As(err, &missing) {
			f.Refused = missing
		}
		return s.renderProfile(c, http.StatusUnprocessableEntity, &f, "")
	}
	return err
}

// counselorPhotoUpload takes a multipart photo and hands its bytes to the
// domain, which checks, re-encodes and stores it.
func (s *Server) counselorPhotoUpload(c echo.Context) error {
	p, _ := principalOf(c)
	fh, err := c.FormFile("photo")
	if err != nil {
		return s.renderProfile(c, http.StatusBadRequest, nil, "photo_required")
	}
	file, err := fh.Open()
	if err != nil {
		return fmt.Errorf("web: open upload: %w", err)
	}
	defer file.Close()
	data, err := io.ReadAll(io.LimitReader(file, counselor.MaxPhotoBytes+1))
	if err != nil {
		return fmt.Errorf("web: read upload: %w", err)
	}
	if len(data) > counselor.MaxPhotoBytes {
		return s.renderProfile(c, http.StatusRequestEntityTooLarge, nil, "photo_too_large")
	}
	if len(data) == 0 {
		return s.renderProfile(c, http.StatusBadRequest, nil, "photo_required")
	}
	err = s.Counselors.SetPhoto(c.Request().Context(), p, data)
	if e, ok := apperr.As(err); ok && (e.Code == apperr.CodeInvalid || e.Code == apperr.CodeUnprocessable) {
		return s.renderProfile(c, http.StatusBadRequest, nil, "photo_invalid")
	} else if err != nil {
		return err
	}
	s.setFlash(c, "success", "flash_photo_saved")
	return c.Redirect(http.StatusSeeOther, "/counselor/profile")
}

package web

import (
	"github.com/taiwa/taiwa/internal/counselor"
	"github.com/taiwa/taiwa/internal/feedback"
)

// codeKeys gives each code of a closed vocabulary the message id
// prefix_code; the catalogue test checks every one exists.
func codeKeys(prefix string, codes []string) map[string]string {
	m := make(map[string]string, len(codes))
	for _, c := range codes {
		m[c] = prefix + "_" + c
	}
	return m
}

// Message ids of the counsellor vocabularies (internal/counselor/codes.go)
// and of the states the counsellor pages show.
var (
	themeKeys       = codeKeys("theme", counselor.Themes)
	credentialKeys  = codeKeys("credential", counselor.CredentialKinds)
	formatKeys      = codeKeys("format", counselor.Formats)
	genderKeys      = codeKeys("gender", counselor.Genders)
	languageKeys    = codeKeys("language", counselor.Languages)
	industryKeys    = codeKeys("industry", counselor.Industries)
	jobFunctionKeys = codeKeys("jobfn", counselor.JobFunctions)
	counselorStatus = codeKeys("cstatus", []string{"pending", "verified", "suspended"})
	credentialState = codeKeys("credstatus", []string{
		counselor.CredentialPending, counselor.CredentialVerified, counselor.CredentialRejected,
		counselor.CredentialExpiring, counselor.CredentialExpired,
	})
	sortKeys = codeKeys("sort", searchSorts)
)

// vocabularies are the closed lists by the name the forms and facets use:
// the group name is the form field and the search facet.
var vocabularies = map[string]struct {
	codes []string
	keys  map[string]string
}{
	"theme":        {counselor.Themes, themeKeys},
	"credential":   {counselor.CredentialKinds, credentialKeys},
	"format":       {counselor.Formats, formatKeys},
	"gender":       {counselor.Genders, genderKeys},
	"language":     {counselor.Languages, languageKeys},
	"industry":     {counselor.Industries, industryKeys},
	"job_function": {counselor.JobFunctions, jobFunctionKeys},
	"age_band":     {counselor.AgeBands, ageBandKeys},
	"sort":         {searchSorts, sortKeys},
}

// labelMaps are every code → message id map, for the catalogue test.
var labelMaps = []map[string]string{
	meetingLinkLabels,
	planKeys, ageBandKeys, tenureBandKeys, statusKeys, roleKeys,
	themeKeys, credentialKeys, formatKeys, genderKeys, languageKeys, industryKeys, jobFunctionKeys,
	counselorStatus, credentialState, sortKeys,
	bookingStatusKeys, weekdayKeys, weekdayShortKeys,
}

// CounselorStatus is a counsellor state's name (審査中 / 公開中 / 停止中).
func (v CounselorFormat) CounselorStatus(s string) string { return v.label(counselorStatus, s) }

// CredentialStatus is a credential state's name.
func (v CounselorFormat) CredentialStatus(s string) string { return v.label(credentialState, s) }

// Choice is one checkbox (or option) of a vocabulary group.
type Choice struct {
	ID       string // element id, unique on the page
	Code     string
	Label    string
	Checked  bool
	Count    int
	HasCount bool
}

// ChoiceGroup is a vocabulary rendered as a set of checkboxes.
type ChoiceGroup struct {
	Name    string // form field
	Legend  string
	Error   string // message shown under the group, if any
	ErrorID string
	Open    bool // a search filter shown unfolded
	Items   []Choice
}

// Group builds the checkboxes of vocabulary vocab as form field field,
// with the codes in selected ticked.
func (v CounselorFormat) Group(vocab, field, legendKey string, selected []string) ChoiceGroup {
	g := ChoiceGroup{Name: field, Legend: v.T(legendKey)}
	voc := vocabularies[vocab]
	for _, code := range voc.codes {
		g.Items = append(g.Items, Choice{
			ID: "f-" + field + "-" + code, Code: code, Label: v.label(voc.keys, code),
			Checked: contains(selected, code),
		})
	}
	return g
}

// FacetGroup is a search filter: Group with each choice's count among the
// matches (a code absent from facets counts 0).
func (v CounselorFormat) FacetGroup(vocab, legendKey string, selected []string, facets map[string]int) ChoiceGroup {
	g := v.Group(vocab, vocab, legendKey, selected)
	for i := range g.Items {
		g.Items[i].Count, g.Items[i].HasCount = facets[g.Items[i].Code], true
	}
	return g
}

// WithError is g with a message under it (for the profile form).
func (g ChoiceGroup) WithError(msg string) ChoiceGroup {
	g.Error = msg
	if msg != "" {
		g.ErrorID = "err-" + g.Name
	}
	return g
}

// avatar is a photo or, without one, the name's first letter.
type avatar struct {
	URL, Alt, Initial, Class string
}

// Avatar describes the picture of a counsellor called name.
func (v CounselorFormat) Avatar(url, name, class string) avatar {
	a := avatar{URL: url, Alt: v.T("photo_alt", "Name", name), Class: class}
	for _, r := range name {
		a.Initial = string(r)
		break
	}
	return a
}

// Needs says which credentials a theme needs: one of kinds, or any
// verified credential when kinds is empty.
func (v CounselorFormat) Needs(kinds []string) string {
	if len(kinds) == 0 {
		return v.T("profile_theme_needs_any")
	}
	return v.T("profile_theme_needs", "Kinds", v.Labels("credential", kinds))
}

// RatingLine is a counsellor's rating as employees see it: the mean with
// its count ("★ 4.3（12件）") from counselor.MinRatingsShown ratings, "only
// a few ratings so far" below that, and "no ratings yet" without any.
func (v CounselorFormat) RatingLine(avg *float64, count int) string {
	switch {
	case avg == nil || count == 0:
		return v.T("rating_none")
	case !counselor.RatingShown(count):
		return v.T("rating_few")
	}
	return v.T("rating_with_count", "Rating", rating(avg), "Count", count)
}

// RatingFull is the mean with its count whatever the count: operators'
// pages, where a small count is information, not a risk.
func (v CounselorFormat) RatingFull(avg *float64, count int) string {
	if avg == nil || count == 0 {
		return v.T("rating_none")
	}
	return v.T("rating_with_count", "Rating", rating(avg), "Count", count)
}

// ReviewStatus says where the author's own review stands.
func (v CounselorFormat) ReviewStatus(status string) string {
	switch status {
	case feedback.ReviewPending:
		return v.T("review_status_pending")
	case feedback.ReviewApproved:
		return v.T("review_status_approved")
	case feedback.ReviewPublished:
		return v.T("review_status_published")
	}
	return v.T("review_status_rejected")
}

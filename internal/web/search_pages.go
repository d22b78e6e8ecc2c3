package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/taiwa/taiwa/internal/counselor"
	"github.com/taiwa/taiwa/internal/feedback"
	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/auth"
)

// searchPerPage is how many cards a search page shows.
const searchPerPage = 12

// searchSorts are the orders the search offers, the default first.
var searchSorts = counselor.SearchSorts

// withinDays are the choices of "available within N days".
var withinDays = []int{3, 7, 14, 30}

// searchFilter is one filter of the search form: a vocabulary, the query
// parameter of the same name, and its heading.
type searchFilter struct {
	Vocab  string
	Legend string // message id
	Open   bool   // shown unfolded even when nothing is chosen
}

// searchFilters are the filters in the order the page shows them.
var searchFilters = []searchFilter{
	{"theme", "search_filter_theme", true},
	{"credential", "search_filter_credential", false},
	{"format", "search_filter_format", false},
	{"industry", "search_filter_industry", false},
	{"job_function", "search_filter_job_function", false},
	{"language", "search_filter_language", false},
	{"gender", "search_filter_gender", false},
	{"age_band", "search_filter_age_band", false},
}

// searchPage is the counsellor search: the query as given, the answer and
// the form's choices.
type searchPage struct {
	Format
	CounselorFormat
	Raw     url.Values // the query string, for keeping the form as entered
	Result  counselor.SearchResult
	Pages   int
	Refused bool // the query was malformed; nothing was searched
	Filters []searchFilter
	Sorts   []string
	Within  []int
}

// Q is the free text as entered.
func (p searchPage) Q() string { return p.Raw.Get("q") }

// Selected are the values given for a filter.
func (p searchPage) Selected(name string) []string { return p.Raw[name] }

// Is reports whether value is the (single) value of parameter name.
func (p searchPage) Is(name, value string) bool { return p.Raw.Get(name) == value }

// IsOpen reports whether a filter's group starts unfolded.
func (p searchPage) IsOpen(f searchFilter) bool { return f.Open || len(p.Raw[f.Vocab]) > 0 }

// FacetOf is the counts of one filter's values among the matches.
func (p searchPage) FacetOf(name string) map[string]int { return p.Result.Facets[name] }

// Filtered reports whether any filter or text narrows the search.
func (p searchPage) Filtered() bool {
	for k, vs := range p.Raw {
		if k != "sort" && k != "page" && len(vs) > 0 && vs[0] != "" {
			return true
		}
	}
	return false
}

// PageURL is the search URL of page n with the current query.
func (p searchPage) PageURL(n int) string {
	v := url.Values{}
	for k, vs := range p.Raw {
		if k != "page" && k != "per_page" {
			v[k] = vs
		}
	}
	if n > 1 {
		v.Set("page", strconv.Itoa(n))
	}
	if len(v) == 0 {
		return "/counselors"
	}
	return "/counselors?" + v.Encode()
}

// Filter is the checkboxes of one search filter with their counts.
func (p searchPage) Filter(f searchFilter) ChoiceGroup {
	g := p.FacetGroup(f.Vocab, f.Legend, p.Selected(f.Vocab), p.FacetOf(f.Vocab))
	g.Open = p.IsOpen(f)
	return g
}

// Photo is the web address of a listed counsellor's photo, or "".
// counselorCard is what the counselor_card partial shows: a listing, its
// photo's address and the page's view for labels.
type counselorCard struct {
	V     CounselorFormat
	L     counselor.Listing
	Photo string
}

// Card prepares a counsellor's card.
func (v CounselorFormat) Card(l counselor.Listing) counselorCard {
	return counselorCard{V: v, L: l, Photo: photoURL(l.ID, l.PhotoURL)}
}

// searchQuery keeps the parameters the form sends, drops empty ones (a
// select's "any" choice) and fixes the page size.
func searchQuery(in url.Values) url.Values {
	out := url.Values{}
	for k, vs := range in {
		if k == "per_page" {
			continue
		}
		for _, v := range vs {
			if v != "" {
				out.Add(k, v)
			}
		}
	}
	return out
}

func (s *Server) counselorSearch(c echo.Context) error {
	p, _ := principalOf(c)
	pg := searchPage{Raw: searchQuery(c.QueryParams()), Filters: searchFilters, Sorts: searchSorts, Within: withinDays, Pages: 1}
	params := url.Values{}
	for k, vs := range pg.Raw {
		params[k] = vs
	}
	params.Set("per_page", strconv.Itoa(searchPerPage))
	status := http.StatusOK
	// Control characters are no one's search: refuse them here, before
	// any engine or database sees them.
	bad := formErrors{}
	bad.text("q", pg.Q(), false, "search_refused")
	q, err := counselor.ParseSearchQuery(params)
	if bad.Any() {
		err = apperr.Field("q", "must not hold control characters")
	}
	if err == nil {
		pg.Result, err = s.Counselors.Search(c.Request().Context(), p, q)
	}
	if e, ok := apperr.As(err); ok && e.Code == apperr.CodeInvalid {
		pg.Refused, status = true, http.StatusBadRequest
	} else if err != nil {
		return err
	}
	if pg.Result.PerPage > 0 {
		pg.Pages = max(1, (pg.Result.Total+pg.Result.PerPage-1)/pg.Result.PerPage)
	}
	if isHTMX(c) {
		// htmx swaps only 2xx answers: the results carry the refusal.
		return s.renderPartial(c, http.StatusOK, pageCounselorSearch, "results_response", pg)
	}
	return s.render(c, status, pageCounselorSearch, pg)
}

// listingPage is one listed counsellor's public profile and, for an
// employee, the free slots of the next two weeks.
type listingPage struct {
	Format
	BookingFormat
	CounselorFormat
	PeopleFormat
	Listing  counselor.Listing
	PhotoURL string
	Reviews  []feedback.PublishedReview // published anonymous reviews, as the domain orders them
	slotsPanel
}

func (s *Server) counselorShow(c echo.Context) error {
	p, _ := principalOf(c)
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	l, err := s.Counselors.GetListing(c.Request().Context(), p, id)
	if err != nil {
		return err
	}
	pg := listingPage{Listing: l, PhotoURL: photoURL(l.ID, l.PhotoURL)}
	if pg.Reviews, err = s.Feedback.PublishedReviews(c.Request().Context(), p, id); err != nil {
		return err
	}
	if p.Role == auth.RoleEmployee {
		if pg.slotsPanel, err = s.freeSlots(c, p, id, "/counselors/"+id.String()); err != nil {
			return err
		}
	}
	return s.render(c, http.StatusOK, pageCounselorShow, pg)
}

// counselorPhoto serves a photo to the signed-in web user. The bytes were
// re-encoded by us; they go out with their stored type, never sniffed.
func (s *Server) counselorPhoto(c echo.Context) error {
	p, _ := principalOf(c)
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ph, err := s.Counselors.GetPhoto(c.Request().Context(), p, id)
	if err != nil {
		return err
	}
	ct := ph.ContentType
	if ct != "image/jpeg" && ct != "image/png" {
		ct = "application/octet-stream"
	}
	h := c.Response().Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	if c.QueryParam("v") != "" {
		// A versioned address never changes content: the browser may keep
		// it, but only for this signed-in user.
		h.Set("Cache-Control", "private, max-age=86400")
	}
	if !ph.UpdatedAt.IsZero() {
		h.Set("Last-Modified", ph.UpdatedAt.UTC().Format(http.TimeFormat))
	}
	return c.Blob(http.StatusOK, ct, ph.Data)
}

// searchChip is a filter read from the words of the search text, as the
// results show it: what it says and the search without it.
type searchChip struct {
	Text   string // 「女性」を絞り込み条件にしました（性別：女性）
	Remove string // the remove link's accessible name
	URL    string // the search without these words
}

// Chips are the filters the search read from its text, one chip each.
func (p searchPage) Chips() []searchChip {
	out := make([]searchChip, 0, len(p.Result.Understood))
	for _, u := range p.Result.Understood {
		words := strings.Join(u.Words, p.T("list_separator"))
		out = append(out, searchChip{
			Text:   p.T("search_understood_chip", "Words", words, "Filter", p.T("search_filter_"+u.Filter), "Label", p.Label(u.Filter, u.Value)),
			Remove: p.T("search_understood_remove", "Words", words),
			URL:    p.without("q", u.Words),
		})
	}
	return out
}

// searchHint is a suggestion of a search that found nobody: what leaving
// a condition out would find, and the search without it.
type searchHint struct {
	Text string // 「オンライン」を外すと 12 名
	URL  string
}

// Hints are the search's suggestions, most found first.
func (p searchPage) Hints() []searchHint {
	out := make([]searchHint, 0, len(p.Result.Suggestions))
	for _, s := range p.Result.Suggestions {
		var what string
		switch s.Drop {
		case "q":
			what = strings.Join(s.Values, p.T("list_separator"))
		case "available_within_days":
			if len(s.Values) > 0 {
				what = p.T("search_within_days", "Days", s.Values[0])
			}
		default:
			what = p.Labels(s.Drop, s.Values)
		}
		out = append(out, searchHint{Text: p.T("search_suggestion", "What", what, "Total", s.Total), URL: p.without(s.Drop, s.Values)})
	}
	return out
}

// EmptyThemes are the themes an empty search offers to browse instead:
// the first of the taxonomy (career, mental health, relationships,
// harassment), what people most often come for.
func (p searchPage) EmptyThemes() []string { return counselor.Themes[:4] }

// without is the search URL with one condition left out: words of the
// text (drop "q") or a whole parameter; it starts again at page 1.
func (p searchPage) without(drop string, words []string) string {
	v := url.Values{}
	for k, vs := range p.Raw {
		if k != "page" && k != "per_page" && k != drop {
			v[k] = vs
		}
	}
	if drop == "q" {
		if rest := counselor.WithoutWords(p.Q(), words); rest != "" {
			v.Set("q", rest)
		}
	}
	if len(v) == 0 {
		return "/counselors"
	}
	return "/counselors?" + v.Encode()
}

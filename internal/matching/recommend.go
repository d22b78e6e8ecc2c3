package matching

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/counselor"
	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/auth"
)

// narrowOrder is the order hard preferences are named in a narrowing
// label ("英語対応 + 女性").
var narrowOrder = []string{"languages", "gender", "formats"}

// seekerOf turns an employee's stored profile into the model's input.
func seekerOf(userID uuid.UUID, fp FitProfile, theme string) Seeker {
	s := Seeker{ID: userID, Theme: theme}
	for i, it := range ValueItems {
		s.Values[i] = int8(fp.Values[it])
	}
	for i, it := range StyleItems {
		s.Style[i] = int8(fp.Style[it])
	}
	if p := fp.Preferences; p != nil {
		if p.Gender != "any" {
			s.Gender = p.Gender
		}
		s.Languages = bitsOf(counselor.Languages, p.Languages)
		s.Formats = bitsOf(counselor.Formats, p.Formats)
		s.AgeBands = bitsOf(counselor.AgeBands, p.AgeBands)
		s.Industries = bitsOf(counselor.Industries, p.Industries)
		s.JobFunctions = bitsOf(counselor.JobFunctions, p.JobFunctions)
		s.TimeOfDay = bitsOf(TimesOfDay, p.TimeOfDay)
	}
	return s
}

// checkQuery validates q's theme (after the profile's default) and relax.
func checkQuery(q Query, fp FitProfile) (theme string, relax []string, err error) {
	theme = q.Theme
	if theme == "" {
		theme = fp.Theme
	}
	switch {
	case theme == "":
		return "", nil, apperr.Field("theme", "required: choose a theme")
	case !slices.Contains(counselor.Themes, theme):
		return "", nil, apperr.Field("theme", "unknown theme")
	}
	for _, r := range q.Relax {
		if r == "" {
			continue
		}
		if !slices.Contains(HardPreferences, r) {
			return "", nil, apperr.Field("relax", fmt.Sprintf("unknown constraint %q", r))
		}
		if !slices.Contains(relax, r) {
			relax = append(relax, r)
		}
	}
	return theme, relax, nil
}

// ReasonFitProfileRequired is Recommend's refusal before the employee has
// answered the fit questionnaire.
const ReasonFitProfileRequired apperr.Reason = "fit_profile_required"

// Recommend returns up to ten counsellors for the employee's theme
// (Query.Theme, else the profile's), best first after the diversity
// re-ranking. Before the questionnaire is answered it answers conflict
// fit_profile_required; a bad theme or relax is 400 naming the field.
func (s *Service) Recommend(ctx context.Context, actor auth.Principal, q Query) (Result, error) {
	if err := actor.Require(auth.RoleEmployee); err != nil {
		return Result{}, err
	}
	now := s.Clock.Now()
	var (
		res    Result
		seeker Seeker
		ranked []Scored
	)
	err := s.DB.InTx(ctx, actor.Scope(), func(tx *sqlx.Tx) error {
		fp, err := loadEmployeeProfile(ctx, tx, actor)
		if apperr.Is(err, apperr.CodeNotFound) {
			return apperr.Conflict(ReasonFitProfileRequired, "answer the fit questionnaire first")
		}
		if err != nil {
			return err
		}
		theme, relax, err := checkQuery(q, fp)
		if err != nil {
			return err
		}
		res.Theme = theme
		seeker = seekerOf(actor.UserID, fp, theme)
		if seeker.Dismissed, err = loadDismissals(ctx, tx, actor.CompanyID, actor.UserID); err != nil {
			return err
		}
		for _, r := range relax {
			switch r {
			case "gender":
				seeker.Gender = ""
			case "languages":
				seeker.Languages = 0
			case "formats":
				seeker.Formats = 0
			}
		}
		dismissed := make([]uuid.UUID, len(seeker.Dismissed))
		for i, d := range seeker.Dismissed {
			dismissed[i] = d.Counselor.ID
		}
		f := newHardFilter(&seeker, now, dismissed)
		var cands []Candidate
		if rows, ok, err := s.pooled(ctx, tx); err != nil {
			return err
		} else if ok {
			cands = filterPool(rows, &seeker, dismissed, now)
		} else if cands, err = s.loadCandidates(ctx, tx, &seeker, f, now); err != nil {
			return err
		}
		ranked = Rank(&seeker, cands, DefaultOptions(now))
		if len(ranked) < MaxRecommendations {
			if res.Narrowed, err = narrowing(ctx, tx, &seeker, f, q.Lang); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return Result{}, fmt.Errorf("recommend: %w", err)
	}
	shown := make([]uuid.UUID, len(ranked))
	for i, r := range ranked {
		shown[i] = r.Candidate.ID
	}
	s.exposure.add(shown) // written by FlushExposure, outside this request
	listings, err := s.listings(ctx, actor, ranked)
	if err != nil {
		return Result{}, fmt.Errorf("recommend: %w", err)
	}
	res.Items = make([]Recommendation, 0, len(ranked))
	for i, r := range ranked {
		if listings[i] == nil { // delisted in the meantime
			continue
		}
		res.Items = append(res.Items, Recommendation{
			Counselor: *listings[i], Score: roundScore(r.Score), Reasons: Reasons(&seeker, r, q.Lang, now), Terms: r.Terms,
		})
	}
	return res, nil
}

func roundScore(x float64) float64 { return float64(int(x*10+0.5)) / 10 }

// listings reads the ranked counsellors' listings (the API's shape) in one
// read; nil where one is no longer listed.
func (s *Service) listings(ctx context.Context, actor auth.Principal, ranked []Scored) ([]*counselor.Listing, error) {
	ids := make([]uuid.UUID, len(ranked))
	for i, r := range ranked {
		ids[i] = r.Candidate.ID
	}
	found, err := (&counselor.Service{DB: s.DB, Clock: s.Clock}).GetListings(ctx, actor, ids)
	if err != nil {
		return nil, err
	}
	out := make([]*counselor.Listing, len(ranked))
	for i, id := range ids {
		if l, ok := found[id]; ok {
			out[i] = &l
		}
	}
	return out, nil
}

// narrowing explains a short list: the hard preferences in force, how many
// pass them all and how many each one's relaxing would give.
func narrowing(ctx context.Context, tx *sqlx.Tx, s *Seeker, f *hardFilter, lang string) (*Narrowing, error) {
	all, without, err := countWithout(ctx, tx, f)
	if err != nil {
		return nil, err
	}
	n := &Narrowing{Available: all, Constraints: []string{}, Relax: []Relaxation{}}
	var parts []string
	for _, p := range narrowOrder {
		if _, ok := f.prefs[p]; !ok {
			continue
		}
		n.Constraints = append(n.Constraints, p)
		n.Relax = append(n.Relax, Relaxation{Constraint: p, Available: without[p]})
		parts = append(parts, constraintWords(s, p, lang))
	}
	n.Label = narrowLabel(parts, all, lang)
	return n, nil
}

// constraintWords names one hard preference in force ("英語対応", "女性").
func constraintWords(s *Seeker, p, lang string) string {
	switch p {
	case "languages":
		w := words(counselor.Languages, s.Languages, lang, "・", " or ")
		if lang == "en" {
			return w + "-speaking"
		}
		return w + "対応"
	case "gender":
		return codeWords[s.Gender].in(lang)
	}
	w := words(counselor.Formats, s.Formats, lang, "・", " or ")
	if lang == "en" {
		return w + " sessions"
	}
	return w + "で面談"
}

// narrowLabel is "英語対応 + 女性: 4名" / "English-speaking + female: 4 counsellors".
func narrowLabel(parts []string, n int, lang string) string {
	if lang == "en" {
		unit := "counsellors"
		if n == 1 {
			unit = "counsellor"
		}
		if len(parts) == 0 {
			return fmt.Sprintf("Available for this theme: %d %s", n, unit)
		}
		return fmt.Sprintf("%s: %d %s", strings.Join(parts, " + "), n, unit)
	}
	if len(parts) == 0 {
		return fmt.Sprintf("このテーマで空きのあるカウンセラー: %d名", n)
	}
	return fmt.Sprintf("%s: %d名", strings.Join(parts, " + "), n)
}

package counselor

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"strings"
)

// Bounds of the suggestions for a search that found nobody.
const (
	maxSuggestionProbes = 8 // searches tried, one per condition left out
	maxSuggestions      = 3
)

// suggest tries q without each of its conditions in turn (a filter, the
// free days, a word or understood word of the text) and returns those
// that would find someone, most first. It runs only when q found nobody,
// so ordinary searches pay nothing for it.
func (s *Service) suggest(ctx context.Context, q SearchQuery) ([]Suggestion, error) {
	type probe struct {
		s Suggestion
		q SearchQuery
	}
	var probes []probe
	for _, f := range searchFilters {
		if vals := *f.dst(&q); len(vals) > 0 {
			p := probe{Suggestion{Drop: f.param, Values: slices.Clone(vals)}, q}
			*f.dst(&p.q) = nil
			probes = append(probes, p)
		}
	}
	if q.AvailableWithinDays > 0 {
		p := probe{Suggestion{Drop: "available_within_days", Values: []string{strconv.Itoa(q.AvailableWithinDays)}}, q}
		p.q.AvailableWithinDays = 0
		probes = append(probes, p)
	}
	if q.Q != "" {
		u, err := understanding()
		if err != nil {
			return nil, err
		}
		rest, found := u.understand(q.Q)
		groups := make([][]string, 0, len(found))
		for _, f := range found {
			groups = append(groups, f.Words)
		}
		for _, w := range strings.Fields(rest) {
			groups = append(groups, []string{w})
		}
		for _, words := range groups {
			p := probe{Suggestion{Drop: "q", Values: words}, q}
			p.q.Q = WithoutWords(q.Q, words)
			probes = append(probes, p)
		}
	}
	if len(probes) > maxSuggestionProbes {
		probes = probes[:maxSuggestionProbes]
	}
	out := []Suggestion{}
	for _, p := range probes {
		p.q.Page, p.q.PerPage = 1, 1
		res, err := s.search(ctx, p.q)
		if err != nil {
			return nil, err
		}
		if res.Total > 0 {
			p.s.Total = res.Total
			out = append(out, p.s)
		}
	}
	slices.SortStableFunc(out, func(a, b Suggestion) int { return cmp.Compare(b.Total, a.Total) })
	if len(out) > maxSuggestions {
		out = out[:maxSuggestions]
	}
	return out, nil
}

// WithoutWords is the free text q with the first occurrence of each of
// words taken out, and the fillers that leaves beside them (女性の転職
// without 女性 is 転職): the text of a search that leaves out an
// understood filter or a word.
func WithoutWords(q string, words []string) string {
	orig := []rune(q)
	taken := make([]bool, len(orig))
	for _, w := range words {
		wr := []rune(w)
		if len(wr) == 0 {
			continue
		}
		for i := 0; i+len(wr) <= len(orig); i++ {
			if !slices.Contains(taken[i:i+len(wr)], true) && slices.Equal(orig[i:i+len(wr)], wr) {
				for j := i; j < i+len(wr); j++ {
					taken[j] = true
				}
				break
			}
		}
	}
	u, err := understanding()
	if err != nil {
		// The embedded data is checked by the tests; without it, no fillers.
		u = &understander{}
	}
	return u.rest(orig, taken)
}

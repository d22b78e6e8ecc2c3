package counselor

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"sync"
	"unicode"

	"github.com/taiwa/taiwa/search"
)

// Understood is one filter read from a search's free text: the filter
// (a search parameter such as "gender"), its code, and the words of the
// text that meant it, as typed. It holds like a word of the text would:
// in addition to (AND) every other condition.
type Understood struct {
	Filter string   `json:"filter"`
	Value  string   `json:"value"`
	Words  []string `json:"words"`
}

// understander finds the words of search/understanding.json in a query.
// It is built once from embedded data; using it is an in-memory lookup.
type understander struct {
	byFirst map[rune][]meaningWord // by first folded rune, longest first
	fillers [][]rune               // folded
}

// meaningWord is one word of understanding.json, folded.
type meaningWord struct {
	runes         []rune
	whole         bool   // only as a whole word
	filter, value string // "": a word to keep as text
}

// understanding is the understander of the embedded search/ folder.
var understanding = sync.OnceValues(func() (*understander, error) {
	cfg, err := searchConfig()
	if err != nil {
		return nil, err
	}
	return newUnderstander(cfg.Understanding)
})

// newUnderstander checks the data against the filters' vocabularies and
// indexes it.
func newUnderstander(d search.Understanding) (*understander, error) {
	u := &understander{byFirst: map[rune][]meaningWord{}}
	seen := map[string]string{}
	for _, m := range d.Filters {
		f, ok := filterByParam(m.Filter)
		if !ok {
			return nil, fmt.Errorf("understanding.json: unknown filter %q", m.Filter)
		}
		if !slices.Contains(f.codes, m.Value) {
			return nil, fmt.Errorf("understanding.json: %s has no code %q", m.Filter, m.Value)
		}
		for _, w := range m.Words {
			r := foldRunes(strings.TrimSpace(w))
			if len(r) == 0 {
				return nil, fmt.Errorf("understanding.json: %s=%s has an empty word", m.Filter, m.Value)
			}
			key := string(r)
			if prev, dup := seen[key]; dup {
				return nil, fmt.Errorf("understanding.json: %q means both %s and %s=%s", w, prev, m.Filter, m.Value)
			}
			seen[key] = m.Filter + "=" + m.Value
			u.byFirst[r[0]] = append(u.byFirst[r[0]], meaningWord{runes: r, whole: m.Whole || isASCII(r), filter: m.Filter, value: m.Value})
		}
	}
	for _, w := range d.Keep {
		r := foldRunes(strings.TrimSpace(w))
		if len(r) == 0 {
			return nil, fmt.Errorf("understanding.json: an empty word to keep")
		}
		if prev, dup := seen[string(r)]; dup {
			return nil, fmt.Errorf("understanding.json: %q is both kept and %s", w, prev)
		}
		seen[string(r)] = "kept"
		u.byFirst[r[0]] = append(u.byFirst[r[0]], meaningWord{runes: r, whole: isASCII(r)})
	}
	for k := range u.byFirst {
		slices.SortStableFunc(u.byFirst[k], func(a, b meaningWord) int { return cmp.Compare(len(b.runes), len(a.runes)) })
	}
	for _, f := range d.Fillers {
		if r := foldRunes(f); len(r) > 0 {
			u.fillers = append(u.fillers, r)
		}
	}
	return u, nil
}

// filterByParam is the search filter of a query parameter.
func filterByParam(param string) (searchFilter, bool) {
	for _, f := range searchFilters {
		if f.param == param {
			return f, true
		}
	}
	return searchFilter{}, false
}

// understand takes the words that mean a filter out of q, leftmost and
// longest first, and returns what remains of the text (fillers next to a
// found word dropped) and the filters found, in the order they appear,
// one per filter and code.
func (u *understander) understand(q string) (rest string, found []Understood) {
	orig := []rune(q)
	folded := make([]rune, len(orig))
	for i, r := range orig {
		folded[i] = fold(r)
	}
	taken := make([]bool, len(orig))
	for i := 0; i < len(folded); {
		w, ok := u.matchAt(folded, i)
		if !ok {
			i++
			continue
		}
		end := i + len(w.runes)
		if w.filter == "" {
			i = end // a word kept as text
			continue
		}
		for j := i; j < end; j++ {
			taken[j] = true
		}
		word := string(orig[i:end])
		k := slices.IndexFunc(found, func(x Understood) bool { return x.Filter == w.filter && x.Value == w.value })
		if k < 0 {
			found = append(found, Understood{Filter: w.filter, Value: w.value})
			k = len(found) - 1
		}
		if !slices.Contains(found[k].Words, word) {
			found[k].Words = append(found[k].Words, word)
		}
		i = end
	}
	if len(found) == 0 {
		return q, nil
	}
	return u.rest(orig, taken), found
}

// rest is what remains of orig without its taken runes: words untouched
// stay whole; a piece next to a taken run loses the fillers on that side
// (女性の…, …について相談).
func (u *understander) rest(orig []rune, taken []bool) string {
	var kept []string
	start := -1
	for i := 0; i <= len(orig); i++ {
		if i < len(orig) && !taken[i] && !unicode.IsSpace(orig[i]) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			piece := orig[start:i]
			if start > 0 && taken[start-1] {
				piece = u.trimFillers(piece, true)
			}
			if i < len(orig) && taken[i] {
				piece = u.trimFillers(piece, false)
			}
			if len(piece) > 0 {
				kept = append(kept, string(piece))
			}
			start = -1
		}
	}
	return strings.Join(kept, " ")
}

// matchAt is the longest word that matches folded at i.
func (u *understander) matchAt(folded []rune, i int) (meaningWord, bool) {
	for _, w := range u.byFirst[folded[i]] {
		end := i + len(w.runes)
		if end > len(folded) || !slices.Equal(folded[i:end], w.runes) {
			continue
		}
		if w.whole && ((i > 0 && isWordRune(folded[i-1])) || (end < len(folded) && isWordRune(folded[end]))) {
			continue
		}
		return w, true
	}
	return meaningWord{}, false
}

// trimFillers takes fillers off the front (or the back) of s: a piece
// that is one filler goes whole, otherwise one-letter particles (の, で…)
// go one at a time, so that 産業カウンセラー keeps its カウンセラー.
func (u *understander) trimFillers(s []rune, front bool) []rune {
	for len(s) > 0 {
		if u.onlyFillers(s) {
			return nil
		}
		n := 0
		for _, w := range u.fillers {
			if len(w) != 1 || len(w) > len(s) {
				continue
			}
			part := s[len(s)-len(w):]
			if front {
				part = s[:len(w)]
			}
			if slices.Equal(foldRunes(string(part)), w) {
				n = len(w)
			}
		}
		if n == 0 {
			return s
		}
		if front {
			s = s[n:]
		} else {
			s = s[:len(s)-n]
		}
	}
	return s
}

// onlyFillers reports whether s is made of fillers end to end.
func (u *understander) onlyFillers(s []rune) bool {
	f := foldRunes(string(s))
	ok := make([]bool, len(f)+1) // ok[i]: f[:i] splits into fillers
	ok[0] = true
	for i := range f {
		if !ok[i] {
			continue
		}
		for _, w := range u.fillers {
			if end := i + len(w); end <= len(f) && slices.Equal(f[i:end], w) {
				ok[end] = true
			}
		}
	}
	return ok[len(f)]
}

// fold makes the runes people type for the same letter one: full-width
// ASCII becomes ASCII, hiragana katakana, an ideographic space a space,
// letters lower case.
func fold(r rune) rune {
	switch {
	case r >= '！' && r <= '～':
		r -= 0xFEE0
	case r == '\u3000':
		r = ' '
	case r >= 'ぁ' && r <= 'ゖ':
		r += 0x60
	}
	return unicode.ToLower(r)
}

func foldRunes(s string) []rune {
	r := []rune(s)
	for i := range r {
		r[i] = fold(r[i])
	}
	return r
}

func isASCII(r []rune) bool {
	return !slices.ContainsFunc(r, func(c rune) bool { return c > unicode.MaxASCII })
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// Understand reads the filters out of a search's free text as Search does
// (search/understanding.json) and returns the rest of the text.
func Understand(q string) (rest string, found []Understood, err error) {
	u, err := understanding()
	if err != nil {
		return "", nil, err
	}
	rest, found = u.understand(q)
	return rest, found, nil
}

package counselor_test

import (
	"fmt"
	"testing"

	"github.com/taiwa/taiwa/internal/counselor"
)

// TestUnderstandReadsEverydayWordsAsFilters: the words of
// search/understanding.json become filters and leave the text, with the
// fillers around them; other words stay text.
func TestUnderstandReadsEverydayWordsAsFilters(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		q, rest string
		want    string // filter=value[words] …
	}{
		{"転職", "", "theme=career[転職]"},
		{"育休", "", "theme=work_life[育休]"},
		{"産休", "", "theme=work_life[産休]"},
		{"育児", "", "theme=work_life[育児]"},
		{"女性", "", "gender=female[女性]"},
		{"女性カウンセラー", "", "gender=female[女性カウンセラー]"},
		{"男性", "", "gender=male[男性]"},
		{"パワハラ", "", "theme=harassment[パワハラ]"},
		{"セクハラ", "", "theme=harassment[セクハラ]"},
		{"メンタル", "", "theme=mental_health[メンタル]"},
		{"うつ", "", "theme=mental_health[うつ]"},
		{"ウツ", "", "theme=mental_health[ウツ]"},
		{"復職", "", "theme=return_to_work[復職]"},
		{"キャリコン", "", "credential=career_consultant[キャリコン]"},
		{"オンライン", "", "format=video[オンライン]"},
		{"英語", "", "language=en[英語]"},
		{"40代", "", "age_band=40s[40代]"},
		{"４０代", "", "age_band=40s[４０代]"},
		{"Female", "", "gender=female[Female]"},
		{"ＦＥＭＡＬＥ", "", "gender=female[ＦＥＭＡＬＥ]"},
		// Several words, glued or spaced, with fillers between and after.
		{"女性 転職", "", "gender=female[女性] theme=career[転職]"},
		{"女性の転職相談", "", "gender=female[女性] theme=career[転職]"},
		{"育休について相談したい", "", "theme=work_life[育休]"},
		{"転職\u3000女性カウンセラー", "", "theme=career[転職] gender=female[女性カウンセラー]"},
		// Longest first: 育児休業 is one word, not 育児 + 休業.
		{"育児休業", "", "theme=work_life[育児休業]"},
		// Two words for one filter make one filter.
		{"パワハラ セクハラ", "", "theme=harassment[パワハラ セクハラ]"},
		// What is not a filter stays text, and keeps what it needs.
		{"産業カウンセラー", "産業カウンセラー", ""},
		{"女性の産業カウンセラー", "産業カウンセラー", "gender=female[女性]"},
		{"産業カウンセラー 女性", "産業カウンセラー", "gender=female[女性]"},
		{"アヤセ 転職", "アヤセ", "theme=career[転職]"},
		{"キャリア", "キャリア", ""},
		{"相談", "相談", ""},
		// Whole words only where the data says so, and for ASCII.
		{"うつみ", "うつみ", ""},
		{"抑うつ", "", "theme=mental_health[抑うつ]"},
		{"manager", "manager", ""},
		{"human", "human", ""},
		{"women", "", "gender=female[women]"},
		{"mental health", "", "theme=mental_health[mental health]"},
		// Words that hold a filter's word but mean something else stay text.
		{"初対面", "初対面", ""},
		{"初対面 女性", "初対面", "gender=female[女性]"},
		{"女性活躍", "女性活躍", ""},
		{"", "", ""},
	} {
		rest, found, err := counselor.Understand(tc.q)
		if err != nil {
			t.Fatal(err)
		}
		got := ""
		for i, u := range found {
			if i > 0 {
				got += " "
			}
			got += fmt.Sprintf("%s=%s%v", u.Filter, u.Value, u.Words)
		}
		if rest != tc.rest || got != tc.want {
			t.Errorf("%q: rest %q, found %q; want %q, %q", tc.q, rest, got, tc.rest, tc.want)
		}
	}
}

func TestWithoutWordsTakesOutOneOccurrenceEach(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		q     string
		words []string
		want  string
	}{
		{"女性 転職", []string{"女性"}, "転職"},
		{"女性の転職相談", []string{"転職"}, "女性"},
		{"女性の転職", []string{"女性"}, "転職"},
		{"転職 転職", []string{"転職"}, "転職"},
		{"  a  b a ", []string{"a"}, "b a"},
		{"x", []string{"", "y"}, "x"},
	} {
		if got := counselor.WithoutWords(tc.q, tc.words); got != tc.want {
			t.Errorf("WithoutWords(%q, %q) = %q, want %q", tc.q, tc.words, got, tc.want)
		}
	}
}

func BenchmarkUnderstand(b *testing.B) {
	for b.Loop() {
		if _, _, err := counselor.Understand("女性の産業カウンセラーに転職と育休について相談したい"); err != nil {
			b.Fatal(err)
		}
	}
}

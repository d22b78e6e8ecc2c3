package api

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/taiwa/taiwa/internal/counselor"
)

// TestWriteJSONAnswersAsEncodingJSON: encodeJSON writes what echo's c.JSON
// (encoding/json's Encoder) writes, byte for byte, for search answers with
// everything that could tell the two apart: HTML and JS-unsafe characters,
// control characters, nil and empty slices and maps, nil pointers, floats
// of every form, times with and without fractions, unsorted map keys.
// Invalid UTF-8 (which PostgreSQL and the input check never let through)
// becomes U+FFFD in both, written raw instead of as \ufffd: the same JSON
// value.
func TestWriteJSONAnswersAsEncodingJSON(t *testing.T) {
	t.Parallel()
	rating := func(f float64) *float64 { return &f }
	str := func(s string) *string { return &s }
	at := time.Date(2026, 12, 7, 9, 30, 0, 123456789, time.FixedZone("JST", 9*3600))
	whole := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	full := counselor.Listing{
		ID: uuid.MustParse("0b7e4f2a-3c1d-4e5f-8a9b-0c1d2e3f4a5b"), DisplayName: "山田 <花子> & \"Co\"", Kana: "やまだ\u2028はなこ\u2029",
		Bio: "キャリア\t相談\n<script>alert(1)</script> \x00 \x1f \x7f", Gender: str("female"), AgeBand: str("40s"),
		YearsExperience: 12, Themes: []string{"career", "mental_health"},
		Credentials: []counselor.ListedCredential{{Kind: "certified_public_psychologist", Verified: true, RegistrationNumber: "第123号", VerifiedAt: at, ExpiresOn: str("2030-03-31")}},
		Industries:  []string{}, JobFunctions: nil, Languages: []string{"ja", "en"}, Formats: []string{"video"},
		RateJPY: 8000, RatingAvg: rating(4.5), RatingCount: 12, NextAvailableAt: &whole, PhotoURL: "/api/v1/counselors/x/photo?v=1&s=2",
	}
	bare := counselor.Listing{ID: uuid.New()}
	for _, c := range []struct {
		name string
		v    any
	}{
		{"full answer", counselor.SearchResult{
			Items: []counselor.Listing{full, bare}, Total: 1234, Page: 2, PerPage: 20,
			Facets:      map[string]map[string]int{"theme": {"zeta": 1, "alpha": 0, "career": 3}, "format": {}, "language": nil},
			Engine:      counselor.EngineMeilisearch,
			Understood:  []counselor.Understood{{Filter: "gender", Value: "female", Words: []string{"女性"}}},
			Suggestions: []counselor.Suggestion{{Drop: "q", Values: []string{"産業医"}, Total: 3}},
		}},
		{"empty answer", counselor.SearchResult{Items: []counselor.Listing{}, Understood: []counselor.Understood{}, Suggestions: []counselor.Suggestion{}}},
		{"zero answer", counselor.SearchResult{}},
		{"floats", []*float64{rating(0), rating(0.1), rating(1e21), rating(1e-7), rating(123456789.125), rating(math.MaxFloat64), rating(-0.5), nil}},
		{"times", []time.Time{at, whole, {}}},
		{"map of any", map[string]any{"b": []any{1, "x", nil, true}, "a": map[string]int{"y": 2, "x": 1}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var want, got bytes.Buffer
			if err := json.NewEncoder(&want).Encode(c.v); err != nil {
				t.Fatal(err)
			}
			if err := encodeJSON(&got, c.v); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Bytes(), want.Bytes()) {
				t.Errorf("encodeJSON differs from encoding/json:\n got %s\nwant %s", got.Bytes(), want.Bytes())
			}
		})
	}
	t.Run("invalid UTF-8", func(t *testing.T) {
		v := counselor.Listing{Bio: "ok \xff\xfe ok", Kana: "\xe3\x81"}
		var want, got bytes.Buffer
		if err := json.NewEncoder(&want).Encode(v); err != nil {
			t.Fatal(err)
		}
		if err := encodeJSON(&got, v); err != nil {
			t.Fatal(err)
		}
		var a, b counselor.Listing
		if err := json.Unmarshal(want.Bytes(), &a); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(got.Bytes(), &b); err != nil {
			t.Fatal(err)
		}
		if a.Bio != b.Bio || a.Kana != b.Kana || a.Bio != "ok \ufffd\ufffd ok" {
			t.Errorf("decoded %q %q, encoding/json's %q %q", b.Bio, b.Kana, a.Bio, a.Kana)
		}
	})
}

// BenchmarkSearchAnswerEncoding is the encoding of one search page (20
// listings, eight facets) by encoding/json (what c.JSON does) and by
// encodeJSON.
func BenchmarkSearchAnswerEncoding(b *testing.B) {
	res := benchAnswer()
	b.Run("encoding-json", func(b *testing.B) {
		var buf bytes.Buffer
		for b.Loop() {
			buf.Reset()
			if err := json.NewEncoder(&buf).Encode(res); err != nil {
				b.Fatal(err)
			}
		}
		b.SetBytes(int64(buf.Len()))
	})
	b.Run("encodeJSON", func(b *testing.B) {
		var buf bytes.Buffer
		for b.Loop() {
			buf.Reset()
			if err := encodeJSON(&buf, res); err != nil {
				b.Fatal(err)
			}
		}
		b.SetBytes(int64(buf.Len()))
	})
}

// benchAnswer is a search page like the demo's: 20 listings with a
// Japanese biography, eight facets of a dozen codes.
func benchAnswer() counselor.SearchResult {
	r, g, a := 4.5, "female", "40s"
	now := time.Now().UTC().Truncate(time.Second)
	res := counselor.SearchResult{Total: 120, Page: 1, PerPage: 20, Engine: counselor.EngineMeilisearch, Facets: map[string]map[string]int{},
		Understood: []counselor.Understood{}, Suggestions: []counselor.Suggestion{}}
	for range 20 {
		res.Items = append(res.Items, counselor.Listing{ID: uuid.New(), DisplayName: "山田 花子", Kana: "やまだ はなこ",
			Bio:    "人事とキャリアの相談を十年以上続けてきました。働き方に迷ったとき、まずはお話をお聞かせください。復職や異動の前後の不安にも寄り添います。",
			Gender: &g, AgeBand: &a, YearsExperience: 12, Themes: []string{"career", "mental_health", "return_to_work"},
			Credentials: []counselor.ListedCredential{{Kind: "certified_public_psychologist", Verified: true, RegistrationNumber: "123456", VerifiedAt: now}},
			Industries:  []string{"it", "finance"}, JobFunctions: []string{"engineering"}, Languages: []string{"ja", "en"}, Formats: []string{"video", "in_person"},
			RateJPY: 8000, RatingAvg: &r, RatingCount: 12, NextAvailableAt: &now})
	}
	for _, f := range []string{"theme", "credential", "industry", "job_function", "language", "format", "gender", "age_band"} {
		m := map[string]int{}
		for i := range 12 {
			m[f+string(rune('a'+i))] = i * 7
		}
		res.Facets[f] = m
	}
	return res
}

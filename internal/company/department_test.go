package company_test

import (
	"strings"
	"testing"

	"github.com/taiwa/taiwa/internal/company"
)

func TestParseDepartmentPath(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in   string
		want string // segments joined by "|"; "!" means refused
	}{
		{"", ""},
		{"  ", ""},
		{"営業部", "営業部"},
		{" 営業部 / 東京支店 ", "営業部|東京支店"},
		{"開発本部/基盤部/SRE", "開発本部|基盤部|SRE"},
		{"営業部//東京", "!"},
		{"/営業部", "!"},
		{"営業部/", "!"},
		{strings.Repeat("a/", 10) + "a", "!"},
		{strings.Repeat("部", 101), "!"},
	}
	for _, c := range cases {
		got, err := company.ParseDepartmentPath(c.in)
		if c.want == "!" {
			if err == nil {
				t.Errorf("%q: accepted as %v, want refusal", c.in, got)
			}
			continue
		}
		if err != nil || strings.Join(got, "|") != c.want {
			t.Errorf("%q: %v (%v), want %s", c.in, got, err, c.want)
		}
	}
}

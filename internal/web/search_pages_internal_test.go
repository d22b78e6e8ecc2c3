package web

import (
	"net/url"
	"testing"

	"github.com/google/uuid"
)

func TestSearchPageURLKeepsTheQueryAndChangesOnlyThePage(t *testing.T) {
	t.Parallel()
	raw := searchQuery(url.Values{"q": {"キャリア 相談"}, "theme": {"career", "", "relationships"}, "sort": {""},
		"page": {"3"}, "per_page": {"100"}})
	p := searchPage{Raw: raw}
	cases := map[int]string{
		1: "/counselors?q=%E3%82%AD%E3%83%A3%E3%83%AA%E3%82%A2+%E7%9B%B8%E8%AB%87&theme=career&theme=relationships",
		2: "/counselors?page=2&q=%E3%82%AD%E3%83%A3%E3%83%AA%E3%82%A2+%E7%9B%B8%E8%AB%87&theme=career&theme=relationships",
	}
	for n, want := range cases {
		if got := p.PageURL(n); got != want {
			t.Errorf("PageURL(%d) = %s, want %s", n, got, want)
		}
	}
	if got := (searchPage{Raw: url.Values{}}).PageURL(1); got != "/counselors" {
		t.Errorf("empty query: %s", got)
	}
	if _, ok := raw["sort"]; ok {
		t.Error("an empty select value was kept")
	}
	if !p.Filtered() || (searchPage{Raw: url.Values{"sort": {"rating"}}}).Filtered() {
		t.Error("Filtered: text and filters narrow, a sort does not")
	}
}

func TestYenGroupsThousands(t *testing.T) {
	t.Parallel()
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 8000: "8,000", 1234567: "1,234,567", -5000: "-5,000"} {
		if got := yen(n); got != want {
			t.Errorf("Yen(%d) = %s, want %s", n, got, want)
		}
	}
}

func TestPhotoURLServesTheDomainVersionFromTheWeb(t *testing.T) {
	t.Parallel()
	id := uuid.MustParse("7c1e6b8a-3f0d-4c55-9d0e-1a2b3c4d5e6f")
	if got := photoURL(id, "/api/v1/counselors/"+id.String()+"/photo?v=1790000000"); got != "/counselors/"+id.String()+"/photo?v=1790000000" {
		t.Errorf("photoURL = %s", got)
	}
	if got := photoURL(id, ""); got != "" {
		t.Errorf("no photo: %q", got)
	}
}

func TestTextRefusesControlCharactersAndBadUTF8(t *testing.T) {
	t.Parallel()
	for v, want := range map[string]bool{"佐藤 花子": true, "a\tb": false, "a\x00b": false, "\xff": false, "a\u200bb": true} {
		f := formErrors{}
		f.text("x", v, false, "bad")
		if f.Any() == want {
			t.Errorf("%q: errors %v", v, f)
		}
	}
	f := formErrors{}
	if f.text("bio", "一行目\r\n二行目\t", true, "bad"); f.Any() {
		t.Error("multiline text with line breaks refused")
	}
}

package counselor_test

import (
	"strings"
	"testing"

	"github.com/taiwa/taiwa/internal/counselor"
	"github.com/taiwa/taiwa/internal/platform/apperr"
)

// TestMeetingLinksAreHTTPSAddressesWithoutCredentials is the table of the
// link rule, through UpdateProfile on the real database: a refused link is
// 422 invalid_meeting_link naming meeting_links.<format> and changes
// nothing; an accepted one is stored and read back.
func TestMeetingLinksAreHTTPSAddressesWithoutCredentials(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	p, _ := f.counselor()
	long := "https://zoom.example/j/" + strings.Repeat("9", counselor.MaxMeetingLink-len("https://zoom.example/j/"))
	cases := []struct {
		name   string
		links  map[string]string
		ok     bool
		field  string
		stored map[string]string
	}{
		{"zoom", map[string]string{"video": "https://zoom.example/j/81234567890?pwd=abc"}, true, "", map[string]string{"video": "https://zoom.example/j/81234567890?pwd=abc"}},
		{"teams", map[string]string{"video": "https://teams.example/l/meetup-join/19%3ameeting_x%40thread.v2/0"}, true, "", nil},
		{"meet, trimmed", map[string]string{"video": "  https://meet.example/abc-defg-hij  "}, true, "", map[string]string{"video": "https://meet.example/abc-defg-hij"}},
		{"a host with a port", map[string]string{"video": "https://meet.example:8443/r/1"}, true, "", nil},
		{"other formats too", map[string]string{"video": "https://zoom.example/j/1", "in_person": "https://map.example/p/1"}, true, "", nil},
		{"exactly the longest", map[string]string{"video": long}, true, "", nil},
		{"an empty link is none", map[string]string{"video": ""}, true, "", map[string]string{}},
		{"one too long", map[string]string{"video": long + "9"}, false, "meeting_links.video", nil},
		{"plain http", map[string]string{"video": "http://zoom.example/j/1"}, false, "meeting_links.video", nil},
		{"no scheme", map[string]string{"video": "zoom.example/j/1"}, false, "meeting_links.video", nil},
		{"javascript", map[string]string{"video": "javascript:alert(1)"}, false, "meeting_links.video", nil},
		{"no host", map[string]string{"video": "https:///j/1"}, false, "meeting_links.video", nil},
		{"only a port", map[string]string{"video": "https://:443/j/1"}, false, "meeting_links.video", nil},
		{"user and password", map[string]string{"video": "https://alice:secret@zoom.example/j/1"}, false, "meeting_links.video", nil},
		{"user alone", map[string]string{"video": "https://alice@zoom.example/j/1"}, false, "meeting_links.video", nil},
		{"a space inside", map[string]string{"video": "https://zoom.example/j/1 2"}, false, "meeting_links.video", nil},
		{"a line break inside", map[string]string{"video": "https://zoom.example/j/1\nBcc: x"}, false, "meeting_links.video", nil},
		{"unknown format", map[string]string{"carrier_pigeon": "https://zoom.example/j/1"}, false, "meeting_links.carrier_pigeon", nil},
		{"the bad one named", map[string]string{"video": "https://zoom.example/j/1", "phone": "ftp://x.example"}, false, "meeting_links.phone", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before, err := f.svc.MyProfile(ctx, p)
			if err != nil {
				t.Fatal(err)
			}
			in := validProfile()
			in.MeetingLinks = c.links
			got, err := f.svc.UpdateProfile(ctx, p, in)
			if !c.ok {
				e, isApp := apperr.As(err)
				if !isApp || e.Code != apperr.CodeUnprocessable || e.APICode() != "invalid_meeting_link" || e.Fields[c.field] == "" {
					t.Fatalf("err = %v, want 422 invalid_meeting_link naming %s", err, c.field)
				}
				after, _ := f.svc.MyProfile(ctx, p)
				if len(after.MeetingLinks) != len(before.MeetingLinks) {
					t.Fatalf("a refused link changed the stored ones: %v → %v", before.MeetingLinks, after.MeetingLinks)
				}
				return
			}
			if err != nil {
				t.Fatalf("refused: %v", err)
			}
			want := c.stored
			if want == nil {
				want = c.links
			}
			again, _ := f.svc.MyProfile(ctx, p)
			for _, m := range []map[string]string{got.MeetingLinks, again.MeetingLinks} {
				if len(m) != len(want) {
					t.Fatalf("links %v, want %v", m, want)
				}
				for k, v := range want {
					if m[k] != v {
						t.Fatalf("links %v, want %v", m, want)
					}
				}
			}
		})
	}
}

// TestAbsentLinksAndPlaceAreKept: a body without meeting_links or
// in_person_place (an older client) keeps the stored ones; a place is
// stored trimmed, and one too long or holding control characters is a 400
// naming in_person_place.
func TestAbsentLinksAndPlaceAreKept(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	p, _ := f.counselor()
	in := validProfile()
	in.MeetingLinks = map[string]string{"video": "https://zoom.example/j/1"}
	place := " 東京都千代田区丸の内1-1-1\r\n502会議室 "
	in.InPersonPlace = &place
	if _, err := f.svc.UpdateProfile(ctx, p, in); err != nil {
		t.Fatal(err)
	}
	older := validProfile()
	older.Bio = "更新しました。"
	got, err := f.svc.UpdateProfile(ctx, p, older)
	if err != nil {
		t.Fatal(err)
	}
	if got.MeetingLinks["video"] != "https://zoom.example/j/1" || got.InPersonPlace != "東京都千代田区丸の内1-1-1\n502会議室" {
		t.Fatalf("an update without them lost the links or the place: %v %q", got.MeetingLinks, got.InPersonPlace)
	}
	for name, bad := range map[string]string{
		"too long": strings.Repeat("丸", counselor.MaxInPersonPlace+1),
		"NUL":      "丸の内\x00",
	} {
		in := validProfile()
		in.InPersonPlace = &bad
		if fs := fieldsOf(func() error { _, err := f.svc.UpdateProfile(ctx, p, in); return err }()); fs["in_person_place"] == "" {
			t.Errorf("%s: want 400 naming in_person_place", name)
		}
	}
	longest := strings.Repeat("丸", counselor.MaxInPersonPlace)
	in.InPersonPlace = &longest
	if _, err := f.svc.UpdateProfile(ctx, p, in); err != nil {
		t.Fatalf("the longest place: %v", err)
	}
	in.MeetingLinks, in.InPersonPlace = map[string]string{}, new(string)
	got, err = f.svc.UpdateProfile(ctx, p, in)
	if err != nil || len(got.MeetingLinks) != 0 || got.InPersonPlace != "" {
		t.Fatalf("clearing: %v %q %v", got.MeetingLinks, got.InPersonPlace, err)
	}
}

package api_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/taiwa/taiwa/internal/apptest"
)

// TestProfileMeetingLinksAndPlaceThroughTheAPI: PUT /me/profile takes
// meeting_links and in_person_place (answers checked against openapi.json
// by the harness), refuses a bad link with 422 naming
// meeting_links.<format> and a too-long place with 400, and a body
// without them keeps them.
func TestProfileMeetingLinksAndPlaceThroughTheAPI(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	cc, _ := counsellorClient(t, h, h.Operator(), "hanako@counsel.example")
	body := func(edit func(map[string]any)) string {
		b := profileBody()
		edit(b)
		out, _ := json.Marshal(b)
		return string(out)
	}
	type profile struct {
		MeetingLinks  map[string]string `json:"meeting_links"`
		InPersonPlace string            `json:"in_person_place"`
	}
	for _, tc := range []struct {
		link, field string
	}{
		{"http://zoom.example/j/1", "meeting_links.video"},
		{"https://alice:pw@zoom.example/j/1", "meeting_links.video"},
		{"https://zoom.example/j/" + strings.Repeat("9", 500), "meeting_links.video"},
	} {
		r := cc.Raw("PUT", "/api/v1/me/profile", "application/json", strings.NewReader(body(func(b map[string]any) {
			b["meeting_links"] = map[string]string{"video": tc.link}
		})))
		if e := apiError(t, r); r.Status != 422 || e.Error.Code != "invalid_meeting_link" || e.Error.Fields[tc.field] == "" {
			t.Errorf("%q: %d %s, want 422 naming %s", tc.link, r.Status, r.Body, tc.field)
		}
	}
	r := cc.Raw("PUT", "/api/v1/me/profile", "application/json", strings.NewReader(body(func(b map[string]any) {
		b["in_person_place"] = strings.Repeat("丸", 301)
	})))
	if e := apiError(t, r); r.Status != 400 || e.Error.Fields["in_person_place"] == "" {
		t.Errorf("long place: %d %s, want 400 naming in_person_place", r.Status, r.Body)
	}

	var got profile
	if st := cc.Do("PUT", "/api/v1/me/profile", json.RawMessage(body(func(b map[string]any) {
		b["meeting_links"] = map[string]string{"video": "https://zoom.example/j/81234567890?pwd=abc"}
		b["in_person_place"] = "東京都千代田区丸の内1-1-1 502会議室"
	})), &got); st != 200 || got.MeetingLinks["video"] != "https://zoom.example/j/81234567890?pwd=abc" || got.InPersonPlace == "" {
		t.Fatalf("save: %d %+v", st, got)
	}
	got = profile{}
	if st := cc.Do("PUT", "/api/v1/me/profile", json.RawMessage(body(func(map[string]any) {})), &got); st != 200 ||
		got.MeetingLinks["video"] == "" || got.InPersonPlace == "" {
		t.Fatalf("a body without them: %d %+v", st, got)
	}
	got = profile{}
	if st := cc.Do("GET", "/api/v1/me/profile", nil, &got); st != 200 || got.MeetingLinks["video"] == "" {
		t.Fatalf("read back: %d %+v", st, got)
	}
}

// TestPhoneBookingThroughTheAPINeedsANumber: POST /bookings of a phone
// session without a number is 422 phone_required naming phone; with one
// it is booked. A video booking of a counsellor with an external link
// answers that link as meeting_url, with meeting_external set.
func TestPhoneBookingThroughTheAPINeedsANumber(t *testing.T) {
	t.Parallel()
	w := newBookingWorld(t, 1)
	if _, err := ownerDB(t, w.h).Exec(`UPDATE counselors SET formats = '{video,phone}',
		meeting_links = '{"video":"https://zoom.example/j/81234567890"}' WHERE id = $1`, w.cid); err != nil {
		t.Fatal(err)
	}
	emp := w.employee(0)
	slots := w.slots(t, emp)
	phone := bookBody(w.cid, slots[0].Start)
	phone["format"] = "phone"
	r := post(emp, "/api/v1/bookings", phone)
	if e := apiError(t, r); r.Status != 422 || e.Error.Code != "phone_required" || e.Error.Fields["phone"] == "" {
		t.Fatalf("without a number: %d %s", r.Status, r.Body)
	}
	phone["phone"] = "+81 90-1234-5678"
	if r := post(emp, "/api/v1/bookings", phone); r.Status != 201 {
		t.Fatalf("with a number: %d %s", r.Status, r.Body)
	}
	r = post(emp, "/api/v1/bookings", bookBody(w.cid, slots[1].Start))
	var b struct {
		MeetingURL      string `json:"meeting_url"`
		MeetingExternal bool   `json:"meeting_external"`
	}
	decode(t, r.Body, &b)
	if r.Status != 201 || b.MeetingURL != "https://zoom.example/j/81234567890" || !b.MeetingExternal {
		t.Fatalf("video with an external link: %d %s", r.Status, r.Body)
	}
}

package web_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/apptest"
	"github.com/taiwa/taiwa/internal/booking"
	"github.com/taiwa/taiwa/internal/platform/db"
)

// TestProfileFormTakesMeetingLinksAndThePlace: the counsellor's profile
// form refuses a link that is not https (422, beside the field, values
// kept), then saves an external video link and the in-person place and
// shows them again.
func TestProfileFormTakesMeetingLinksAndThePlace(t *testing.T) {
	t.Parallel()
	s := newCounselorSite(t)
	co := s.counselor(t)
	tok := co.csrf("/counselor/profile")
	form := url.Values{"_csrf": {tok}, "display_name": {"新人 花子"}, "kana": {"しんじん はなこ"}, "bio": {"はじめまして。"},
		"years_experience": {"7"}, "rate_jpy": {"9000"}, "languages": {"ja"}, "formats": {"video", "in_person"},
		"meeting_link_video": {"http://zoom.example/j/1"}, "in_person_place": {"東京都千代田区丸の内1-1-1\n502会議室"}}
	r := co.post("/counselor/profile", form)
	if r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("http link: %d", r.Status)
	}
	mustContain(t, r, `id="err-meeting_links.video"`, "https:// で始まる", `value="http://zoom.example/j/1"`, "502会議室")

	form.Set("meeting_link_video", "https://zoom.example/j/81234567890?pwd=abc")
	r = co.post("/counselor/profile", form)
	if r.Status != http.StatusSeeOther {
		t.Fatalf("save: %d\n%s", r.Status, r.Body)
	}
	saved := co.get("/counselor/profile")
	mustContain(t, saved, "プロフィールを保存しました。", `value="https://zoom.example/j/81234567890?pwd=abc"`,
		"東京都千代田区丸の内1-1-1\n502会議室</textarea>")
}

// TestSessionPagesShowTheExternalLinkAndThePlace: a video booking of a
// counsellor with an external link shows that link on the booking, and its
// room page says the session is held there; an in-person booking shows
// the place.
func TestSessionPagesShowTheExternalLinkAndThePlace(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	w := newBookingWorld(t, h, allDay())
	const link = "https://zoom.example/j/81234567890"
	exec := func(q string, args ...any) {
		t.Helper()
		if err := h.Env.DB.InTx(context.Background(), db.System, func(tx *sqlx.Tx) error {
			_, err := tx.Exec(q, args...)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	exec(`UPDATE counselors SET formats = '{video,phone,in_person}', in_person_place = '東京都千代田区丸の内1-1-1 502会議室',
		meeting_links = jsonb_build_object('video', $2::text) WHERE id = $1`, w.counselorID, link)
	b := w.book(t, empEmail, 0)
	if b.MeetingURL != link || !b.MeetingExternal {
		t.Fatalf("booking: %q %v", b.MeetingURL, b.MeetingExternal)
	}
	moveSession(t, h, b.ID, time.Now().Add(-time.Minute))

	emp := newBrowser(t, h)
	emp.login(empEmail, empPass)
	show := emp.get("/sessions/" + b.ID.String())
	mustContain(t, show, `id="meeting-link"`, `href="`+link+`"`, `id="meeting-external-note"`,
		`<a href="`+link+`" role="button" class="compact join-room"`)
	mustNotContain(t, show, `href="/meet/`)
	cn := newBrowser(t, h)
	cn.login(cEmail, counselorPass)
	mustContain(t, cn.get("/counselor/sessions"), `<a href="`+link+`" role="button" class="compact join-room"`)
	room := emp.get("/meet/" + b.ID.String())
	mustContain(t, room, `id="meeting-external"`, "外部のオンライン会議サービス", `href="`+link+`"`)
	mustNotContain(t, room, `id="room"`, "data-ws=")

	p := principal(t, h, empEmail, empPass)
	slots, err := h.App.Bookings.Slots(context.Background(), p, w.counselorID, time.Now().Add(24*time.Hour), time.Now().Add(72*time.Hour))
	if err != nil || len(slots) == 0 {
		t.Fatalf("slots: %v", err)
	}
	ip, err := h.App.Bookings.Book(context.Background(), p, booking.NewBooking{CounselorID: w.counselorID, Start: slots[0].Start, Theme: "career", Format: "in_person"}, "")
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, emp.get("/sessions/"+ip.ID.String()), `id="session-place"`, "東京都千代田区丸の内1-1-1 502会議室")
}

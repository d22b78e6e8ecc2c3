package booking

import (
	"bytes"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	arran "github.com/arran4/golang-ical"
	ical "github.com/emersion/go-ical"
	"github.com/google/uuid"
)

// The invitations are read back with parsers that did not write them:
// emersion/go-ical, which reads parameter values as RFC 5545 says, and
// arran4/golang-ical, which also reads a backslash in one as an escape.
// Both must find the same single attendee, with the same name.

// hostileNames are display names meant to break an invitation, each with
// the CN every parser must read back ("" for none).
var hostileNames = []struct {
	name, raw, cn string
}{
	{"parameter injection", `松本"純子";ROLE=CHAIR:mailto:x@evil.example,`, `松本純子;ROLE=CHAIR:mailto:x@evil.example,`},
	{"LF starts a forged line", "佐藤\nATTENDEE;ROLE=CHAIR:mailto:x@evil.example", "佐藤ATTENDEE;ROLE=CHAIR:mailto:x@evil.example"},
	{"CRLF starts a forged line", "佐藤\r\nORGANIZER:mailto:x@evil.example", "佐藤ORGANIZER:mailto:x@evil.example"},
	{"CRLF space forges a continuation", "佐藤\r\n \"\r\n;ROLE=CHAIR", "佐藤 ;ROLE=CHAIR"},
	{"bare CR", "佐藤\r花子", "佐藤花子"},
	{"NUL", "佐藤\x00花子", "佐藤花子"},
	{"tab, DEL and C1 controls", "佐藤\t花子\x7f\u0085\u009b", "佐藤花子"},
	{"backslashes", `C:\Users\sato\`, `C:Userssato`},
	{"trailing backslash before the quote", `佐藤\";ROLE=CHAIR`, `佐藤;ROLE=CHAIR`},
	{"commas", "Sato, Hanako, PhD", "Sato, Hanako, PhD"},
	{"semicolons", "Sato;Hanako;ROLE=CHAIR", "Sato;Hanako;ROLE=CHAIR"},
	{"colons", "Dr: Sato:mailto:x@evil.example", "Dr: Sato:mailto:x@evil.example"},
	{"emoji", "佐藤 🌸👩🏽‍⚕️🇯🇵", "佐藤 🌸👩🏽‍⚕️🇯🇵"},
	{"100 Japanese characters", strings.Repeat("あいうえお漢字カナ〜", 10), strings.Repeat("あいうえお漢字カナ〜", 10)},
	{"only quotes", `""`, ""},
}

// wantInvite is what one invitation must say.
type wantInvite struct {
	method, status string
	uid            string
	sequence       int
	start, end     time.Time
	attendee, cn   string
	meetingURL     string
}

// icsEventProps are the properties of the event, each exactly once.
var icsEventProps = []string{"ATTENDEE", "DESCRIPTION", "DTEND", "DTSTAMP", "DTSTART", "LOCATION",
	"ORGANIZER", "SEQUENCE", "STATUS", "SUMMARY", "UID", "URL"}

// checkInvite reads data with both parsers and checks every line, the
// event and its only two people against want.
func checkInvite(t *testing.T, data []byte, want wantInvite) {
	t.Helper()
	checkLines(t, data)
	checkWithEmersion(t, data, want)
	checkWithArran(t, data, want)
}

// checkLines checks the file's framing: CRLF endings only, every line at
// most 75 octets of valid UTF-8 with no control character.
func checkLines(t *testing.T, data []byte) {
	t.Helper()
	if !bytes.HasSuffix(data, []byte("\r\n")) {
		t.Errorf("the file does not end with CRLF")
	}
	for i, l := range strings.Split(strings.TrimSuffix(string(data), "\r\n"), "\r\n") {
		if len(l) > icsLineOctets || !utf8.ValidString(l) || strings.ContainsFunc(l, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
			t.Errorf("line %d (%d octets) is too long, not UTF-8 or holds a control character: %q", i+1, len(l), l)
		}
	}
}

func checkWithEmersion(t *testing.T, data []byte, want wantInvite) {
	t.Helper()
	cal, err := decodeEmersion(data)
	if err != nil {
		t.Fatalf("emersion/go-ical: %v\n%s", err, data)
	}
	if m := cal.Props.Get("METHOD"); m == nil || m.Value != want.method {
		t.Errorf("emersion: METHOD %v, want %s", m, want.method)
	}
	if len(cal.Children) != 1 || cal.Children[0].Name != ical.CompEvent {
		t.Fatalf("emersion: %d components, want one VEVENT:\n%s", len(cal.Children), data)
	}
	ev := cal.Children[0]
	if got := slices.Sorted(maps.Keys(ev.Props)); !slices.Equal(got, icsEventProps) {
		t.Errorf("emersion: event properties %v, want %v", got, icsEventProps)
	}
	for name, ps := range ev.Props {
		if len(ps) != 1 {
			t.Errorf("emersion: %d %s properties, want 1", len(ps), name)
		}
	}
	wantParams := map[string][]string{"ROLE": {"REQ-PARTICIPANT"}, "PARTSTAT": {"ACCEPTED"}, "CUTYPE": {"INDIVIDUAL"}}
	if want.cn != "" {
		wantParams["CN"] = []string{want.cn}
	}
	checkPerson(t, ev.Props.Get("ATTENDEE"), "mailto:"+want.attendee, wantParams)
	checkPerson(t, ev.Props.Get("ORGANIZER"), "mailto:"+icsOrganizer, map[string][]string{"CN": {"Taiwa"}})

	text := func(name string) string {
		p := ev.Props.Get(name)
		if p == nil {
			return ""
		}
		s, err := p.Text()
		if err != nil {
			t.Errorf("emersion: %s: %v", name, err)
		}
		return s
	}
	if got := text("UID"); got != want.uid {
		t.Errorf("emersion: UID %q, want %q", got, want.uid)
	}
	if got := text("STATUS"); got != want.status {
		t.Errorf("emersion: STATUS %q, want %q", got, want.status)
	}
	if got := text("SUMMARY"); got != icsSummary {
		t.Errorf("emersion: SUMMARY %q", got)
	}
	if got := text("LOCATION"); got != want.meetingURL {
		t.Errorf("emersion: LOCATION %q, want %q", got, want.meetingURL)
	}
	if seq, err := ev.Props.Get("SEQUENCE").Int(); err != nil || seq != want.sequence {
		t.Errorf("emersion: SEQUENCE %d (%v), want %d", seq, err, want.sequence)
	}
	e := ical.Event{Component: ev}
	if st, err := e.DateTimeStart(time.UTC); err != nil || !st.Equal(want.start) || st.Location() != time.UTC {
		t.Errorf("emersion: DTSTART %v (%v), want %v in UTC", st, err, want.start)
	}
	if en, err := e.DateTimeEnd(time.UTC); err != nil || !en.Equal(want.end) {
		t.Errorf("emersion: DTEND %v (%v), want %v", en, err, want.end)
	}
}

// decodeEmersion decodes data, turning the parser's panics on malformed
// input into errors.
func decodeEmersion(data []byte) (cal *ical.Calendar, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return ical.NewDecoder(bytes.NewReader(data)).Decode()
}

// checkPerson checks an ORGANIZER or ATTENDEE: its address and exactly
// its parameters, each with one value.
func checkPerson(t *testing.T, p *ical.Prop, addr string, params map[string][]string) {
	t.Helper()
	if p == nil {
		t.Errorf("emersion: no property for %s", addr)
		return
	}
	if p.Value != addr {
		t.Errorf("emersion: %s address %q, want %q", p.Name, p.Value, addr)
	}
	if !maps.EqualFunc(map[string][]string(p.Params), params, slices.Equal) {
		t.Errorf("emersion: %s parameters %q, want %q", p.Name, p.Params, params)
	}
}

func checkWithArran(t *testing.T, data []byte, want wantInvite) {
	t.Helper()
	cal, err := arran.ParseCalendar(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("arran4/golang-ical: %v\n%s", err, data)
	}
	evs := cal.Events()
	if len(evs) != 1 {
		t.Fatalf("arran4: %d events, want 1", len(evs))
	}
	att := evs[0].Attendees()
	if len(att) != 1 || att[0].Email() != want.attendee {
		t.Fatalf("arran4: attendees %v, want only %s", att, want.attendee)
	}
	wantParams := map[string][]string{"ROLE": {"REQ-PARTICIPANT"}, "PARTSTAT": {"ACCEPTED"}, "CUTYPE": {"INDIVIDUAL"}}
	if want.cn != "" {
		wantParams["CN"] = []string{want.cn}
	}
	if got := att[0].ICalParameters; !maps.EqualFunc(got, wantParams, slices.Equal) {
		t.Errorf("arran4: attendee parameters %q, want %q", got, wantParams)
	}
	if org := evs[0].GetProperty(arran.ComponentPropertyOrganizer); org == nil || org.Value != "mailto:"+icsOrganizer {
		t.Errorf("arran4: organizer %v", org)
	}
	if evs[0].Id() != want.uid {
		t.Errorf("arran4: UID %q, want %q", evs[0].Id(), want.uid)
	}
}

// inviteLife is the booking's three invitations for one recipient: booked,
// moved, cancelled.
func inviteLife(id uuid.UUID, booked, moved time.Time, addr, cn string) []wantInvite {
	w := wantInvite{method: "REQUEST", status: "CONFIRMED", uid: id.String() + "@taiwa.example",
		start: booked, end: booked.Add(50 * time.Minute), attendee: addr, cn: cn, meetingURL: meetingURL}
	r := w
	r.sequence, r.start, r.end = 1, moved, moved.Add(50*time.Minute)
	c := r
	c.sequence, c.method, c.status = 2, "CANCEL", "CANCELLED"
	return []wantInvite{w, r, c}
}

func TestInvitationsQuoteHostileNamesSoEveryParserReadsOneAttendee(t *testing.T) {
	t.Parallel()
	id := uuid.MustParse("6f1c1b8e-6a52-4d5c-9a0f-0c7f3e2a9b11")
	booked := time.Date(2026, 3, 29, 1, 0, 0, 0, time.UTC)
	moved := booked.Add(26 * time.Hour)
	for _, tc := range hostileNames {
		t.Run(tc.name, func(t *testing.T) {
			for i, w := range inviteLife(id, booked, moved, empEmail, tc.cn) {
				data := buildICS(icsEvent{BookingID: id, Start: w.start, End: w.end, Sequence: w.sequence,
					MeetingURL: meetingURL, Cancel: w.method == "CANCEL", Attendee: empEmail, Name: tc.raw, Stamp: booked})
				t.Run([]string{"booked", "rescheduled", "cancelled"}[i], func(t *testing.T) { checkInvite(t, data, w) })
			}
		})
	}
}

func TestICSAttachmentNamesItsMethodAndEndsLinesWithCRLF(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 3, 29, 10, 0, 0, 0, time.FixedZone("JST", 9*60*60))
	req := icsEvent{BookingID: uuid.New(), Start: start, End: start.Add(50 * time.Minute), Sequence: 1,
		MeetingURL: meetingURL, Attendee: empEmail, Name: "佐藤 花子", Stamp: start.Add(-48 * time.Hour)}
	cancel := req
	cancel.Sequence, cancel.Cancel = 2, true
	for _, tc := range []struct {
		e           icsEvent
		contentType string
	}{
		{req, "text/calendar; method=REQUEST; charset=UTF-8"},
		{cancel, "text/calendar; method=CANCEL; charset=UTF-8"},
	} {
		a := icsAttachment(tc.e)
		if a.Name != "invite.ics" || a.ContentType != tc.contentType {
			t.Errorf("attachment %q %q, want invite.ics %q", a.Name, a.ContentType, tc.contentType)
		}
		if bytes.Contains(bytes.ReplaceAll(a.Data, []byte("\r\n"), nil), []byte("\n")) {
			t.Errorf("a line ends without CR:\n%q", a.Data)
		}
		for _, want := range []string{"DTSTART:20260329T010000Z", "DTEND:20260329T015000Z", "DTSTAMP:20260327T010000Z"} {
			if !bytes.Contains(a.Data, []byte("\r\n"+want+"\r\n")) {
				t.Errorf("no %s line (times in UTC):\n%s", want, a.Data)
			}
		}
	}
}

func TestBuildICSWithoutAWebLinkHasNoURL(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 5, 1, 1, 0, 0, 0, time.UTC)
	for _, link := range []string{"", "Room 3, 2F; Tokyo"} {
		data := buildICS(icsEvent{BookingID: uuid.New(), Start: start, End: start.Add(time.Hour), MeetingURL: link,
			Attendee: "a@example.com", Name: "A", Stamp: start})
		cal, err := decodeEmersion(data)
		if err != nil {
			t.Fatal(err)
		}
		ev := cal.Children[0]
		if ev.Props.Get("URL") != nil || ev.Props.Get("DESCRIPTION") != nil {
			t.Errorf("%q: a link that is not on the web must leave URL and DESCRIPTION out:\n%s", link, data)
		}
		loc, _ := ev.Props.Text("LOCATION")
		if loc != link {
			t.Errorf("LOCATION %q, want %q", loc, link)
		}
	}
}

func TestTextValuesEscapeAndKeepLineBreaksAsText(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{`a\b;c,d`, `a\\b\;c\,d`},
		{"one\r\ntwo\rthree\nfour", `one\ntwo\nthree\nfour`},
		{"nul\x00 tab\t del\x7f", "nul tab del"},
		{"東京:会議室", "東京:会議室"},
		{"bad \xff byte", "bad \uFFFD byte"},
	} {
		if got := icsText(tc.in); got != tc.want {
			t.Errorf("icsText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestLinesFoldAt75OctetsWithoutSplittingACharacter(t *testing.T) {
	t.Parallel()
	for _, s := range []string{
		"SUMMARY:" + strings.Repeat("a", 200),
		"SUMMARY:" + strings.Repeat("漢", 100),  // 3 octets
		"SUMMARY:" + strings.Repeat("🌸", 100),  // 4 octets
		"SUMMARY:" + strings.Repeat("é漢🌸", 40), // mixed
		"SUMMARY:" + strings.Repeat("x", 67),   // exactly 75
	} {
		var w icsWriter
		w.line(s)
		out := w.String()
		lines := strings.Split(strings.TrimSuffix(out, "\r\n"), "\r\n")
		var joined strings.Builder
		for i, l := range lines {
			if len(l) > icsLineOctets || !utf8.ValidString(l) {
				t.Errorf("%d octets: line %d is %d octets or splits a character: %q", len(s), i, len(l), l)
			}
			if i > 0 {
				if !strings.HasPrefix(l, " ") {
					t.Errorf("continuation line %d does not start with a space", i)
				}
				l = l[1:]
			}
			joined.WriteString(l)
		}
		if joined.String() != s {
			t.Errorf("unfolded %q, want %q", joined.String(), s)
		}
		if want := len(s) <= icsLineOctets; (len(lines) == 1) != want {
			t.Errorf("%d octets folded into %d lines", len(s), len(lines))
		}
	}
}

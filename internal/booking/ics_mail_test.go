package booking

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestHostileNamesInBookingMailsReachCalendarsAsOneQuotedAttendee runs
// every hostile name (but NUL, which PostgreSQL text cannot hold) through
// the real path of a booking's mails: the names stored on both parties'
// accounts, the booking, reschedule and cancellation notices, the outbox
// worker, the SMTP sink. Each caught invite.ics is read back with both
// parsers and must name its recipient alone, at the real address, with the
// cleaned name and nothing injected.
func TestHostileNamesInBookingMailsReachCalendarsAsOneQuotedAttendee(t *testing.T) {
	t.Parallel()
	n := newNotifyEnv(t)
	tried := 0
	for i, tc := range hostileNames {
		if strings.ContainsRune(tc.raw, 0) {
			continue
		}
		tried++
		t.Run(tc.name, func(t *testing.T) {
			emp, co := fmt.Sprintf("emp-%d@sample-shoji.example", i), fmt.Sprintf("co-%d@taiwa.example", i)
			n.exec(`UPDATE users SET email = $2, name = $3 WHERE id = $1`, n.employee, emp, tc.raw)
			n.exec(`UPDATE users SET email = $2, name = $3 WHERE id = $1`, n.coUser, co, tc.raw)
			n.exec(`UPDATE counselors SET display_name = '' WHERE id = $1`, n.counselor)
			booked := upcoming(3).Add(time.Duration(i) * 3 * time.Hour)
			moved := booked.Add(time.Hour)
			b := n.book(booked)
			b = n.reschedule(b, moved)
			n.cancel(b, StatusCancelled)
			n.drain()
			for _, addr := range []string{emp, co} {
				got := n.mails(addr)
				if len(got) != 3 {
					t.Fatalf("%d mails to %s, want confirmation, reschedule and cancellation", len(got), addr)
				}
				for j, w := range inviteLife(b.ID, booked, moved, addr, tc.cn) {
					var data []byte
					for _, a := range got[j].Attachments {
						if a.Name == icsFileName {
							data = a.Data
						}
					}
					if data == nil {
						t.Fatalf("%s mail %d (%q) has no %s", addr, j, got[j].Subject, icsFileName)
					}
					checkInvite(t, data, w)
				}
			}
		})
	}
	if tried != len(hostileNames)-1 {
		t.Fatalf("%d of %d names went through the mails, want all but the NUL", tried, len(hostileNames))
	}
}

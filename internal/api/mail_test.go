package api_test

import (
	"context"
	"regexp"
	"testing"

	"github.com/taiwa/taiwa/internal/apptest"
	"github.com/taiwa/taiwa/internal/platform/mail"
)

var linkRE = regexp.MustCompile(`https?://\S+/password/set\?token=[A-Za-z0-9_-]+`)

// invitationLink reads the newest mail to addr from the real SMTP sink and
// returns the password link in it.
func invitationLink(t *testing.T, h *apptest.Harness, addr string) string {
	t.Helper()
	list, err := mail.ListDevMail(context.Background(), h.Env.DB, addr, 10)
	if err != nil || len(list) == 0 {
		t.Fatalf("no mail to %s (%v)", addr, err)
	}
	m, err := mail.GetDevMail(context.Background(), h.Env.DB, list[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	link := linkRE.FindString(m.Text)
	if link == "" {
		t.Fatalf("no link in mail %q: %s", m.Subject, m.Text)
	}
	return link
}

package web

import (
	"net/http"
	"regexp"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/mail"
)

// mailListLimit is how many caught messages the dev mail viewer lists.
const mailListLimit = 200

// mailListPage lists caught messages, newest first.
type mailListPage struct {
	Format
	Messages []mail.DevMail
}

// mailShowPage is one caught message with its body cut into text and links.
type mailShowPage struct {
	Format
	Mail mail.DevMail
	Body []textPart
}

// textPart is a run of plain text or one link in a mail body.
type textPart struct {
	Text string
	Link bool
}

var linkPattern = regexp.MustCompile(`https?://[^\s<>"'）」]+`)

// linkify splits text into plain runs and http(s) links, so the template
// can make links clickable while escaping everything.
func linkify(text string) []textPart {
	var out []textPart
	last := 0
	for _, m := range linkPattern.FindAllStringIndex(text, -1) {
		if m[0] > last {
			out = append(out, textPart{Text: text[last:m[0]]})
		}
		out = append(out, textPart{Text: text[m[0]:m[1]], Link: true})
		last = m[1]
	}
	if last < len(text) {
		out = append(out, textPart{Text: text[last:]})
	}
	return out
}

func (s *Server) mailList(c echo.Context) error {
	list, err := mail.ListDevMail(c.Request().Context(), s.DB, "", mailListLimit)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, pageMailList, mailListPage{Messages: list})
}

func (s *Server) mailShow(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id < 1 {
		return apperr.NotFound("mail")
	}
	m, err := mail.GetDevMail(c.Request().Context(), s.DB, id)
	if db.IsNoRows(err) {
		return apperr.NotFound("mail")
	}
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, pageMailShow, mailShowPage{Mail: m, Body: linkify(m.Text)})
}

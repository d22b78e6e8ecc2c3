package counselor

import (
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"
)

// ValidateLinks checks the external meeting links: each keyed by a
// format, an https:// address of a host, at most MaxMeetingLink bytes,
// with no user name or password in it. It returns "meeting_links.<format>"
// → problem (empty when every link is acceptable).
func (in *ProfileInput) ValidateLinks() map[string]string {
	f := map[string]string{}
	for format, link := range in.MeetingLinks {
		field := "meeting_links." + format
		if !slices.Contains(Formats, format) {
			f[field] = "is not a format: one of " + strings.Join(Formats, ", ")
			continue
		}
		if p := MeetingLinkProblem(link); p != "" {
			f[field] = p
		}
	}
	return f
}

// MeetingLinkProblem is what is wrong with an external meeting link, or "".
func MeetingLinkProblem(link string) string {
	if len(link) > MaxMeetingLink {
		return "must be at most 500 characters"
	}
	if !utf8.ValidString(link) || strings.ContainsFunc(link, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return "must be one address without spaces"
	}
	u, err := url.Parse(link)
	switch {
	case err != nil || u.Scheme != "https" || u.Host == "" || u.Opaque != "":
		return "must be an https:// address"
	case u.User != nil:
		return "must not hold a user name or password"
	case u.Hostname() == "" || strings.HasPrefix(u.Host, ":"):
		return "must be an https:// address"
	}
	return ""
}

// linksJSON is the meeting_links column to store: the input's links when
// it gives any (an empty object removes them), the stored ones otherwise.
func (in *ProfileInput) linksJSON(stored []byte) ([]byte, error) {
	if in.MeetingLinks == nil {
		if len(stored) == 0 {
			return []byte("{}"), nil
		}
		return stored, nil
	}
	return json.Marshal(in.MeetingLinks)
}

// decodeLinks reads a meeting_links column; never nil.
func decodeLinks(raw []byte) map[string]string {
	m := map[string]string{}
	if len(raw) > 0 {
		_ = json.Unmarshal(raw, &m) // the column is always an object of strings (written by linksJSON)
	}
	return m
}

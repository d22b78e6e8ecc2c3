package web

import (
	"net/http"
	"strings"
	"testing"
)

// TestSafeNextKeepsOnlyPathsOnThisSite runs the known open-redirect
// bypasses through the one check every next goes through. Inputs are the
// values a handler reads, after the HTTP layer undid the query's or
// form's own encoding: "/login?next=/%09/evil.example" arrives as
// "/\t/evil.example", and "/login?next=/%2509/evil.example" as
// "/%09/evil.example".
func TestSafeNextKeepsOnlyPathsOnThisSite(t *testing.T) {
	t.Parallel()
	const fallback = "/home"
	refused := []struct{ name, next string }{
		{"empty", ""},
		// Tab, CR and LF: browsers drop them, "/\t/evil" becomes "//evil".
		{"tab after the slash (/%09/evil.example)", "/\t/evil.example"},
		{"tab, literal", "/\t/evil"},
		{"CR", "/\r/evil.example"},
		{"LF", "/\n/evil.example"},
		{"CRLF header injection", "/x\r\nSet-Cookie: a=b"},
		{"tab still encoded (/%2509/)", "/%09/evil.example"},
		{"CR LF still encoded", "/%0d%0a/evil.example"},
		{"NUL", "/\x00/evil.example"},
		// Backslashes: browsers read them as slashes.
		{"slash backslash", "/\\evil.example"},
		{"two backslashes", "\\\\evil"},
		{"one backslash", "\\evil.example"},
		{"backslash later in the path", "/a\\..\\\\evil.example"},
		{"backslash encoded (%5C)", "/%5Cevil.example"},
		{"two backslashes encoded", "%5C%5Cevil.example"},
		{"slash and encoded backslash", "/%5C/evil.example"},
		// Scheme-relative: another host.
		{"//host", "//evil"},
		{"//host/path", "//evil.example/login"},
		{"///host", "///evil"},
		{"////host", "////evil.example"},
		{"slash backslash slash", "/\\/evil.example"},
		// Encoded slashes, for whoever decodes them.
		{"%2F%2F", "%2F%2Fevil"},
		{"/%2F", "/%2F/evil"},
		{"/%2f lower case", "/%2fevil.example"},
		{"%2F then slash", "%2F/evil.example"},
		{"twice encoded /%252F", "/%252F/evil.example"},
		{"three times encoded", "/%25252F/evil.example"},
		{"four times encoded", "/%2525252F/evil.example"},
		{"bad escape", "/%zz"},
		// Schemes and absolute addresses.
		{"javascript:", "javascript:alert(1)"},
		{"JavaScript: mixed case", "JavaScript:alert(document.domain)"},
		{"javascript: after a space", " javascript:alert(1)"},
		{"javascript: after a tab", "\tjavascript:alert(1)"},
		{"data:", "data:text/html,<script>alert(1)</script>"},
		{"vbscript:", "vbscript:msgbox(1)"},
		{"https absolute", "https://evil.example/"},
		{"http absolute", "http://evil.example"},
		{"scheme with one slash", "https:/evil.example"},
		{"scheme without slashes", "https:evil.example"},
		{"scheme-relative with userinfo", "//taiwa.example@evil.example/"},
		{"userinfo without slashes", "user@evil.example"},
		{"backslash userinfo", "/\\taiwa.example@evil.example"},
		// Not a path at all.
		{"relative path", "bookings"},
		{"query only", "?x=1"},
		{"fragment only", "#top"},
		{"leading space", " /bookings"},
		{"space inside", "/bookings x"},
		{"raw non-ASCII (browsers send it encoded)", "/検索"},
		{"too long", "/" + strings.Repeat("a", maxNext)},
	}
	for _, tc := range refused {
		t.Run("refused/"+tc.name, func(t *testing.T) {
			if got := safeNext(tc.next, fallback); got != fallback {
				t.Fatalf("safeNext(%q) = %q, want the fallback", tc.next, got)
			}
		})
	}
	kept := []struct{ name, next string }{
		{"path with query", "/bookings?x=1"},
		{"root", "/"},
		{"deeper path with query", "/company/employees?q=abc&page=2"},
		{"encoded Japanese query", "/counselors?q=%E3%82%AD%E3%83%A3%E3%83%AA%E3%82%A2"},
		{"encoded space in the query", "/counselors?q=a%20b"},
		{"encoded slash inside the path", "/files/a%2Fb"},
		{"backslash only in the decoded query", "/search?q=%5C"},
		{"@ in the path stays on this site", "/@evil.example"},
		{"fragment", "/bookings#upcoming"},
		{"longest allowed", "/" + strings.Repeat("a", maxNext-1)},
	}
	for _, tc := range kept {
		t.Run("kept/"+tc.name, func(t *testing.T) {
			if got := safeNext(tc.next, fallback); got != tc.next {
				t.Fatalf("safeNext(%q) = %q, want it kept as is", tc.next, got)
			}
		})
	}
}

// TestSafeNextSendsAFragmentToItsPage: a fragment's address (a piece of a
// page that htmx loads) is never a place to go back to; its page is.
func TestSafeNextSendsAFragmentToItsPage(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ next, want string }{
		{"/programmes/card", "/employee"},
		{"/programmes/card?x=1", "/employee"},
		{"/programmes", "/programmes"},
		{"/counselors?page=2", "/counselors?page=2"},
	} {
		if got := safeNext(c.next, "/home"); got != c.want {
			t.Errorf("safeNext(%q) = %q, want %q", c.next, got, c.want)
		}
	}
}

// TestCurrentPageTrustsOnlyThisSite: the page an htmx request came from is
// a way back only when it is on this host.
func TestCurrentPageTrustsOnlyThisSite(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ name, header, want string }{
		{"this site", "http://taiwa.test/counselors?page=3", "/counselors?page=3"},
		{"a fragment's page", "http://taiwa.test/programmes/card", "/employee"},
		{"another host", "http://evil.example/counselors", ""},
		{"no header", "", ""},
		{"not a URL", "http://taiwa.test/%zz", ""},
		{"scheme-relative path", "http://taiwa.test//evil.example", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			r, _ := http.NewRequest(http.MethodGet, "http://taiwa.test/programmes/card", nil)
			if c.header != "" {
				r.Header.Set("HX-Current-URL", c.header)
			}
			if got := currentPage(r); got != c.want {
				t.Errorf("currentPage(%q) = %q, want %q", c.header, got, c.want)
			}
		})
	}
}

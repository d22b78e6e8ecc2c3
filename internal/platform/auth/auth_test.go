package auth_test

import (
	"testing"

	"github.com/taiwa/taiwa/internal/platform/auth"
)

// TestBearerTokenReadsOnlyTheBearerScheme: the scheme in any case, the
// token trimmed, and nothing for other schemes or an empty token.
func TestBearerTokenReadsOnlyTheBearerScheme(t *testing.T) {
	cases := []struct {
		header string
		want   string
	}{
		{"Bearer abc123", "abc123"},
		{"bearer abc123", "abc123"},
		{"BEARER  abc123 ", "abc123"},
		{"Bearer ", ""},
		{"Basic dXNlcjpwYXNz", ""},
		{"Bearerabc", ""},
		{"", ""},
	}
	for _, tc := range cases {
		if got := auth.BearerToken(tc.header); got != tc.want {
			t.Errorf("BearerToken(%q) = %q, want %q", tc.header, got, tc.want)
		}
	}
}

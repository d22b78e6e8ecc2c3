package app

import "testing"

// TestCompressForLeavesLoopbackAloneOnAuto: TAIWA_HTTP_GZIP's rule for
// each setting and kind of peer.
func TestCompressForLeavesLoopbackAloneOnAuto(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		setting, peer string
		want          bool
	}{
		{"auto", "127.0.0.1:51234", false},
		{"auto", "127.8.9.10:443", false},
		{"auto", "[::1]:51234", false},
		{"auto", "[::ffff:127.0.0.1]:51234", false},
		{"auto", "192.0.2.7:51234", true},
		{"auto", "[2001:db8::1]:443", true},
		{"auto", "10.0.0.3:8080", true},
		{"auto", "", true}, // unknown peer: compress
		{"auto", "not an address", true},
		{"auto", "127.0.0.1", false}, // no port
		{"", "127.0.0.1:1", false},   // unset is auto
		{"on", "127.0.0.1:51234", true},
		{"on", "192.0.2.7:1", true},
		{"off", "192.0.2.7:51234", false},
		{"off", "127.0.0.1:1", false},
	} {
		if got := compressFor(c.setting, c.peer); got != c.want {
			t.Errorf("compressFor(%q, %q) = %v, want %v", c.setting, c.peer, got, c.want)
		}
	}
}

// Package seal encrypts private notes in the application with AES-256-GCM
// before they reach the database, so a dump alone reveals nothing.
//
// A sealed value is self-describing: "tw1." + key id + "." + a 12-byte
// nonce + the ciphertext and tag. The key id names the key it was sealed
// with, so keys can rotate: new values use the current key, old ones open
// with the key they name until `taiwa keys rotate` re-seals them. The
// caller binds the row's identity as associated data (AAD), so a sealed
// value copied onto another row fails to open.
package seal

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

const version = "tw1."

// ErrOpen is returned for a value that does not open: tampered, sealed for
// another row, or sealed with a key this keyring lacks.
var ErrOpen = errors.New("seal: value does not open")

var keyIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,32}$`)

// Keyring holds the data keys by id; the first configured key seals.
type Keyring struct {
	current string
	aeads   map[string]cipher.AEAD
	order   []string
}

// ParseKeys reads "id:base64key,id2:base64key2" (standard or URL base64 of
// 32 random bytes each). The first key is current: it seals new values;
// the others only open old ones until they are rotated.
func ParseKeys(spec string) (*Keyring, error) {
	k := &Keyring{aeads: map[string]cipher.AEAD{}}
	for _, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		id, enc, ok := strings.Cut(part, ":")
		if !ok || !keyIDPattern.MatchString(id) {
			return nil, fmt.Errorf("seal: each key is id:base64 with an id of letters, digits, _ or - (got %q)", redact(part))
		}
		if _, dup := k.aeads[id]; dup {
			return nil, fmt.Errorf("seal: key id %q appears twice", id)
		}
		raw, err := decodeKey(enc)
		if err != nil || len(raw) != 32 {
			return nil, fmt.Errorf("seal: key %q must be 32 bytes in base64 (e.g. `openssl rand -base64 32`)", id)
		}
		block, err := aes.NewCipher(raw)
		if err != nil {
			return nil, fmt.Errorf("seal: key %q: %w", id, err)
		}
		gcm, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("seal: key %q: %w", id, err)
		}
		k.aeads[id] = gcm
		k.order = append(k.order, id)
	}
	if len(k.order) == 0 {
		return nil, errors.New("seal: no key configured")
	}
	k.current = k.order[0]
	return k, nil
}

func decodeKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return b, nil
		}
	}
	return nil, errors.New("not base64")
}

// redact keeps a key's id in error messages but never its material.
func redact(part string) string {
	id, _, _ := strings.Cut(part, ":")
	return id + ":…"
}

// NewKey returns a fresh random key in the form ParseKeys reads.
func NewKey(id string) (string, error) {
	if !keyIDPattern.MatchString(id) {
		return "", fmt.Errorf("seal: bad key id %q", id)
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	return id + ":" + base64.StdEncoding.EncodeToString(raw), nil
}

// Current is the id of the key that seals new values.
func (k *Keyring) Current() string { return k.current }

// IDs lists every configured key id, the current one first.
func (k *Keyring) IDs() []string { return append([]string(nil), k.order...) }

// Prefix is the leading bytes of every value sealed with key id: the
// rotation finds values sealed with other keys by it.
func Prefix(id string) []byte { return []byte(version + id + ".") }

// Seal encrypts plain with the current key, bound to aad.
func (k *Keyring) Seal(plain, aad []byte) ([]byte, error) {
	gcm := k.aeads[k.current]
	nonce := make([]byte, gcm.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	out := append(Prefix(k.current), nonce...)
	return gcm.Seal(out, nonce, plain, aad), nil
}

// Open decrypts a sealed value bound to aad.
func (k *Keyring) Open(sealed, aad []byte) ([]byte, error) {
	id, body, err := split(sealed)
	if err != nil {
		return nil, err
	}
	gcm, ok := k.aeads[id]
	if !ok {
		return nil, fmt.Errorf("%w: key %q is not configured", ErrOpen, id)
	}
	if len(body) < gcm.NonceSize()+gcm.Overhead() {
		return nil, ErrOpen
	}
	plain, err := gcm.Open(nil, body[:gcm.NonceSize()], body[gcm.NonceSize():], aad)
	if err != nil {
		return nil, ErrOpen
	}
	return plain, nil
}

// KeyID names the key a sealed value was sealed with.
func KeyID(sealed []byte) (string, error) {
	id, _, err := split(sealed)
	return id, err
}

// Reseal opens a value sealed with any configured key and seals it again
// with the current key (for rotation). Values already under the current
// key come back unchanged with changed = false.
func (k *Keyring) Reseal(sealed, aad []byte) (out []byte, changed bool, err error) {
	id, err := KeyID(sealed)
	if err != nil {
		return nil, false, err
	}
	if id == k.current {
		return sealed, false, nil
	}
	plain, err := k.Open(sealed, aad)
	if err != nil {
		return nil, false, err
	}
	out, err = k.Seal(plain, aad)
	return out, err == nil, err
}

func split(sealed []byte) (id string, body []byte, err error) {
	rest, ok := bytes.CutPrefix(sealed, []byte(version))
	if !ok {
		return "", nil, fmt.Errorf("%w: not a sealed value", ErrOpen)
	}
	idb, body, ok := bytes.Cut(rest, []byte("."))
	if !ok || !keyIDPattern.Match(idb) {
		return "", nil, fmt.Errorf("%w: not a sealed value", ErrOpen)
	}
	return string(idb), body, nil
}

// AAD joins the parts that identify a row (table, column, key values) into
// associated data. Parts are length-prefixed, so ("ab","c") ≠ ("a","bc").
func AAD(parts ...string) []byte {
	var b []byte
	for _, p := range parts {
		b = fmt.Appendf(b, "%d:%s;", len(p), p)
	}
	return b
}

package invoicedoc

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"golang.org/x/image/font/sfnt"
)

// tagPlaceholder stands for the font subset's tag while the document is
// drawn: gopdf writes the font's name when the font is added, but the tag
// derives from the glyphs, known only at the end. tagSubset then writes the
// tag over these six bytes. Underscores are no tag, so one left behind fails
// the tests rather than passing for a tag.
const tagPlaceholder = "______"

// postScriptName is the font's PostScript name (name ID 6), reduced to the
// characters a PDF name may carry unescaped; "Font" when it has none.
func postScriptName(font []byte) (string, error) {
	f, err := sfnt.Parse(font)
	if err != nil {
		return "", err
	}
	name, err := f.Name(nil, sfnt.NameIDPostScript)
	if err != nil && !errors.Is(err, sfnt.ErrNotFound) {
		return "", err
	}
	name = strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' {
			return r
		}
		return -1
	}, name)
	if name == "" {
		name = "Font"
	}
	return name, nil
}

// subsetTag is the six capital letters that PDF 32000-1 §9.6.4 puts before a
// subset font's name ("ABCDEF+IPAGothic"): derived from the font and the
// characters the subset carries, so the same glyphs give the same tag and
// other glyphs (almost surely) another.
func subsetTag(font string, glyphs map[rune]bool) string {
	runes := make([]rune, 0, len(glyphs))
	for r := range glyphs {
		runes = append(runes, r)
	}
	slices.Sort(runes)
	h := sha256.New()
	h.Write([]byte(font))
	h.Write([]byte{0})
	for _, r := range runes {
		h.Write(utf8.AppendRune(nil, r))
	}
	sum := h.Sum(nil)
	tag := make([]byte, len(tagPlaceholder))
	for i := range tag {
		tag[i] = 'A' + sum[i]%26
	}
	return string(tag)
}

// tagSubset writes tag over the placeholder in the names of font in the
// finished PDF (the Type 0 font's and the CID font's /BaseFont and the
// descriptor's /FontName). Tag and placeholder have the same length, so
// every byte offset in the cross-reference table stays right.
func tagSubset(pdf []byte, font, tag string) ([]byte, error) {
	if len(tag) != len(tagPlaceholder) {
		return nil, fmt.Errorf("invoicedoc: subset tag %q is not %d letters", tag, len(tagPlaceholder))
	}
	placeholder := []byte("/" + tagPlaceholder + "+" + font)
	if !bytes.Contains(pdf, placeholder) {
		return nil, fmt.Errorf("invoicedoc: the font name %s is not in the PDF; cannot tag its subset", placeholder)
	}
	return bytes.ReplaceAll(pdf, placeholder, []byte("/"+tag+"+"+font)), nil
}

package company

import (
	"regexp"
	"strings"

	"golang.org/x/text/unicode/norm"
)

// A roster often comes from a spreadsheet in Japanese: the import takes a
// band as its code ("40s", "0-2y") or as the label the UI shows ("40代",
// "0〜2年", "11年以上", "0–2 years"), with full-width digits and any dash.
var (
	ageLabel    = regexp.MustCompile(`^([2-7]0)(s|代|'s)$`)
	tenureRange = regexp.MustCompile(`^(\d+)-(\d+)(y|年|years?)?$`)
	tenureOver  = regexp.MustCompile(`^11(y\+|\+|年以上|yearsormore|years\+|年~|年-)$`)
	dashes      = strings.NewReplacer("〜", "-", "~", "-", "–", "-", "—", "-", "−", "-", "ー", "-")
)

// bandText folds a cell for matching: NFKC (full-width to ASCII), no
// spaces, lower case, one kind of dash.
func bandText(v string) string {
	v = norm.NFKC.String(v)
	return dashes.Replace(strings.ToLower(strings.Join(strings.Fields(v), "")))
}

// AgeBandOf reads an age band as its code or its label ("" and false when
// it is neither).
func AgeBandOf(v string) (string, bool) {
	if oneOf(v, AgeBands) {
		return v, true
	}
	if m := ageLabel.FindStringSubmatch(bandText(v)); m != nil {
		return m[1] + "s", true
	}
	return "", false
}

// TenureBandOf reads a tenure band as its code or its label.
func TenureBandOf(v string) (string, bool) {
	if oneOf(v, TenureBands) {
		return v, true
	}
	t := bandText(v)
	if tenureOver.MatchString(t) {
		return "11y+", true
	}
	if m := tenureRange.FindStringSubmatch(t); m != nil {
		if b := m[1] + "-" + m[2] + "y"; oneOf(b, TenureBands) {
			return b, true
		}
	}
	return "", false
}

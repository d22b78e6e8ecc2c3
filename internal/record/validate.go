package record

import (
	"slices"
	"strconv"
	"strings"

	"github.com/taiwa/taiwa/internal/counselor"
	"github.com/taiwa/taiwa/internal/platform/apperr"
)

// Field names of Input as the API and its 400 answers name them.
const (
	FieldThemes        = "themes"
	FieldRiskLevel     = "risk_level"
	FieldObservations  = "observations"
	FieldSharedSummary = "shared_summary"
	FieldPrivateNotes  = "private_notes"
)

// Limits on the free text of a record, in characters (runes).
const (
	MaxSummary = 4000
	MaxNotes   = 20000
)

// validate checks in against the codes and limits, naming every bad field
// at once; it normalises nil slices to empty ones.
func validate(in *Input) error {
	fields := map[string]string{}
	if in.Themes == nil {
		in.Themes = []string{}
	}
	if in.Observations == nil {
		in.Observations = []string{}
	}
	if p := codeList(in.Themes, counselor.Themes, true); p != "" {
		fields[FieldThemes] = p
	}
	if !slices.Contains(RiskLevels, in.RiskLevel) {
		fields[FieldRiskLevel] = "must be one of " + strings.Join(RiskLevels, ", ")
	}
	if p := codeList(in.Observations, Observations, false); p != "" {
		fields[FieldObservations] = p
	}
	if p := text(in.SharedSummary, MaxSummary); p != "" {
		fields[FieldSharedSummary] = p
	}
	if p := text(in.PrivateNotes, MaxNotes); p != "" {
		fields[FieldPrivateNotes] = p
	}
	if len(fields) > 0 {
		return apperr.Invalid("the record has invalid fields", fields)
	}
	return nil
}

// codeList checks a list of codes: known, no duplicates, non-empty when
// required.
func codeList(values, known []string, required bool) string {
	if required && len(values) == 0 {
		return "choose at least one"
	}
	for i, v := range values {
		if !slices.Contains(known, v) {
			return "unknown code " + quote(v) + "; use " + strings.Join(known, ", ")
		}
		if slices.Contains(values[:i], v) {
			return quote(v) + " is listed twice"
		}
	}
	return ""
}

func text(s *string, limit int) string {
	if s == nil {
		return ""
	}
	if counselor.HasControl(*s, true) {
		return "must be plain text (no control characters)"
	}
	if len([]rune(*s)) > limit {
		return "must be at most " + strconv.Itoa(limit) + " characters"
	}
	return ""
}

func quote(s string) string {
	if r := []rune(s); len(r) > 40 {
		s = string(r[:40]) + "…"
	}
	return strconv.Quote(s)
}

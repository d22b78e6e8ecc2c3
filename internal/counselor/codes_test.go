package counselor_test

import (
	"testing"

	"github.com/taiwa/taiwa/internal/counselor"
)

func TestThemeAllowedFollowsAPICredentialTable(t *testing.T) {
	t.Parallel()
	clinical := []string{"certified_public_psychologist", "clinical_psychologist", "occupational_physician", "public_health_nurse"}
	cases := []struct {
		theme string
		kinds []string
		want  bool
	}{
		{"career", []string{"career_consultant"}, true},
		{"career", []string{"icf_coach"}, false},
		{"career", []string{"certified_public_psychologist", "labor_attorney"}, false},
		{"mental_health", []string{"career_consultant", "icf_coach", "labor_attorney"}, false},
		{"high_stress_followup", []string{"career_consultant"}, false},
		{"return_to_work", []string{"labor_attorney"}, false},
		{"harassment", []string{"labor_attorney"}, true},
		{"harassment", []string{"certified_public_psychologist"}, true},
		{"harassment", []string{"clinical_psychologist"}, true},
		{"harassment", []string{"occupational_physician"}, false},
		{"harassment", []string{"public_health_nurse", "career_consultant", "icf_coach"}, false},
		{"relationships", []string{"icf_coach"}, true},
		{"exit_interview", []string{"labor_attorney"}, true},
		{"onboarding", nil, false},
		{"engagement", []string{"astrologer"}, false},
		{"mental_health", []string{"astrologer"}, false},
		{"fortune_telling", []string{"career_consultant"}, false},
	}
	for _, k := range clinical {
		for _, th := range []string{"mental_health", "high_stress_followup", "return_to_work"} {
			cases = append(cases, struct {
				theme string
				kinds []string
				want  bool
			}{th, []string{k}, true})
		}
	}
	for _, c := range cases {
		if got := counselor.ThemeAllowed(c.theme, c.kinds); got != c.want {
			t.Errorf("ThemeAllowed(%q, %v) = %v, want %v", c.theme, c.kinds, got, c.want)
		}
	}
}

func TestEveryCredentialAllowsTheGeneralThemes(t *testing.T) {
	t.Parallel()
	for _, k := range counselor.CredentialKinds {
		for _, th := range []string{"relationships", "work_life", "engagement", "onboarding", "exit_interview"} {
			if !counselor.ThemeAllowed(th, []string{k}) {
				t.Errorf("%s should allow %s", k, th)
			}
		}
	}
}

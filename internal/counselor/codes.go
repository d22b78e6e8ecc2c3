package counselor

import "slices"

// Themes is the fixed taxonomy of API.md, in its order.
var Themes = []string{
	"career", "mental_health", "relationships", "harassment", "work_life",
	"engagement", "onboarding", "exit_interview", "return_to_work", "high_stress_followup",
}

// CredentialKinds are the credential codes of API.md.
var CredentialKinds = []string{
	"career_consultant", "certified_public_psychologist", "clinical_psychologist",
	"occupational_physician", "public_health_nurse", "labor_attorney", "icf_coach",
}

// ThemeNeeds returns the credential kinds of which one allows theme, or nil
// when any verified credential does.
func ThemeNeeds(theme string) []string { return slices.Clone(themeNeeds[theme]) }

// themeNeeds lists, per theme, the credentials of which one is required; a
// theme not listed needs any verified credential.
var themeNeeds = map[string][]string{
	"mental_health":        {"certified_public_psychologist", "clinical_psychologist", "occupational_physician", "public_health_nurse"},
	"high_stress_followup": {"certified_public_psychologist", "clinical_psychologist", "occupational_physician", "public_health_nurse"},
	"return_to_work":       {"certified_public_psychologist", "clinical_psychologist", "occupational_physician", "public_health_nurse"},
	"career":               {"career_consultant"},
	"harassment":           {"labor_attorney", "certified_public_psychologist", "clinical_psychologist"},
}

// ThemeAllowed reports whether a counsellor holding the verified credentials
// credentialKinds may offer theme, per API.md's table: clinical themes need a
// clinical or medical credential, career a career consultant, harassment a
// labour attorney or psychologist, and every other theme any credential.
// Unknown themes and unknown credential kinds are never allowed.
func ThemeAllowed(theme string, credentialKinds []string) bool {
	if !slices.Contains(Themes, theme) {
		return false
	}
	needs, special := themeNeeds[theme]
	for _, k := range credentialKinds {
		if !slices.Contains(CredentialKinds, k) {
			continue
		}
		if !special || slices.Contains(needs, k) {
			return true
		}
	}
	return false
}

// AllowedThemes returns every theme credentialKinds allow, in taxonomy order.
func AllowedThemes(credentialKinds []string) []string {
	var out []string
	for _, t := range Themes {
		if ThemeAllowed(t, credentialKinds) {
			out = append(out, t)
		}
	}
	return out
}

// The other closed vocabularies of a profile. Languages are ISO 639-1.
var (
	Formats      = []string{"video", "phone", "in_person"}
	Genders      = []string{"female", "male", "other", "undisclosed"}
	AgeBands     = []string{"20s", "30s", "40s", "50s", "60s", "70s"}
	Languages    = []string{"ja", "en", "zh", "ko", "es", "fr", "de", "pt", "vi", "tl"}
	Industries   = []string{"it", "manufacturing", "finance", "retail", "logistics", "healthcare", "public", "consulting"}
	JobFunctions = []string{"engineering", "sales", "marketing", "hr", "finance", "operations", "management"}
)

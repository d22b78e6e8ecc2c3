package demo

import (
	"fmt"
	"github.com/taiwa/taiwa/internal/counselor"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
)

// counselorSpec is one generated counsellor with their credentials.
type counselorSpec struct {
	email, name, kana, bio, gender, ageBand, timezone string
	status                                            string // verified or pending
	yearsExperience                                   int
	rateJPY                                           int64
	languages, formats, themes, industries, functions []string
	credentials                                       []credentialSpec
}

// credentialSpec is one generated credential.
type credentialSpec struct {
	kind, number, status string
	issuedOn, expiresOn  time.Time // expiresOn zero: does not expire
}

var (
	// How common each credential is among counsellors, in counselor.CredentialKinds order.
	kindWeights = []int{30, 20, 12, 8, 10, 8, 12}
	// A plausible second credential for each first one.
	secondKinds = map[string][]string{
		"career_consultant":             {"icf_coach", "labor_attorney", "certified_public_psychologist", "public_health_nurse"},
		"certified_public_psychologist": {"clinical_psychologist", "career_consultant"},
		"clinical_psychologist":         {"certified_public_psychologist"},
		"occupational_physician":        {"certified_public_psychologist"},
		"public_health_nurse":           {"career_consultant", "certified_public_psychologist"},
		"labor_attorney":                {"career_consultant"},
		"icf_coach":                     {"career_consultant"},
	}
	// Credentials that must be renewed, and how often.
	renewYears = map[string]int{"career_consultant": 5, "occupational_physician": 5, "icf_coach": 3}
)

// Bio fragments, by the counsellor's first credential.
var bioOpenings = map[string][]string{
	"career_consultant": {
		"国家資格キャリアコンサルタントとして、%d年にわたり会社員のキャリア相談に携わってきました。",
		"人材会社での勤務を経て、キャリアコンサルタントとして%d年活動しています。",
	},
	"certified_public_psychologist": {
		"公認心理師として、企業のメンタルヘルス支援に%d年携わってきました。",
		"医療機関と企業の相談室で、公認心理師として%d年の経験があります。",
	},
	"clinical_psychologist": {
		"臨床心理士として、%d年間カウンセリングを続けてきました。",
		"大学の学生相談室と企業のEAPで、臨床心理士として%d年勤めてきました。",
	},
	"occupational_physician": {
		"産業医として%d年、さまざまな規模の事業場で働く人の健康を支えてきました。",
		"内科医を経て産業医となり、%d年にわたり復職支援や面談を担当しています。",
	},
	"public_health_nurse": {
		"保健師として%d年、企業の健康管理室で社員の相談に応じてきました。",
		"自治体と企業で保健師として%d年、心と体の健康相談を担当してきました。",
	},
	"labor_attorney": {
		"社会保険労務士として%d年、職場の労務相談やハラスメント対応に関わってきました。",
		"人事部門での勤務を経て社会保険労務士となり、%d年の相談経験があります。",
	},
	"icf_coach": {
		"ICF認定コーチとして%d年、管理職や若手社員のコーチングを行ってきました。",
		"事業会社のマネージャーを経て、プロコーチとして%d年活動しています。",
	},
}

var bioFocus = map[string]string{
	"career":               "転職や異動を含め、キャリアの棚卸しや今後の方向性の整理を得意としています。",
	"mental_health":        "ストレスや気分の落ち込みについて、安心して話せる場づくりを大切にしています。",
	"relationships":        "上司や同僚との関係の悩みを、一緒に整理していきます。",
	"harassment":           "ハラスメントに関するご相談を、守秘を徹底してお受けします。",
	"work_life":            "育休・産休からの復帰や、育児や介護と仕事の両立について、現実的な選択肢を一緒に考えます。",
	"engagement":           "日々の仕事のやりがいや、1on1の悩みについてお話を伺います。",
	"onboarding":           "入社や異動の直後の不安を、早めに言葉にするお手伝いをします。",
	"exit_interview":       "退職を考えている方の気持ちを、評価と切り離して丁寧に伺います。",
	"return_to_work":       "休職からの復職に向けて、無理のない段階的な準備を支援します。",
	"high_stress_followup": "ストレスチェック後のフォローアップ面談を多く担当しています。",
}

// industrialCounsellorNote is the bio line of a career consultant who is
// also an 産業カウンセラー.
const industrialCounsellorNote = "産業カウンセラーとしても、働く人の悩みに寄り添ってきました。"

var bioStyles = []string{
	"まずはじっくりお話を伺うことから始めます。",
	"答えを押しつけず、ご自身の考えが整理できるよう問いかけを大切にしています。",
	"具体的な次の一歩が見えるよう、一緒に考えていきます。",
	"話すことで少しでも気持ちが軽くなる時間にしたいと考えています。",
	"オンラインでも対面と変わらない、落ち着いた対話を心がけています。",
}

// newCounselor generates counsellor i (from 1) with the given email. A
// verified counsellor's themes are always allowed by their credentials.
func newCounselor(r *rand.Rand, i int, email string, p person, today time.Time, verified bool) counselorSpec {
	c := counselorSpec{email: email, name: p.name, kana: p.kana, gender: p.gender, status: "verified"}
	if r.IntN(40) == 0 {
		c.gender = "undisclosed"
	}
	c.ageBand = []string{"30s", "40s", "50s", "60s"}[weighted(r, []int{20, 35, 30, 15})]
	minYears := map[string]int{"30s": 3, "40s": 5, "50s": 8, "60s": 12}[c.ageBand]
	c.yearsExperience = minYears + r.IntN(12)

	first := counselor.CredentialKinds[weighted(r, kindWeights)]
	if i >= 1 && i <= len(counselor.CredentialKinds) {
		first = counselor.CredentialKinds[i-1] // the first few cover every kind
	}
	kinds := []string{first}
	if r.IntN(10) < 4 {
		kinds = append(kinds, pick(r, secondKinds[first]))
	}
	for _, k := range kinds {
		c.credentials = append(c.credentials, newCredential(r, k, today))
	}

	c.themes = chooseThemes(r, kinds)
	c.languages = []string{"ja"}
	if r.IntN(4) == 0 {
		c.languages = append(c.languages, "en")
	}
	if r.IntN(30) == 0 {
		c.languages = append(c.languages, "zh")
	} else if r.IntN(40) == 0 {
		c.languages = append(c.languages, "ko")
	}
	c.timezone = "Asia/Tokyo"
	if n := r.IntN(25); n == 0 || n == 1 {
		c.timezone = []string{"Europe/London", "America/New_York"}[n]
		if !slices.Contains(c.languages, "en") {
			c.languages = append(c.languages, "en")
		}
	}
	c.formats = chooseFormats(r, c.timezone)
	c.industries = sample(r, counselor.Industries, 1, 3)
	c.functions = sample(r, counselor.JobFunctions, 1, 3)
	c.rateJPY = int64(6000 + 500*r.IntN(15))
	if first == "occupational_physician" {
		c.rateJPY += 5000
	}
	c.bio = newBio(r, first, c.yearsExperience, c.themes)
	if first == "career_consultant" && i%2 == 1 {
		// Many career consultants also hold the (private) 産業カウンセラー
		// qualification; it is not a verified credential here, so it
		// lives in the bio, where free text finds it. No random draw, so
		// the rest of the demo stays as it was.
		c.bio += industrialCounsellorNote
	}
	if !verified {
		c.status = "pending"
		c.themes = nil
		for j := range c.credentials {
			c.credentials[j].status = "pending"
		}
	}
	return c
}

// chooseThemes picks a believable subset of the themes kinds allow, always
// including the credential's own speciality.
func chooseThemes(r *rand.Rand, kinds []string) []string {
	allowed := counselor.AllowedThemes(kinds)
	want := map[string]bool{}
	switch kinds[0] {
	case "career_consultant":
		want["career"] = true
	case "labor_attorney":
		want["harassment"] = true
	case "icf_coach":
		want["engagement"] = true
	default:
		want["mental_health"] = true
	}
	for _, t := range sample(r, allowed, 2, min(6, len(allowed))) {
		want[t] = true
	}
	var out []string
	for _, t := range allowed {
		if want[t] {
			out = append(out, t)
		}
	}
	return out
}

func chooseFormats(r *rand.Rand, timezone string) []string {
	var f []string
	if r.IntN(10) < 9 {
		f = append(f, "video")
	}
	if r.IntN(2) == 0 {
		f = append(f, "phone")
	}
	if timezone == "Asia/Tokyo" && r.IntN(3) == 0 {
		f = append(f, "in_person")
	}
	if len(f) == 0 {
		f = []string{"video"}
	}
	return f
}

func newBio(r *rand.Rand, first string, years int, themes []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, pick(r, bioOpenings[first]), years)
	b.WriteString(bioFocus[pick(r, themes)])
	if r.IntN(3) > 0 {
		b.WriteString(pick(r, bioStyles))
	}
	return b.String()
}

// newCredential makes a credential of kind with a registration number in
// the style of its registry; renewable ones expire in the future.
func newCredential(r *rand.Rand, kind string, today time.Time) credentialSpec {
	c := credentialSpec{kind: kind, status: "verified"}
	switch kind {
	case "career_consultant":
		c.number = fmt.Sprintf("%02d%06d", 16+r.IntN(9), r.IntN(1_000_000))
	case "certified_public_psychologist":
		c.number = fmt.Sprintf("第%05d号", 1+r.IntN(70000))
	case "clinical_psychologist":
		c.number = fmt.Sprintf("第%05d号", 1+r.IntN(40000))
	case "occupational_physician":
		c.number = fmt.Sprintf("産医第%06d号", r.IntN(1_000_000))
	case "public_health_nurse":
		c.number = fmt.Sprintf("保健師籍第%06d号", r.IntN(1_000_000))
	case "labor_attorney":
		c.number = fmt.Sprintf("%02d%02d%04d", 1+r.IntN(47), r.IntN(25), r.IntN(10000))
	case "icf_coach":
		c.number = fmt.Sprintf("%s-%06d", []string{"ACC", "PCC", "MCC"}[weighted(r, []int{5, 4, 1})], r.IntN(1_000_000))
	}
	if years, ok := renewYears[kind]; ok {
		// Issued (or last renewed) within the cycle, so it is still valid.
		c.issuedOn = today.AddDate(0, 0, -(30 + r.IntN(365*years-60)))
		c.expiresOn = c.issuedOn.AddDate(years, 0, 0)
	} else {
		c.issuedOn = today.AddDate(-(1 + r.IntN(25)), -r.IntN(12), 0)
	}
	return c
}

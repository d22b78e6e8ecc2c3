package matching

import (
	"fmt"
	"math/bits"
	"slices"
	"strings"
	"time"

	"github.com/taiwa/taiwa/internal/counselor"
)

// phrase is one text in Japanese and English.
type phrase struct{ ja, en string }

func (p phrase) in(lang string) string {
	if lang == "en" {
		return p.en
	}
	return p.ja
}

// valueWords name each value item in plain words.
var valueWords = map[string]phrase{
	"self_direction": {"自分で決めること", "deciding for yourself"},
	"stimulation":    {"成長と挑戦", "growth and challenge"},
	"hedonism":       {"仕事の楽しさ", "enjoying work"},
	"achievement":    {"成果を出すこと", "achievement"},
	"power":          {"影響力", "influence"},
	"security":       {"安定", "stability"},
	"conformity":     {"規律と協調", "rules and harmony"},
	"tradition":      {"伝統", "tradition"},
	"benevolence":    {"身近な人への思いやり", "caring for people around you"},
	"universalism":   {"公平さと社会", "fairness and society"},
}

// styleWords name each style item's two ends (answer 1–2, answer 4–5).
var styleWords = map[string][2]phrase{
	"listening_advising": {{"じっくり聴くタイプ", "listens first"}, {"具体的に助言するタイプ", "gives concrete advice"}},
	"structured_free":    {{"構造立てて進めるタイプ", "keeps a clear structure"}, {"自由に話せるタイプ", "lets the talk flow freely"}},
	"gentle_challenging": {{"穏やかに寄り添うタイプ", "gentle and supportive"}, {"率直に問いかけるタイプ", "asks frank questions"}},
}

// codeWords name the codes reasons and narrowing labels mention.
var codeWords = map[string]phrase{
	// industries
	"it": {"IT", "IT"}, "manufacturing": {"製造", "manufacturing"}, "finance": {"金融", "finance"},
	"retail": {"小売", "retail"}, "logistics": {"物流", "logistics"}, "healthcare": {"医療・福祉", "healthcare"},
	"public": {"公共", "public sector"}, "consulting": {"コンサルティング", "consulting"},
	// job functions
	"engineering": {"エンジニア", "engineering"}, "sales": {"営業", "sales"}, "marketing": {"マーケティング", "marketing"},
	"hr": {"人事", "HR"}, "operations": {"オペレーション", "operations"}, "management": {"管理職", "management"},
	// times of day
	"morning": {"朝", "morning"}, "daytime": {"日中", "daytime"}, "evening": {"夜", "evening"},
	// languages
	"ja": {"日本語", "Japanese"}, "en": {"英語", "English"}, "zh": {"中国語", "Chinese"}, "ko": {"韓国語", "Korean"},
	"es": {"スペイン語", "Spanish"}, "fr": {"フランス語", "French"}, "de": {"ドイツ語", "German"},
	"pt": {"ポルトガル語", "Portuguese"}, "vi": {"ベトナム語", "Vietnamese"}, "tl": {"タガログ語", "Tagalog"},
	// formats and genders
	"video": {"ビデオ", "video"}, "phone": {"電話", "phone"}, "in_person": {"対面", "in person"},
	"female": {"女性", "female"}, "male": {"男性", "male"},
}

// jobFunctionFinanceWord disambiguates finance as a job function.
var jobFunctionFinanceWord = phrase{"経理・財務", "finance roles"}

// words names the codes of mask (bits of codes), joined.
func words(codes []string, mask uint32, lang, sepJA, sepEN string) string {
	var out []string
	for i, c := range codes {
		if mask&(1<<i) != 0 {
			out = append(out, codeWords[c].in(lang))
		}
	}
	if lang == "en" {
		return strings.Join(out, sepEN)
	}
	return strings.Join(out, sepJA)
}

var weekdaysJA = []string{"日", "月", "火", "水", "木", "金", "土"}

// jst is where reasons' times are shown.
var jst = time.FixedZone("Asia/Tokyo", 9*60*60)

// soonPhrase says when the next free slot is, in Japan's time: today,
// tomorrow, this week's or next week's weekday, or a date.
func soonPhrase(next, now time.Time, lang string) string {
	n, t := next.In(jst), now.In(jst)
	day := func(x time.Time) time.Time { return time.Date(x.Year(), x.Month(), x.Day(), 0, 0, 0, 0, jst) }
	days := int(day(n).Sub(day(t)).Hours()/24 + 0.5)
	// Weeks start on Monday.
	monday := func(x time.Time) time.Time { return day(x).AddDate(0, 0, -((int(x.Weekday()) + 6) % 7)) }
	weeks := int(monday(n).Sub(monday(t)).Hours()/24/7 + 0.5)
	hm := n.Format("15:04")
	en := lang == "en"
	switch {
	case days == 0 && en:
		return "Free from " + hm + " today"
	case days == 0:
		return "今日 " + hm + " から空きあり"
	case days == 1 && en:
		return "Free from " + hm + " tomorrow"
	case days == 1:
		return "明日 " + hm + " から空きあり"
	case weeks == 0 && en:
		return "Free from " + n.Format("Mon") + " " + hm + " this week"
	case weeks == 0:
		return "今週 " + weekdaysJA[n.Weekday()] + "曜 " + hm + " から空きあり"
	case weeks == 1 && en:
		return "Free from " + n.Format("Mon") + " " + hm + " next week"
	case weeks == 1:
		return "来週 " + weekdaysJA[n.Weekday()] + "曜 " + hm + " から空きあり"
	case en:
		return "Free from " + n.Format("Mon 2 Jan") + " " + hm
	}
	return fmt.Sprintf("%d月%d日(%s) %s から空きあり", n.Month(), n.Day(), weekdaysJA[n.Weekday()], hm)
}

// valuesPhrase names up to two values both rate highly (4–5), the
// employee's strongest first.
func valuesPhrase(s *Seeker, c *Candidate, lang string) string {
	type shared struct{ item, score int }
	var both []shared
	for i := range ValueItems {
		if s.Values[i] >= 4 && c.Values[i] >= 4 {
			both = append(both, shared{i, int(s.Values[i])*10 + int(c.Values[i])})
		}
	}
	slices.SortStableFunc(both, func(a, b shared) int { return b.score - a.score })
	var names []string
	for _, b := range both[:min(2, len(both))] {
		names = append(names, valueWords[ValueItems[b.item]].in(lang))
	}
	switch {
	case len(names) == 0 && lang == "en":
		return "Similar values"
	case len(names) == 0:
		return "価値観が近い"
	case lang == "en":
		return "Similar values: both care about " + strings.Join(names, " and ")
	}
	return "価値観が近い: " + strings.Join(names, "・") + "を重視"
}

// stylePhrase names the counsellor's side on the item where the employee
// leans most and the counsellor leans the same way.
func stylePhrase(s *Seeker, c *Candidate, lang string) string {
	best, lean := -1, 0
	for i, item := range StyleItems {
		e, k := int(s.Style[i])-3, int(c.Style[i])-3
		if e*k > 0 && abs(e) > lean {
			best, lean = i, abs(e)
			_ = item
		}
	}
	if best < 0 {
		if lang == "en" {
			return "Conversation style fits: balanced"
		}
		return "話し方が合う: バランス型"
	}
	side := 0
	if c.Style[best] > 3 {
		side = 1
	}
	w := styleWords[StyleItems[best]][side]
	if lang == "en" {
		return "Conversation style fits: " + w.en
	}
	return "話し方が合う: " + w.ja
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// firstShared is the first code of codes set in both masks.
func firstShared(codes []string, a, b uint32) string {
	m := a & b
	if m == 0 {
		return ""
	}
	return codes[bits.TrailingZeros32(m)]
}

// termPhrase is the plain-language reason of one term, "" when the term
// has nothing to say for this pair.
func termPhrase(s *Seeker, c *Candidate, t Term, lang string, now time.Time) string {
	en := lang == "en"
	switch t.Name {
	case "values":
		if c.HasFit {
			return valuesPhrase(s, c, lang)
		}
	case "style":
		if c.HasFit {
			return stylePhrase(s, c, lang)
		}
	case "industry":
		if code := firstShared(counselor.Industries, s.Industries, c.Industries); code != "" {
			if en {
				return fmt.Sprintf("%d years' experience, %s industry", c.Years, codeWords[code].en)
			}
			return fmt.Sprintf("%s業界の経験 %d年", codeWords[code].ja, c.Years)
		}
	case "job_function":
		if code := firstShared(counselor.JobFunctions, s.JobFunctions, c.JobFunctions); code != "" {
			w := codeWords[code]
			if code == "finance" {
				w = jobFunctionFinanceWord
			}
			if en {
				return "Experienced with " + w.en + " roles"
			}
			return w.ja + "職の支援経験あり"
		}
	case "age_band":
		if i := ageIndex(c.AgeBand); i >= 0 {
			if en {
				return "In your preferred age range: " + c.AgeBand
			}
			return fmt.Sprintf("希望の年代: %d代", 20+10*i)
		}
	case "time_of_day":
		if m := s.TimeOfDay & c.TimeOfDay; m != 0 {
			if en {
				return "Has hours in the " + words(TimesOfDay, m, lang, "・", " and ")
			}
			return words(TimesOfDay, m, lang, "・", " and ") + "の時間帯に対応"
		}
	case "rating":
		if counselor.RatingShown(c.RatingCount) {
			if en {
				return fmt.Sprintf("Rated %.1f (%d ratings)", c.RatingAvg, c.RatingCount)
			}
			return fmt.Sprintf("評価 %.1f（%d件）", c.RatingAvg, c.RatingCount)
		}
	case "soonness":
		if c.NextAvailable.After(now) {
			return soonPhrase(c.NextAvailable, now, lang)
		}
	case "newcomer":
		if en {
			return "Newly verified counsellor"
		}
		return "新しく認定されたカウンセラー"
	}
	return ""
}

// Reasons are two or three plain-language reasons for sc, taken only from
// the terms that contributed most to its score: first the terms with a
// strong value (≥ 0.5) by contribution, then, to reach two, the next
// largest contributions.
func Reasons(s *Seeker, sc Scored, lang string, now time.Time) []string {
	out := make([]string, 0, 3)
	used := map[string]bool{}
	for pass := 0; pass < 2 && len(out) < 3; pass++ {
		for _, t := range sc.Terms {
			if len(out) == 3 || (pass == 1 && len(out) >= 2) {
				break
			}
			if used[t.Name] || t.Contribution <= 0 || (pass == 0 && t.Value < 0.5) {
				continue
			}
			if p := termPhrase(s, sc.Candidate, t, lang, now); p != "" {
				out = append(out, p)
				used[t.Name] = true
			}
		}
	}
	return out
}

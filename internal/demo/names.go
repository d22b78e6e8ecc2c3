package demo

import (
	"math/rand/v2"
)

// reading is a written name with its katakana reading.
type reading struct{ kanji, kana string }

// Common surnames, with readings. Invented people only: any resemblance of a
// generated full name to a real person is coincidence.
var surnames = []reading{
	{"佐藤", "サトウ"}, {"鈴木", "スズキ"}, {"高橋", "タカハシ"}, {"田中", "タナカ"}, {"伊藤", "イトウ"},
	{"渡辺", "ワタナベ"}, {"山本", "ヤマモト"}, {"中村", "ナカムラ"}, {"小林", "コバヤシ"}, {"加藤", "カトウ"},
	{"吉田", "ヨシダ"}, {"山田", "ヤマダ"}, {"佐々木", "ササキ"}, {"山口", "ヤマグチ"}, {"松本", "マツモト"},
	{"井上", "イノウエ"}, {"木村", "キムラ"}, {"林", "ハヤシ"}, {"斎藤", "サイトウ"}, {"清水", "シミズ"},
	{"山崎", "ヤマザキ"}, {"森", "モリ"}, {"池田", "イケダ"}, {"橋本", "ハシモト"}, {"阿部", "アベ"},
	{"石川", "イシカワ"}, {"山下", "ヤマシタ"}, {"中島", "ナカジマ"}, {"石井", "イシイ"}, {"小川", "オガワ"},
	{"前田", "マエダ"}, {"岡田", "オカダ"}, {"長谷川", "ハセガワ"}, {"藤田", "フジタ"}, {"後藤", "ゴトウ"},
	{"近藤", "コンドウ"}, {"村上", "ムラカミ"}, {"遠藤", "エンドウ"}, {"青木", "アオキ"}, {"坂本", "サカモト"},
	{"西村", "ニシムラ"}, {"福田", "フクダ"}, {"太田", "オオタ"}, {"三浦", "ミウラ"}, {"藤井", "フジイ"},
	{"岡本", "オカモト"}, {"松田", "マツダ"}, {"中川", "ナカガワ"}, {"原田", "ハラダ"}, {"小野", "オノ"},
}

// Common given names by gender, with readings.
var (
	femaleNames = []reading{
		{"陽子", "ヨウコ"}, {"美咲", "ミサキ"}, {"結衣", "ユイ"}, {"真由美", "マユミ"}, {"恵", "メグミ"},
		{"直子", "ナオコ"}, {"裕子", "ユウコ"}, {"彩", "アヤ"}, {"愛", "アイ"}, {"千尋", "チヒロ"},
		{"麻衣", "マイ"}, {"由美", "ユミ"}, {"智子", "トモコ"}, {"久美子", "クミコ"}, {"明美", "アケミ"},
		{"沙織", "サオリ"}, {"香織", "カオリ"}, {"奈々", "ナナ"}, {"葵", "アオイ"}, {"陽菜", "ヒナ"},
		{"純子", "ジュンコ"}, {"舞", "マイ"}, {"京子", "キョウコ"}, {"理恵", "リエ"}, {"早苗", "サナエ"},
	}
	maleNames = []reading{
		{"翔太", "ショウタ"}, {"大輔", "ダイスケ"}, {"健太", "ケンタ"}, {"拓也", "タクヤ"}, {"誠", "マコト"},
		{"浩", "ヒロシ"}, {"隆", "タカシ"}, {"直樹", "ナオキ"}, {"亮", "リョウ"}, {"健一", "ケンイチ"},
		{"和也", "カズヤ"}, {"達也", "タツヤ"}, {"雄一", "ユウイチ"}, {"修", "オサム"}, {"剛", "ツヨシ"},
		{"大樹", "ダイキ"}, {"悠斗", "ユウト"}, {"蓮", "レン"}, {"翔", "ショウ"}, {"康弘", "ヤスヒロ"},
		{"秀樹", "ヒデキ"}, {"義男", "ヨシオ"}, {"慎也", "シンヤ"}, {"正人", "マサト"}, {"学", "マナブ"},
	}
)

// person is a generated name.
type person struct {
	name, kana, gender string
}

// newPerson draws a name; gender is "female" or "male".
func newPerson(r *rand.Rand, gender string) person {
	s := surnames[r.IntN(len(surnames))]
	given := femaleNames
	if gender == "male" {
		given = maleNames
	}
	g := given[r.IntN(len(given))]
	return person{name: s.kanji + " " + g.kanji, kana: s.kana + " " + g.kana, gender: gender}
}

// uniquePerson draws names until one is not in seen (then remembers it), so
// two counsellors in a list never share a display name.
func uniquePerson(r *rand.Rand, gender string, seen map[string]bool) person {
	for {
		p := newPerson(r, gender)
		if !seen[p.name] {
			seen[p.name] = true
			return p
		}
	}
}

// weighted picks an index with the given relative weights.
func weighted(r *rand.Rand, weights []int) int {
	total := 0
	for _, w := range weights {
		total += w
	}
	n := r.IntN(total)
	for i, w := range weights {
		if n < w {
			return i
		}
		n -= w
	}
	return len(weights) - 1
}

// pick returns a random element of s.
func pick[T any](r *rand.Rand, s []T) T { return s[r.IntN(len(s))] }

// sample returns between lo and hi distinct elements of s, in s's order.
func sample[T any](r *rand.Rand, s []T, lo, hi int) []T {
	n := lo + r.IntN(hi-lo+1)
	idx := r.Perm(len(s))[:min(n, len(s))]
	chosen := make([]bool, len(s))
	for _, i := range idx {
		chosen[i] = true
	}
	out := make([]T, 0, n)
	for i, v := range s {
		if chosen[i] {
			out = append(out, v)
		}
	}
	return out
}

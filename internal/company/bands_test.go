package company

import "testing"

func TestBandsReadCodesAndTheUIsLabels(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ in, age, tenure string }{
		{"40s", "40s", ""}, {"40代", "40s", ""}, {"４０代", "40s", ""}, {" 20代 ", "20s", ""}, {"80代", "", ""}, {"40", "", ""},
		{"0-2y", "", "0-2y"}, {"0〜2年", "", "0-2y"}, {"0～2年", "", "0-2y"}, {"3-5年", "", "3-5y"}, {"6–10 years", "", "6-10y"},
		{"11年以上", "", "11y+"}, {"11 years or more", "", "11y+"}, {"11y+", "", "11y+"}, {"2-4年", "", ""}, {"長い", "", ""},
	} {
		age, aok := AgeBandOf(c.in)
		ten, tok := TenureBandOf(c.in)
		if age != c.age || aok != (c.age != "") || ten != c.tenure || tok != (c.tenure != "") {
			t.Errorf("%q: age %q %v, tenure %q %v; want %q, %q", c.in, age, aok, ten, tok, c.age, c.tenure)
		}
	}
}

func TestRosterStatusReadsCodesAndTheUIsLabels(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in       string
		left, ok bool
	}{
		{"active", false, true}, {"Active", false, true}, {" 在籍 ", false, true}, {"在籍中", false, true}, {"在職", false, true},
		{"left", true, true}, {"LEFT", true, true}, {"退職", true, true}, {"退職済み", true, true}, {"退社", true, true},
		{"", false, false}, {"retired", false, false}, {"休職", false, false}, {"1", false, false},
	} {
		left, ok := RosterStatusOf(c.in)
		if left != c.left || ok != c.ok {
			t.Errorf("%q: left %v ok %v, want %v %v", c.in, left, ok, c.left, c.ok)
		}
	}
}

package company

import "testing"

func TestImportColumnOf(t *testing.T) {
	t.Parallel()
	cases := []struct {
		header, column string
		ok             bool
	}{
		{"email", "email", true},
		{" Email ", "email", true},
		{"EMAIL", "email", true},
		{"Ｅｍａｉｌ", "email", true}, // full-width
		{"メールアドレス", "email", true},
		{"ﾒｰﾙｱﾄﾞﾚｽ", "email", true}, // half-width katakana
		{"Email address", "email", true},
		{"氏名", "name", true},
		{"名前", "name", true},
		{"部署", "department", true},
		{"所属", "department", true},
		{"年代", "age_band", true},
		{"Age band", "age_band", true},
		{"勤続年数", "tenure_band", true},
		{"Tenure", "tenure_band", true},
		{"職種", "job_family", true},
		{"社員番号", "employee_code", true},
		{"Employee code", "employee_code", true},
		{"在籍状況", "status", true},
		{"状態", "status", true},
		{"status", "status", true},
		{"住所", "", false},
		{"", "", false},
		{"email2", "", false},
	}
	for _, c := range cases {
		t.Run(c.header, func(t *testing.T) {
			col, ok := ImportColumnOf(c.header)
			if col != c.column || ok != c.ok {
				t.Fatalf("ImportColumnOf(%q) = %q, %v; want %q, %v", c.header, col, ok, c.column, c.ok)
			}
		})
	}
}

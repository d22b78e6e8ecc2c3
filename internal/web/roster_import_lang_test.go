package web_test

import (
	"net/http"
	"testing"

	"github.com/taiwa/taiwa/internal/apptest"
)

// TestRosterImportSpeaksTheUsersLanguageAndTakesTheUIsHeadings: a file
// whose header uses the UI's Japanese column names (氏名, メールアドレス,
// 部署, 在籍状況 …) is imported; a refused file and refused lines are
// explained in the reader's language, naming the line and the column as
// the UI names them.
func TestRosterImportSpeaksTheUsersLanguageAndTakesTheUIsHeadings(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	f := newCompany(t, h)
	b := newBrowser(t, h)
	b.login(f.AdminEmail, f.AdminPass)
	tok := b.csrf("/company/employees")
	mustContain(t, b.get("/company/employees"), "見出しは画面の列名でも構いません：メールアドレス、氏名、部署")

	jaHeaders := "\ufeff氏名,メールアドレス,部署,年代,勤続年数,職種,社員番号,在籍状況\n" +
		"佐藤 健,sato@test-shoji.example,営業部/東京支店,30s,3-5y,sales,E001,在籍\n" +
		"鈴木 美咲,not-an-email,開発部,20s,0-2y,engineering,E002,在籍\n" +
		"田中 一郎,tanaka@test-shoji.example,営業部,40s,11y+,sales,E003,在籍\n"
	p := b.upload("/company/employees/import", tok, "file", "名簿.csv", jaHeaders)
	if p.Status != http.StatusOK {
		t.Fatalf("import with Japanese headings: %d", p.Status)
	}
	mustContain(t, p, "新規 2 名、更新 0 名", "3 行目：", "メールアドレスの形式が正しくありません", "佐藤 健", "営業部 / 東京支店")

	// Full-width and English UI names are headings too.
	p = b.upload("/company/employees/import", tok, "file", "r.csv", "Ｅｍａｉｌ,Name,Department\nkato@test-shoji.example,加藤 優,開発部\n")
	mustContain(t, p, "新規 1 名、更新 0 名")

	cases := []struct {
		name, csv string
		status    int
		ja, en    string
	}{
		{"unknown heading", "氏名,メールアドレス,住所\n", http.StatusBadRequest,
			"1 行目：見出し「住所」はどの列にも当たりません。使える見出しは メールアドレス、氏名、部署",
			"Line 1: the heading “住所” is not a column we know. The headings are Email, Name, Department"},
		{"a column twice", "氏名,name,email\n", http.StatusBadRequest,
			"1 行目：「氏名」の列が 2 回あります。", "Line 1: the column “Name” appears twice."},
		{"no email column", "氏名,部署\n", http.StatusBadRequest,
			"1 行目：「メールアドレス」の列が必要です。", "Line 1: the header needs the column “Email”."},
		{"empty file", "", http.StatusBadRequest,
			"ファイルが空です。1 行目に見出し行（メールアドレス、氏名", "The file is empty. Its first line must be the header (Email, Name"},
		{"not UTF-8", "\x83\x81\x81[\x83\x8b,name\n", http.StatusBadRequest,
			"文字コードが UTF-8 ではありません", "The file is not UTF-8 text"},
		{"a bad status refuses the file", "氏名,メールアドレス,在籍状況\n木村 翔,kimura@test-shoji.example,休職\n", http.StatusUnprocessableEntity,
			"2 行目：状態「休職」は使えません。", "Line 2: Status “休職” is not a status we know."},
	}
	en := newBrowser(t, h)
	en.login(f.AdminEmail, f.AdminPass)
	toEnglish(t, en, "/company/employees")
	setLang(t, b, "/company/employees", "ja") // the same user: b keeps Japanese by its cookie
	entok := en.csrf("/company/employees")
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := b.upload("/company/employees/import", tok, "file", "r.csv", c.csv)
			if p.Status != c.status {
				t.Fatalf("ja: status %d, want %d", p.Status, c.status)
			}
			mustContain(t, p, `id="import-file-error"`, c.ja)
			p = en.upload("/company/employees/import", entok, "file", "r.csv", c.csv)
			if p.Status != c.status {
				t.Fatalf("en: status %d, want %d", p.Status, c.status)
			}
			mustContain(t, p, `id="import-file-error"`, c.en)
		})
	}
	// A refused line in English names the line and the UI's column.
	p = en.upload("/company/employees/import", entok, "file", "r.csv", "Name,Email\n小林 蓮,not-an-email\n")
	mustContain(t, p, "Line 2:", "Email is not a valid email address.")
}

package feedback

import "github.com/taiwa/taiwa/internal/consent"

// ConsentTextVersion names the wording below; a client consents to the
// version it showed, and a stale one is refused.
const ConsentTextVersion = "1"

// consentTexts are the exact words an employee sees before consenting,
// stored verbatim with the consent; by language, then item.
var consentTexts = map[string]map[string]string{
	"ja": {
		consent.ItemSummary: "この面談について、カウンセラーが作成した「共有用の要約」を、上に表示されている内容のまま人事担当者に共有することに同意します。" +
			"人事担当者に見えるのは、私の氏名、面談の月、この要約だけです。同意はいつでも取り消せ、取り消すと人事担当者には見えなくなります。",
		consent.ItemThemes: "この面談で扱ったテーマ(分類コード)を、上に表示されている内容のまま人事担当者に共有することに同意します。" +
			"人事担当者に見えるのは、私の氏名、面談の月、テーマだけです。同意はいつでも取り消せ、取り消すと人事担当者には見えなくなります。",
		consent.ItemFollowUp: "この面談でフォローアップが勧められたかどうかを、上に表示されている内容のまま人事担当者に共有することに同意します。" +
			"人事担当者に見えるのは、私の氏名、面談の月、その有無だけです。同意はいつでも取り消せ、取り消すと人事担当者には見えなくなります。",
		consent.ItemReportOptOut: "私を会社向けの集計レポートから除外してください。集計レポートは10人以上のまとまりの人数・件数・平均だけを示し、個人を特定することはありません。" +
			"除外すると、私の面談は今後のどの集計にも数えられません(締められた過去の月の数値は変わりません)。いつでも元に戻せます。",
		reportOptIn: "私を会社向けの集計レポートに再び含めることに同意します。集計レポートは10人以上のまとまりの人数・件数・平均だけを示し、個人を特定することはありません。",
	},
	"en": {
		consent.ItemSummary: "I agree to share the summary my counsellor prepared for this session with HR, exactly as shown above. " +
			"HR sees only my name, the month of the session and this summary. I can withdraw at any time; HR then no longer sees it.",
		consent.ItemThemes: "I agree to share the themes (codes) of this session with HR, exactly as shown above. " +
			"HR sees only my name, the month of the session and the themes. I can withdraw at any time; HR then no longer sees them.",
		consent.ItemFollowUp: "I agree to share with HR whether follow-up was advised after this session, exactly as shown above. " +
			"HR sees only my name, the month of the session and whether follow-up was advised. I can withdraw at any time; HR then no longer sees it.",
		consent.ItemReportOptOut: "Leave me out of the company's aggregate reports. Those reports only show counts and averages over groups of at least ten people and never identify anyone. " +
			"Once I opt out, my sessions are not counted in any later figure (figures of months already closed do not change). I can opt back in at any time.",
		reportOptIn: "I agree to be counted again in the company's aggregate reports. Those reports only show counts and averages over groups of at least ten people and never identify anyone.",
	},
}

// reportOptIn keys the wording of opting back in to reports.
const reportOptIn = "report_opt_in"

var withdrawTexts = map[string]string{
	"ja": "この項目の人事担当者への共有を取り消します。今後、人事担当者には見えなくなります。",
	"en": "I withdraw sharing this item with HR. From now on HR no longer sees it.",
}

func lang(l string) string {
	if l == "en" {
		return "en"
	}
	return "ja"
}

// ConsentText is the wording shown before an employee grants item, in
// their language (Japanese unless "en").
func ConsentText(language, item string) string { return consentTexts[lang(language)][item] }

// WithdrawText is the wording shown before withdrawing a shared item.
func WithdrawText(language string) string { return withdrawTexts[lang(language)] }

// OptOutText is the wording shown for the report opt-out toggle: optOut
// true explains leaving reports, false coming back.
func OptOutText(language string, optOut bool) string {
	if optOut {
		return ConsentText(language, consent.ItemReportOptOut)
	}
	return ConsentText(language, reportOptIn)
}

package programme

import (
	"strconv"
	"strings"
)

// labels name templates and steps in Japanese and English. They live here
// (not in the web catalogues) because the consent text built from them is
// stored verbatim and must read the same on every screen and in the API.
var labels = map[string][2]string{
	TemplateHighStress:   {"高ストレス者フォローアップ", "High-stress follow-up"},
	TemplateReturnToWork: {"復職支援", "Return to work"},
	TemplateOnboarding:   {"入社後フォロー", "Onboarding check-ins"},
	TemplateExit:         {"退職面談", "Exit interview"},

	"month_1":        {"1か月後", "after 1 month"},
	"month_3":        {"3か月後", "after 3 months"},
	"month_6":        {"6か月後", "after 6 months"},
	"before_leave":   {"休職前", "before leave"},
	"before_return":  {"復職直前", "just before return"},
	"after_1_month":  {"復職1か月後", "1 month after return"},
	"after_3_months": {"復職3か月後", "3 months after return"},
	"exit":           {"退職前", "before the last day"},
}

// Label is a template's or a step's name in locale (ja unless "en").
func Label(code, locale string) string {
	l, ok := labels[code]
	if !ok {
		return code
	}
	if locale == "en" {
		return l[1]
	}
	return l[0]
}

// Disclosure is the exact text an employee reads before accepting a named
// enrolment, stored with the consent: what HR will see, and what never.
func Disclosure(locale, programmeName, template string, steps []Step) string {
	var months []string
	for _, s := range steps {
		months = append(months, monthString(s.DueOn)+" "+Label(s.Key, locale))
	}
	if locale == "en" {
		return "If you accept \"" + programmeName + "\" (" + Label(template, "en") + "), your company's HR will see only: " +
			"that you take part in this programme, and for each step its month (" + strings.Join(months, ", ") +
			") and whether a session for it was held or not. HR never sees what was said, who your counsellor is, " +
			"the dates of your sessions, their themes, or that you declined an invitation. " +
			"You may withdraw this consent at any time; HR then sees nothing of your steps again."
	}
	return "「" + programmeName + "」（" + Label(template, "ja") + "）への参加に同意すると、人事担当者に表示されるのは次のことだけです：" +
		"このプログラムに参加していること、各ステップの予定月（" + strings.Join(months, "、") + "）と、そのステップの面談が実施済みか未実施か。" +
		"面談で話した内容、担当カウンセラー、面談の日時、テーマ、案内を辞退したことは人事担当者には一切表示されません。" +
		"この同意はいつでも取り消すことができ、取り消すと人事担当者にはステップの状況が再び表示されなくなります。"
}

// OpenNotice is what an employee invited to an open programme reads: HR
// never learns who joined.
func OpenNotice(locale string, minGroup int) string {
	n := strconv.Itoa(minGroup)
	if locale == "en" {
		return "This is an open invitation. HR never learns whether you joined, booked or declined: " +
			"they see only how many of the invited employees joined and held sessions, and only when each number counts at least " + n + " people."
	}
	return "これはグループへの案内です。あなたが参加したか、予約したか、辞退したかは人事担当者には一切わかりません。" +
		"人事担当者に表示されるのは、案内を受けた人のうち参加した人数や面談が実施された人数だけで、それも各人数が " + n + " 人以上の場合に限られます。"
}

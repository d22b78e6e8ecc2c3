package config

import (
	"fmt"
	"unicode/utf8"
)

// DefaultIssuerRegistrationNumber is the demo seller's qualified-invoice
// registration number, so that a development start prints a number that
// passes the check digit. It is invented: 7123456789012 is the example
// commonly used to explain the rule (base 123456789012, check digit 7), not
// a number known to be assigned. A real installation sets
// TAIWA_INVOICE_REGISTRATION_NUMBER to its own.
const DefaultIssuerRegistrationNumber = "T7123456789012"

// checkRegistrationNumber says what is wrong with a qualified-invoice
// issuer registration number (適格請求書発行事業者登録番号) of a
// corporation: "T" and its 13-digit corporate number (法人番号), whose first
// digit is the check digit of the other twelve. The message completes a
// sentence that starts with the variable's name.
func checkRegistrationNumber(s string) error {
	const example = " (e.g. " + DefaultIssuerRegistrationNumber + ")"
	if len(s) == 0 || s[0] != 'T' {
		return fmt.Errorf("must start with a capital T followed by the 13-digit corporate number (法人番号)%s; got %q", example, s)
	}
	digits := s[1:]
	if n := utf8.RuneCountInString(digits); n != 13 {
		return fmt.Errorf("must be T followed by exactly 13 digits%s; got %d characters after the T", example, n)
	}
	for _, r := range digits {
		if r < '0' || r > '9' {
			return fmt.Errorf("must be T followed by 13 half-width digits 0–9%s; %q is not one", example, r)
		}
	}
	if want, got := corporateCheckDigit(digits[1:]), int(digits[0]-'0'); got != want {
		return fmt.Errorf("has a wrong check digit: in %s the first of the 13 digits must be %d (the check digit of %s by the National Tax Agency's rule), not %d; look for a typo",
			s, want, digits[1:], got)
	}
	return nil
}

// corporateCheckDigit is the check digit of a corporate number's 12 base
// digits by the National Tax Agency's rule (法人番号の指定等に関する省令 第二条):
// 9 − (Σ Pn × Qn mod 9), where Pn is the n-th base digit counted from the
// right (the rightmost is P1) and Qn is 1 for odd n and 2 for even n. base
// must be 12 ASCII digits.
func corporateCheckDigit(base string) int {
	sum := 0
	for n := 1; n <= 12; n++ {
		p := int(base[12-n] - '0')
		q := 1
		if n%2 == 0 {
			q = 2
		}
		sum += p * q
	}
	return 9 - sum%9
}

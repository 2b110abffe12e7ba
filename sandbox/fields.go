package sandbox

import (
	"regexp"
	"time"
	"unicode"

	"prepay/money"
	"prepay/storage"
	"prepay/tmf"
)

var (
	// digits15 is a service or account number: digits, at most 15 so that a
	// client reading the account number as a JSON number (as the balances
	// endpoint writes it) holds it exactly.
	digits15 = regexp.MustCompile(`^[0-9]{1,15}$`)
	// accountDigits is an account number as the balances endpoint writes
	// it, a JSON number: no leading zero, or a generated client that reads
	// an integer meets a string.
	accountDigits = regexp.MustCompile(`^[1-9][0-9]{0,14}$`)
	// voucherCode is a voucher's card number, digits as on the card.
	voucherCode = regexp.MustCompile(`^[0-9]{1,32}$`)
	// idPattern is a bucket, accumulator or internal id.
	idPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)
)

// maxText bounds a free-text field (a name, a usage type, units).
const maxText = 100

func missing(field string) error {
	return tmf.Fail(tmf.CodeMissingField, "%s is required", field)
}

// checkPattern checks a mandatory field against p.
func checkPattern(field, value string, p *regexp.Regexp, rule string) error {
	if value == "" {
		return missing(field)
	}
	if !p.MatchString(value) {
		return tmf.Invalid(field, rule, value)
	}
	return nil
}

// checkText checks an optional free-text field: printable, not too long.
func checkText(field, value string) error {
	if len(value) > maxText {
		return tmf.Invalid(field, "at most 100 characters", value)
	}
	for _, r := range value {
		if !unicode.IsPrint(r) {
			return tmf.Invalid(field, "printable text", value)
		}
	}
	return nil
}

// checkAmount checks a figure: never negative, never above money.Max, and
// above zero when positive is asked for.
func checkAmount(field string, a money.Amount, positive bool) error {
	switch {
	case positive && a <= 0:
		return tmf.Fail(tmf.CodeInvalidField, "%s must be greater than 0.00; got %s", field, a)
	case a < 0 || a > money.Max:
		return tmf.Fail(tmf.CodeInvalidField, "%s must be between 0.00 and %s; got %s", field, money.Max, a)
	}
	return nil
}

// parseExpiry reads an expiry: "+30d" (midnight in the business unit's zone
// thirty days after the sandbox clock's now) or an RFC 3339 time. It keeps
// milliseconds, the finest the TMF wire format shows.
func parseExpiry(field, s string, now time.Time, bu storage.BusinessUnit) (time.Time, error) {
	t, err := storage.ResolveExpiry(s, now, bu.Location())
	if err != nil {
		return time.Time{}, tmf.Invalid(field, "like +30d or 2030-01-01T00:00:00-05:00, in years 1 to 9999 in UTC", s)
	}
	return t.Truncate(time.Millisecond), nil
}

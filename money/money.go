// Package money holds amounts of money and of units (MB, minutes, SMS) as
// integer hundredths, with the strict JSON form the operator's APIs use:
// a number with exactly two decimals on the way out, at most two on the way
// in. It imports nothing of prepay.
package money

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"reflect"
	"strconv"
)

// Amount is a quantity in hundredths: Amount(559) is 5.59. It is the only way
// prepay holds money or a bucket quantity, so no value ever passes through
// floating point.
type Amount int64

// Errors returned by Parse; callers compare them with errors.Is.
var (
	ErrSyntax    = errors.New("not a decimal number")
	ErrPrecision = errors.New("more than 2 decimal places")
	ErrRange     = errors.New("out of range")
)

// Hundredths returns the amount as a count of hundredths.
func (a Amount) Hundredths() int64 { return int64(a) }

// Parse reads a decimal such as "5", "5.1", "-0.25" or "600.31". It refuses
// exponents, more than two fractional digits, leading "+", missing digits on
// either side of the point, and values beyond int64 hundredths.
func Parse(s string) (Amount, error) {
	i := 0
	neg := false
	if i < len(s) && s[i] == '-' {
		neg = true
		i++
	}
	start := i
	var whole uint64
	for i < len(s) && isDigit(s[i]) {
		hi, lo := bits.Mul64(whole, 10)
		if hi != 0 || lo > math.MaxUint64-uint64(s[i]-'0') {
			return 0, ErrRange
		}
		whole = lo + uint64(s[i]-'0')
		i++
	}
	if i == start {
		return 0, ErrSyntax
	}
	var frac uint64
	if i < len(s) && s[i] == '.' {
		i++
		digits := 0
		for i < len(s) && isDigit(s[i]) {
			if digits == 2 {
				return 0, ErrPrecision
			}
			frac = frac*10 + uint64(s[i]-'0')
			digits++
			i++
		}
		if digits == 0 {
			return 0, ErrSyntax
		}
		if digits == 1 {
			frac *= 10
		}
	}
	if i != len(s) {
		return 0, ErrSyntax
	}
	if whole > (math.MaxInt64-frac)/100 {
		return 0, ErrRange
	}
	v := int64(whole*100 + frac)
	if neg {
		v = -v
	}
	return Amount(v), nil
}

func isDigit(b byte) bool { return '0' <= b && b <= '9' }

// MustParse is Parse for literals in tests and tables; it panics on error.
func MustParse(s string) Amount {
	a, err := Parse(s)
	if err != nil {
		panic(fmt.Sprintf("money.MustParse(%q): %v", s, err))
	}
	return a
}

// String writes the amount with exactly two decimals: "5.00", "-0.25".
func (a Amount) String() string {
	return string(a.AppendText(nil))
}

// AppendText appends the two-decimal form of a to b.
func (a Amount) AppendText(b []byte) []byte {
	v := uint64(a)
	if a < 0 {
		b = append(b, '-')
		v = uint64(-a) // also right for math.MinInt64, as an unsigned value
	}
	b = strconv.AppendUint(b, v/100, 10)
	cents := v % 100
	return append(b, '.', byte('0'+cents/10), byte('0'+cents%10))
}

// MarshalJSON writes a JSON number with exactly two decimals.
func (a Amount) MarshalJSON() ([]byte, error) {
	return a.AppendText(make([]byte, 0, 24)), nil
}

// UnmarshalJSON accepts a JSON number with at most two decimals. Anything
// else is reported as a *json.UnmarshalTypeError, so that encoding/json fills
// in the path of the offending field (for example "amount.amount") and the
// caller can name it in its answer.
func (a *Amount) UnmarshalJSON(data []byte) error {
	v, err := Parse(string(data))
	if err != nil {
		return &json.UnmarshalTypeError{Value: string(data), Type: reflect.TypeFor[Amount]()}
	}
	*a = v
	return nil
}

// Add returns a+b, or ErrRange when the sum does not fit.
func Add(a, b Amount) (Amount, error) {
	s := a + b
	if (b > 0 && s < a) || (b < 0 && s > a) {
		return 0, ErrRange
	}
	return s, nil
}

// MulRate returns quantity × rate, both in hundredths, rounded half-even to
// hundredths: 1.25 MB at 0.10 a MB is 0.125, written 0.12. It returns
// ErrRange when the product does not fit.
func MulRate(quantity, rate Amount) (Amount, error) {
	neg := (quantity < 0) != (rate < 0)
	q, r := abs(quantity), abs(rate)
	hi, lo := bits.Mul64(q, r) // in ten-thousandths
	if hi >= 100 {
		return 0, ErrRange
	}
	quo, rem := bits.Div64(hi, lo, 100)
	if rem > 50 || (rem == 50 && quo%2 == 1) {
		quo++
	}
	if quo > math.MaxInt64 {
		return 0, ErrRange
	}
	if neg {
		return -Amount(quo), nil
	}
	return Amount(quo), nil
}

func abs(a Amount) uint64 {
	if a < 0 {
		return uint64(-a)
	}
	return uint64(a)
}

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

// Max is the largest amount prepay holds anywhere: 1,000,000,000.00. Every
// amount on the wire and every figure of a bucket lies within ±Max, far
// above any real balance, so that sums and rates of them stay exact in an
// int64 and every result can be checked against one bound.
const Max = Amount(100_000_000_000)

// Errors returned by Parse and the arithmetic; callers compare them with
// errors.Is.
var (
	ErrSyntax    = errors.New("not a decimal number")
	ErrPrecision = errors.New("more than 2 decimal places")
	ErrRange     = errors.New("out of range")
	// ErrLimit is a result that would lie beyond ±Max.
	ErrLimit = errors.New("beyond 1000000000.00")
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

// UnmarshalJSON accepts a JSON number with at most two decimals within
// ±Max. Anything else is reported as a *json.UnmarshalTypeError, so that
// encoding/json fills in the path of the offending field (for example
// "amount.amount") and the caller can name it in its answer.
func (a *Amount) UnmarshalJSON(data []byte) error {
	v, err := Parse(string(data))
	if err == nil && !v.Within() {
		err = ErrLimit
	}
	if err != nil {
		return &json.UnmarshalTypeError{Value: string(data), Type: reflect.TypeFor[Amount]()}
	}
	*a = v
	return nil
}

// WireRule says what an amount's JSON form must be, for the message that
// refuses one.
func (Amount) WireRule() string {
	return "a number with at most 2 decimal places, from -1000000000.00 to 1000000000.00"
}

// Within reports whether a lies within ±Max.
func (a Amount) Within() bool { return -Max <= a && a <= Max }

// Add returns a+b, or ErrLimit when the sum lies beyond ±Max. It cannot
// overflow whatever its operands.
func Add(a, b Amount) (Amount, error) {
	s := a + b
	if (b > 0 && s < a) || (b < 0 && s > a) || !s.Within() {
		return 0, ErrLimit
	}
	return s, nil
}

// Sub returns a−b, or ErrLimit when the difference lies beyond ±Max. It
// cannot overflow whatever its operands.
func Sub(a, b Amount) (Amount, error) {
	d := a - b
	if (b > 0 && d > a) || (b < 0 && d < a) || !d.Within() {
		return 0, ErrLimit
	}
	return d, nil
}

// MulRate returns quantity × rate, both in hundredths, rounded half-even to
// hundredths: 1.25 MB at 0.10 a MB is 0.125, written 0.12. It returns
// ErrLimit when the product lies beyond ±Max.
func MulRate(quantity, rate Amount) (Amount, error) {
	neg := (quantity < 0) != (rate < 0)
	q, r := abs(quantity), abs(rate)
	hi, lo := bits.Mul64(q, r) // in ten-thousandths
	if hi >= 100 {
		return 0, ErrLimit
	}
	quo, rem := bits.Div64(hi, lo, 100)
	if rem > 50 || (rem == 50 && quo%2 == 1) {
		quo++
	}
	if quo > uint64(Max) {
		return 0, ErrLimit
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

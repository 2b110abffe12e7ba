package tmf

import (
	"time"
)

// The operator's two wire formats for a time, always with the business
// unit's offset (never "Z"): balances write seconds, TMF fields milliseconds.
const (
	layoutSeconds = "2006-01-02T15:04:05-07:00"
	layoutMillis  = "2006-01-02T15:04:05.000-07:00"
)

// FormatSeconds writes t in loc as the balances endpoint does:
// 2017-09-20T00:00:00-05:00.
func FormatSeconds(t time.Time, loc *time.Location) string {
	return string(AppendSeconds(make([]byte, 0, len(layoutSeconds)), t, loc))
}

// AppendSeconds appends t as FormatSeconds writes it, for the encoders
// written by hand.
func AppendSeconds(b []byte, t time.Time, loc *time.Location) []byte {
	return appendWire(b, t.In(loc), false)
}

// FormatMillis writes t in loc as every TMF field does:
// 2022-11-08T00:25:18.000-05:00.
func FormatMillis(t time.Time, loc *time.Location) string {
	return string(appendWire(make([]byte, 0, len(layoutMillis)), t.In(loc), true))
}

// appendWire appends t, in its own zone, as layoutMillis when millis and
// else as layoutSeconds: byte for byte what t.AppendFormat gives for them
// (TestAppendWire), without reading the layout again for every time —
// the encoders write one for every bucket, and AppendFormat's walk of the
// layout was a twentieth of a 31-bucket top-up's writer.
func appendWire(b []byte, t time.Time, millis bool) []byte {
	year, month, day := t.Date()
	if year < 0 || year > 9999 {
		if millis {
			return t.AppendFormat(b, layoutMillis)
		}
		return t.AppendFormat(b, layoutSeconds)
	}
	hour, minute, second := t.Clock()
	b = appendPadded(b, year, 4)
	b = appendPadded(append(b, '-'), int(month), 2)
	b = appendPadded(append(b, '-'), day, 2)
	b = appendPadded(append(b, 'T'), hour, 2)
	b = appendPadded(append(b, ':'), minute, 2)
	b = appendPadded(append(b, ':'), second, 2)
	if millis {
		b = appendPadded(append(b, '.'), t.Nanosecond()/1e6, 3)
	}
	_, offset := t.Zone()
	sign := byte('+')
	if offset < 0 {
		sign, offset = '-', -offset
	}
	// Seconds of an offset (local mean times before 1900) are dropped,
	// as the layout's -07:00 drops them.
	b = appendPadded(append(b, sign), offset/3600, 2)
	return appendPadded(append(b, ':'), offset/60%60, 2)
}

// appendPadded appends n ≥ 0 in decimal, zero-padded to width digits.
func appendPadded(b []byte, n, width int) []byte {
	var digits [20]byte
	i := len(digits)
	for n >= 10 || width > len(digits)-i+1 {
		i--
		digits[i] = byte('0' + n%10)
		n /= 10
	}
	i--
	digits[i] = byte('0' + n)
	return append(b, digits[i:]...)
}

// The calendar every time prepay takes must lie in: years 1 to 9999 in UTC,
// after its offset is applied, the years a time can be written in. A time
// outside it could be read but never written back (an expiry of
// 9999-12-31T23:00:00-05:00 is in year 10000 in UTC).
var (
	calendarStart = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
	calendarEnd   = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
)

// ClockLatest is the latest the sandbox clock may be set to: validity
// periods and expiries added to the clock's now stay within the calendar.
var ClockLatest = time.Date(9000, 1, 1, 0, 0, 0, 0, time.UTC)

// InCalendar reports whether t lies in years 1 to 9999 in UTC.
func InCalendar(t time.Time) bool { return !t.Before(calendarStart) && t.Before(calendarEnd) }

// Millis is a time written in the TMF millisecond format in a zone.
type Millis struct {
	Time time.Time
	Loc  *time.Location
}

// MarshalJSON writes the time as a JSON string in the TMF format.
func (m Millis) MarshalJSON() ([]byte, error) { return m.appendJSON(nil), nil }

func (m Millis) appendJSON(b []byte) []byte {
	b = append(b, '"')
	b = appendWire(b, m.Time.In(m.Loc), true)
	return append(b, '"')
}

// ParseQueryTime reads a time as the history query accepts it: local time in
// loc (2022-09-26T00:00:00, as the operator's page shows), with an offset
// (2022-09-26T00:00:00-05:00, …Z, fractional seconds allowed), or a bare date
// (2022-09-26, midnight in loc). dateOnly reports the last form, so that an
// upper bound can take in the whole day. A failure is a 400
// INVALID_QUERY_PARAMETER naming param.
func ParseQueryTime(param, s string, loc *time.Location) (t time.Time, dateOnly bool, err error) {
	return parseTime(CodeInvalidQuery, param, s, loc)
}

// ParseFieldTime reads a time of a request body in the forms ParseQueryTime
// takes; a failure is a 400 INVALID_FIELD naming field.
func ParseFieldTime(field, s string, loc *time.Location) (time.Time, error) {
	t, _, err := parseTime(CodeInvalidField, field, s, loc)
	return t, err
}

// parseTime is ParseQueryTime answering a failure with code. A time
// outside the calendar (years 1 to 9999 in UTC) is a failure too.
func parseTime(code, name, s string, loc *time.Location) (time.Time, bool, error) {
	layouts := []struct {
		layout   string
		inLoc    bool
		dateOnly bool
	}{{time.RFC3339Nano, false, false}, {"2006-01-02T15:04:05.999999999", true, false}, {time.DateOnly, true, true}}
	for _, l := range layouts {
		var t time.Time
		var err error
		if l.inLoc {
			t, err = time.ParseInLocation(l.layout, s, loc)
		} else {
			t, err = time.Parse(l.layout, s)
		}
		if err != nil {
			continue
		}
		if !InCalendar(t) {
			return time.Time{}, false, Fail(code, "%s must lie between years 1 and 9999 in UTC; got %q", name, s)
		}
		return t.UTC(), l.dateOnly, nil
	}
	return time.Time{}, false, Fail(code, "%s must be like 2022-09-26T00:00:00, 2022-09-26T00:00:00-05:00 or 2022-09-26; got %q", name, s)
}

package tmf

import (
	"errors"
	"testing"
	"time"
)

// FuzzParseQueryTime checks that any input either parses or is a 400 naming
// the parameter, and never panics.
func FuzzParseQueryTime(f *testing.F) {
	for _, s := range []string{"2022-09-26T00:00:00", "2022-09-26T00:00:00-05:00", "2022-09-26T00:00:00Z",
		"2022-09-26", "2022-02-30", "", "2022-09-26T00:00:00.123456789", "9999-12-31T23:59:59+14:00"} {
		f.Add(s)
	}
	jamaica, _ := time.LoadLocation("America/Jamaica")
	f.Fuzz(func(t *testing.T, s string) {
		got, _, err := ParseQueryTime("dateTime.lte", s, jamaica)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Status != 400 || e.Code != CodeInvalidQuery {
				t.Fatalf("ParseQueryTime(%q) error = %v, want a 400 %s", s, err, CodeInvalidQuery)
			}
			return
		}
		if got.Location() != time.UTC {
			t.Fatalf("ParseQueryTime(%q) = %v, not in UTC", s, got)
		}
	})
}

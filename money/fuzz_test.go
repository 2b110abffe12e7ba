package money

import (
	"encoding/json"
	"testing"
)

// FuzzParse checks that any input either fails or round-trips: what Parse
// accepts, String writes back as a value Parse reads to the same amount,
// and the JSON decoder agrees with Parse within ±Max and refuses beyond it.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"0", "-0", "0.1", "5.00", "600.31", "1e2", "5.001", "-", ".5",
		"92233720368547758.07", "92233720368547758.08", "00.10", "1.2.3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := Parse(s)
		if err != nil {
			return
		}
		back, err := Parse(a.String())
		if err != nil || back != a {
			t.Fatalf("Parse(%q) = %d; its String %q parses to %d, %v", s, a, a.String(), back, err)
		}
		if json.Valid([]byte(s)) {
			var j Amount
			err := json.Unmarshal([]byte(s), &j)
			if a.Within() != (err == nil) || (err == nil && j != a) {
				t.Fatalf("json.Unmarshal(%q) = %d, %v; Parse gave %d", s, j, err, a)
			}
		}
	})
}

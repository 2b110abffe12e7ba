package money

import (
	"encoding/json"
	"errors"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in      string
		want    Amount
		wantErr error
	}{
		{in: "0", want: 0},
		{in: "-0", want: 0},
		{in: "0.1", want: 10},
		{in: "0.10", want: 10},
		{in: "5", want: 500},
		{in: "5.00", want: 500},
		{in: "600.31", want: 60031},
		{in: "-0.25", want: -25},
		{in: "92233720368547758.07", want: math.MaxInt64},
		{in: "-92233720368547758.07", want: -math.MaxInt64},
		{in: "92233720368547758.08", wantErr: ErrRange},
		{in: "99999999999999999999999", wantErr: ErrRange},
		{in: "5.001", wantErr: ErrPrecision},
		{in: "5.000", wantErr: ErrPrecision},
		{in: "1e2", wantErr: ErrSyntax},
		{in: "1E2", wantErr: ErrSyntax},
		{in: "", wantErr: ErrSyntax},
		{in: "-", wantErr: ErrSyntax},
		{in: "+5", wantErr: ErrSyntax},
		{in: ".5", wantErr: ErrSyntax},
		{in: "5.", wantErr: ErrSyntax},
		{in: " 5", wantErr: ErrSyntax},
		{in: "5 ", wantErr: ErrSyntax},
		{in: "NaN", wantErr: ErrSyntax},
		{in: `"5.00"`, wantErr: ErrSyntax},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := Parse(tc.in)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("Parse(%q) error = %v, want %v", tc.in, err, tc.wantErr)
			}
			if got != tc.want {
				t.Errorf("Parse(%q) = %d, want %d", tc.in, got, tc.want)
			}
		})
	}
}

func TestString(t *testing.T) {
	tests := []struct {
		in   Amount
		want string
	}{
		{0, "0.00"},
		{5, "0.05"},
		{10, "0.10"},
		{500, "5.00"},
		{60031, "600.31"},
		{-25, "-0.25"},
		{-100, "-1.00"},
		{math.MaxInt64, "92233720368547758.07"},
		{math.MinInt64, "-92233720368547758.08"},
	}
	for _, tc := range tests {
		if got := tc.in.String(); got != tc.want {
			t.Errorf("Amount(%d).String() = %q, want %q", int64(tc.in), got, tc.want)
		}
	}
}

func TestJSONRoundTrip(t *testing.T) {
	type body struct {
		Amount struct {
			Amount Amount `json:"amount"`
			Units  string `json:"units"`
		} `json:"amount"`
	}
	var b body
	if err := json.Unmarshal([]byte(`{"amount":{"amount":5,"units":"JMD"}}`), &b); err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(`{"amount":{"amount":5.00,"units":"JMD"}}`, string(out)); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
}

// TestUnmarshalNamesField checks that a bad amount deep in a body comes back
// as a type error carrying the JSON path, which the body decoder names.
func TestUnmarshalNamesField(t *testing.T) {
	tests := []struct {
		body, wantField, wantValue string
	}{
		{`{"amount":{"amount":5.001}}`, "amount.amount", "5.001"},
		{`{"amount":{"amount":1e2}}`, "amount.amount", "1e2"},
		{`{"amount":{"amount":"5.00"}}`, "amount.amount", `"5.00"`},
		{`{"amount":{"amount":true}}`, "amount.amount", "true"},
	}
	for _, tc := range tests {
		t.Run(tc.body, func(t *testing.T) {
			var b struct {
				Amount struct {
					Amount Amount `json:"amount"`
				} `json:"amount"`
			}
			err := json.Unmarshal([]byte(tc.body), &b)
			var te *json.UnmarshalTypeError
			if !errors.As(err, &te) {
				t.Fatalf("Unmarshal error = %v, want *json.UnmarshalTypeError", err)
			}
			if te.Field != tc.wantField || te.Value != tc.wantValue {
				t.Errorf("field, value = %q, %q; want %q, %q", te.Field, te.Value, tc.wantField, tc.wantValue)
			}
		})
	}
}

func TestMulRate(t *testing.T) {
	tests := []struct {
		name           string
		quantity, rate string
		want           string
		wantErr        error
	}{
		{"exact", "20.00", "0.50", "10.00", nil},
		{"half rounds to even down", "1.25", "0.10", "0.12", nil},
		{"half rounds to even up", "1.35", "0.10", "0.14", nil},
		{"above half", "1.26", "0.10", "0.13", nil},
		{"below half", "1.24", "0.10", "0.12", nil},
		{"zero quantity", "0", "9.99", "0.00", nil},
		{"zero rate", "12.34", "0", "0.00", nil},
		{"negative", "-1.25", "0.10", "-0.12", nil},
		{"overflow", "92233720368547758.07", "2.00", "", ErrRange},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := MulRate(MustParse(tc.quantity), MustParse(tc.rate))
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("error = %v, want %v", err, tc.wantErr)
			}
			if err == nil && got.String() != tc.want {
				t.Errorf("MulRate(%s, %s) = %s, want %s", tc.quantity, tc.rate, got, tc.want)
			}
		})
	}
}

func TestAdd(t *testing.T) {
	if got, err := Add(MustParse("22.59"), MustParse("3.00")); err != nil || got != MustParse("25.59") {
		t.Errorf("Add = %v, %v; want 25.59", got, err)
	}
	if _, err := Add(math.MaxInt64, 1); !errors.Is(err, ErrRange) {
		t.Errorf("Add overflow error = %v, want ErrRange", err)
	}
	if _, err := Add(math.MinInt64, -1); !errors.Is(err, ErrRange) {
		t.Errorf("Add underflow error = %v, want ErrRange", err)
	}
}

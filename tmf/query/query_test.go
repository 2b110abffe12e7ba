package query

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"prepay/tmf"
)

var testSpec = Spec{
	Attrs: []Attr{
		{Name: "product.id", Indexed: true},
		{Name: "amount.amount", Kind: Amount},
		{Name: "when", Path: "at", Kind: Time},
		{Name: "name"},
	},
	Fields:   []string{"id", "name", "amount", "at"},
	MaxLimit: 10,
}

// TestParse checks what Parse accepts and that each refusal is a 400
// naming the parameter at fault.
func TestParse(t *testing.T) {
	tests := []struct {
		query, wantNamed string // wantNamed empty: accepted
	}{
		{"product.id=1,2&amount.amount.gte=5&when.lt=2022-11-08&sort=-amount.amount,name&fields=name&offset=3&limit=10", ""},
		{"fields=none&name.eq=x", ""},
		{"sort=+name", ""},
		{"sort=%20name", ""},
		{"colour=red", `"colour"`},
		{"amount.amount.ne=1", `"amount.amount.ne"`},
		{"amount.amount=1.001", "amount.amount"},
		{"amount.amount=1e3", "amount.amount"},
		{"amount.amount.gt=1,2", "amount.amount.gt"},
		{"name=a,,b", "name"},
		{"when.gte=yesterday", "when.gte"},
		{"fields=name,colour", `"colour"`},
		{"fields=a&fields=b", "fields"},
		{"sort=colour", `"colour"`},
		{"limit=11", "limit"},
		{"limit=0", "limit"},
		{"offset=-1", "offset"},
	}
	for _, tc := range tests {
		v, err := url.ParseQuery(tc.query)
		if err != nil {
			t.Fatal(err)
		}
		_, err = Parse(v, testSpec, time.UTC)
		if tc.wantNamed == "" {
			if err != nil {
				t.Errorf("Parse(%q) = %v, want no error", tc.query, err)
			}
			continue
		}
		var e *tmf.Error
		if !errors.As(err, &e) || e.Status != 400 || e.Code != tmf.CodeInvalidQuery || !strings.Contains(e.Message, tc.wantNamed) {
			t.Errorf("Parse(%q) = %v, want a 400 naming %s", tc.query, err, tc.wantNamed)
		}
	}
}

// TestSelect checks comparisons by kind, alternatives, missing attributes,
// the sort's tie order and paging on a few records.
func TestSelect(t *testing.T) {
	records := [][]byte{
		[]byte(`{"id":"a","name":"x","amount":{"amount":5.50},"at":"2022-11-08T00:25:18.000-05:00"}`),
		[]byte(`{"id":"b","name":"y","amount":{"amount":10.00},"at":"2022-11-09T00:00:00.000-05:00"}`),
		[]byte(`{"id":"c","name":"x","amount":{"amount":5.5}}`),
		[]byte(`{"id":"d","name":"z","amount":[{"amount":1.00},{"amount":20.00}],"at":"2022-11-07T23:59:59.999-05:00"}`),
	}
	tests := []struct {
		query   string
		want    []string
		wantTot int
	}{
		{"amount.amount=5.5", []string{"a", "c"}, 2},
		{"amount.amount.gt=9.99", []string{"b", "d"}, 2}, // d: any of its amounts
		{"name=x,z", []string{"a", "c", "d"}, 3},
		{"when=2022-11-08", []string{"a"}, 1}, // a bare date is the whole day, in the zone
		{"when.lt=2022-11-08", []string{"d"}, 1},
		{"when.gt=2022-11-08", []string{"b"}, 1},
		{"sort=-amount.amount", []string{"b", "a", "c", "d"}, 4}, // d sorts by its first amount; a before c, as given
		{"sort=when", []string{"c", "d", "a", "b"}, 4},           // no time sorts first
		{"sort=name&offset=1&limit=2", []string{"c", "b"}, 4},
	}
	for _, tc := range tests {
		v, _ := url.ParseQuery(tc.query)
		q, err := Parse(v, testSpec, time.FixedZone("", -5*3600))
		if err != nil {
			t.Fatal(err)
		}
		page, total, err := q.Select(records)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, p := range page {
			got = append(got, string(p[7:8]))
		}
		if diff := cmp.Diff(tc.want, got); diff != "" || total != tc.wantTot {
			t.Errorf("%s: total %d (want %d), ids (-want +got):\n%s", tc.query, total, tc.wantTot, diff)
		}
	}
}

// TestProject keeps the record's order and its identity members.
func TestProject(t *testing.T) {
	rec := []byte(`{"name":"x","id":"a","amount":{"amount":5.50},"href":"/a","@type":"T"}`)
	tests := []struct {
		fields []string
		want   string
	}{
		{nil, string(rec)},
		{[]string{}, `{"id":"a","href":"/a","@type":"T"}`},
		{[]string{"amount", "name"}, `{"name":"x","id":"a","amount":{"amount":5.50},"href":"/a","@type":"T"}`},
	}
	for _, tc := range tests {
		got, err := Project(rec, tc.fields)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tc.want, string(got)); diff != "" {
			t.Errorf("Project(%v) (-want +got):\n%s", tc.fields, diff)
		}
	}
}

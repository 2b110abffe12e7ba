package storage

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"prepay/tmf"
)

// selfEncoded is a resource with its own AppendJSON, as ledger's are.
type selfEncoded struct {
	ID   string `json:"id"`
	Note string `json:"note"`
}

func (r selfEncoded) AppendJSON(b []byte) ([]byte, error) {
	w := tmf.JSONWriter{B: b}
	w.Pair("id", r.ID, "note", r.Note)
	return w.B, w.Err
}

// TestEventEncodingIsJSONMarshal: the envelope and the stored event,
// assembled by hand, are what json.Marshal gives for them, byte for byte —
// strings that need escaping, HTML characters, invalid UTF-8, no products.
func TestEventEncodingIsJSONMarshal(t *testing.T) {
	jamaica, _ := time.LoadLocation("America/Jamaica")
	type envelope struct { // the envelope as json.Marshal sees it
		EventID       string                     `json:"eventId"`
		EventTime     tmf.Millis                 `json:"eventTime"`
		EventType     string                     `json:"eventType"`
		CorrelationID string                     `json:"correlationId"`
		Domain        string                     `json:"domain"`
		Event         map[string]json.RawMessage `json:"event"`
	}
	tests := []struct {
		name string
		seq  uint64
		e    NewEvent
	}{
		{"a top-up", 1, NewEvent{BusinessID: "JM", Type: "TopupBalanceCreateEvent", Time: time.Date(2026, 12, 2, 9, 0, 0, 123456789, time.UTC),
			Loc: jamaica, CorrelationID: "abc-1", Name: "topupBalance", Resource: map[string]any{"id": "1", "amount": 1.5}, ProductIDs: []string{"32970253"}}},
		{"escapes", 1<<64 - 1, NewEvent{BusinessID: `J"M<>&`, Type: "T\u2028", Time: time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
			Loc: time.UTC, CorrelationID: "a\x00b\xffc\"</script>", Name: "bucket", Resource: []string{"<&>"}, ProductIDs: []string{"p\"1", "é"}}},
		{"a resource that encodes itself", 7, NewEvent{BusinessID: "JM", Type: "TopupBalanceCreateEvent", Time: time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC),
			Loc: jamaica, Name: "topupBalance", Resource: selfEncoded{ID: "7", Note: "<&>"}}},
		{"no products", 0, NewEvent{BusinessID: "KY", Type: "BucketStateChangeEvent", Time: time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC),
			Loc: jamaica, Name: "bucket", Resource: nil}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := json.Marshal(tc.e.Resource)
			if err != nil {
				t.Fatal(err)
			}
			want, err := json.Marshal(envelope{EventID: EventID(tc.seq), EventTime: tmf.Millis{Time: tc.e.Time, Loc: tc.e.Loc}, EventType: tc.e.Type,
				CorrelationID: tc.e.CorrelationID, Domain: EventDomain, Event: map[string]json.RawMessage{tc.e.Name: res}})
			if err != nil {
				t.Fatal(err)
			}
			got, err := appendEnvelope(nil, tc.seq, tc.e)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(want), string(got)); diff != "" {
				t.Errorf("envelope (-json.Marshal +by hand):\n%s", diff)
			}
			ev := Event{Seq: tc.seq, BusinessID: tc.e.BusinessID, Type: tc.e.Type, ProductIDs: tc.e.ProductIDs, Envelope: got}
			wantEv, err := json.Marshal(ev)
			if err != nil {
				t.Fatal(err)
			}
			gotEv, _ := ev.appendJSON(nil)
			if diff := cmp.Diff(string(wantEv), string(gotEv)); diff != "" {
				t.Errorf("event (-json.Marshal +by hand):\n%s", diff)
			}
		})
	}
}

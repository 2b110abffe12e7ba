package history

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"prepay/storage"
)

// TestParseQueryWindow checks the window each date form selects, in a zone
// with daylight saving time, where a day can be 23 or 25 hours long. The
// window is at the millisecond the index keys hold.
func TestParseQueryWindow(t *testing.T) {
	store, _ := newServer(t)
	btc, err := store.Default().BusinessUnit("BTC") // America/Nassau
	if err != nil {
		t.Fatal(err)
	}
	nassau := btc.Location()
	tests := []struct {
		name, gte, lte string
		wantFrom       time.Time
		wantTo         time.Time
	}{
		{name: "local times", gte: "2022-11-08T00:00:00", lte: "2022-11-08T12:30:00.250",
			wantFrom: time.Date(2022, 11, 8, 0, 0, 0, 0, nassau), wantTo: time.Date(2022, 11, 8, 12, 30, 0, 250e6, nassau)},
		{name: "bare dates: the whole day", gte: "2022-11-08", lte: "2022-11-08",
			wantFrom: time.Date(2022, 11, 8, 0, 0, 0, 0, nassau), wantTo: time.Date(2022, 11, 9, 0, 0, 0, 0, nassau).Add(-time.Nanosecond)},
		{name: "23-hour day (DST starts)", gte: "2022-03-13", lte: "2022-03-13",
			wantFrom: time.Date(2022, 3, 13, 0, 0, 0, 0, nassau), wantTo: time.Date(2022, 3, 13, 5, 0, 0, 0, time.UTC).Add(23*time.Hour - time.Nanosecond)},
		{name: "25-hour day (DST ends)", gte: "2022-11-06", lte: "2022-11-06",
			wantFrom: time.Date(2022, 11, 6, 0, 0, 0, 0, nassau), wantTo: time.Date(2022, 11, 6, 4, 0, 0, 0, time.UTC).Add(25*time.Hour - time.Nanosecond)},
		{name: "offsets as given", gte: "2022-11-07T20:00:00Z", lte: "2022-11-08T00:00:00+01:00",
			wantFrom: time.Date(2022, 11, 7, 20, 0, 0, 0, time.UTC), wantTo: time.Date(2022, 11, 7, 23, 0, 0, 0, time.UTC)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, _, err := parseQuery("product.id=1&@type=TopupBalance&dateTime.gte="+tc.gte+"&dateTime.lte="+tc.lte, btc)
			if err != nil {
				t.Fatal(err)
			}
			want := storage.ActionWindow{BusinessID: "BTC", ProductID: "1", From: tc.wantFrom.UTC(), To: tc.wantTo.UTC().Truncate(time.Millisecond), Limit: maxLimit}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("window (-want +got):\n%s", diff)
			}
		})
	}
}

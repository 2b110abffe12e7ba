package tmf

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"prepay/money"
)

func TestWriteErrorShape(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string
	}{
		{
			name: "tmf error",
			err:  Fail(CodeInvalidLOB, "lob must be one of PREPAID, POSTPAID, FIXED; got %q", "prepay"),
			want: `{"code":"INVALID_LOB","reason":"Invalid header lob","message":"lob must be one of PREPAID, POSTPAID, FIXED; got \"prepay\"","status":"400","@type":"Error"}` + "\n",
		},
		{
			name: "wrapped tmf error",
			err:  errorsJoin(Fail(CodeUnknownService, "no service %q", "1")),
			want: `{"code":"UNKNOWN_SERVICE","reason":"Unknown service","message":"no service \"1\"","status":"404","@type":"Error"}` + "\n",
		},
		{
			name: "internal error hides its text",
			err:  errors.New("open /var/lib/prepay.db: bbolt: database not open"),
			want: `{"code":"INTERNAL_ERROR","reason":"Internal error","message":"the server could not complete the request","status":"500","@type":"Error"}` + "\n",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			WriteError(rec, httptest.NewRequest("GET", "/", nil), tc.err)
			if diff := cmp.Diff(tc.want, rec.Body.String()); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
			if got := rec.Header().Get("Content-Type"); got != ContentType {
				t.Errorf("Content-Type = %q", got)
			}
		})
	}
}

func errorsJoin(err error) error { return errors.Join(errors.New("context"), err) }

func TestDecodeBody(t *testing.T) {
	type body struct {
		Voucher string `json:"voucher"`
		Amount  struct {
			Amount money.Amount `json:"amount"`
		} `json:"amount"`
		Count int `json:"count"`
	}
	tests := []struct {
		name        string
		contentType string
		body        string
		wantStatus  int
		wantCode    string
		wantMessage string
	}{
		{name: "ok with unknown fields", contentType: "application/json", body: `{"voucher":"1","@schemaLocation":"x","amount":{"amount":5}}`},
		{name: "charset parameter", contentType: "application/json; charset=utf-8", body: `{}`},
		{name: "no content type", contentType: "", body: `{}`, wantStatus: 415, wantCode: CodeUnsupportedMediaType},
		{name: "text", contentType: "text/plain", body: `{}`, wantStatus: 415, wantCode: CodeUnsupportedMediaType,
			wantMessage: `Content-Type must be application/json; got "text/plain"`},
		{name: "too large", contentType: "application/json", body: `{"voucher":"` + strings.Repeat("1", MaxBodyBytes) + `"}`,
			wantStatus: 413, wantCode: CodeBodyTooLarge},
		{name: "trailing comma", contentType: "application/json", body: `{"voucher":"1",}`, wantStatus: 400, wantCode: CodeMalformedBody},
		{name: "two values", contentType: "application/json", body: `{} {}`, wantStatus: 400, wantCode: CodeMalformedBody},
		{name: "empty", contentType: "application/json", body: ``, wantStatus: 400, wantCode: CodeMalformedBody},
		{name: "wrong type", contentType: "application/json", body: `{"voucher":123}`, wantStatus: 400, wantCode: CodeInvalidField,
			wantMessage: "voucher must be a string; got number"},
		{name: "three decimals", contentType: "application/json", body: `{"amount":{"amount":5.001}}`, wantStatus: 400, wantCode: CodeInvalidField,
			wantMessage: "amount.amount must be a number with at most 2 decimal places, from -1000000000.00 to 1000000000.00; got 5.001"},
		{name: "exponent", contentType: "application/json", body: `{"amount":{"amount":1e2}}`, wantStatus: 400, wantCode: CodeInvalidField,
			wantMessage: "amount.amount must be a number with at most 2 decimal places, from -1000000000.00 to 1000000000.00; got 1e2"},
		{name: "integer field", contentType: "application/json", body: `{"count":"x"}`, wantStatus: 400, wantCode: CodeInvalidField,
			wantMessage: "count must be an integer; got string"},
		{name: "array body", contentType: "application/json", body: `[]`, wantStatus: 400, wantCode: CodeInvalidField,
			wantMessage: "body must be an object; got array"},
		{name: "amount past the bound", contentType: "application/json", body: `{"amount":{"amount":92233720368547758.07}}`,
			wantStatus: 400, wantCode: CodeInvalidField,
			wantMessage: "amount.amount must be a number with at most 2 decimal places, from -1000000000.00 to 1000000000.00; got 92233720368547758.07"},
		{name: "key in another case beside the key", contentType: "application/json",
			body: `{"amount":{"amount":5},"AMOUNT":{"amount":300}}`, wantStatus: 400, wantCode: CodeMalformedBody,
			wantMessage: "the key AMOUNT differs from the field amount only in case; keys match exactly"},
		{name: "key in another case alone", contentType: "application/json",
			body: `{"Voucher":"1"}`, wantStatus: 400, wantCode: CodeMalformedBody,
			wantMessage: "the key Voucher differs from the field voucher only in case; keys match exactly"},
		{name: "nested key in another case", contentType: "application/json",
			body: `{"amount":{"Amount":5}}`, wantStatus: 400, wantCode: CodeMalformedBody,
			wantMessage: "the key amount.Amount differs from the field amount only in case; keys match exactly"},
		{name: "null in another case", contentType: "application/json",
			body: `{"voucher":"1","VOUCHER":null}`, wantStatus: 400, wantCode: CodeMalformedBody,
			wantMessage: "the key VOUCHER differs from the field voucher only in case; keys match exactly"},
		{name: "duplicate key", contentType: "application/json",
			body: `{"voucher":"1","voucher":"2"}`, wantStatus: 400, wantCode: CodeMalformedBody,
			wantMessage: "the key voucher appears twice in one object"},
		{name: "duplicate nested key", contentType: "application/json",
			body: `{"amount":{"amount":5,"amount":300}}`, wantStatus: 400, wantCode: CodeMalformedBody,
			wantMessage: "the key amount.amount appears twice in one object"},
		{name: "duplicate unknown key", contentType: "application/json",
			body: `{"@type":"a","@type":"b"}`, wantStatus: 400, wantCode: CodeMalformedBody,
			wantMessage: "the key @type appears twice in one object"},
		{name: "duplicate escaped key", contentType: "application/json",
			body: `{"voucher":"1","vouche\u0072":"2"}`, wantStatus: 400, wantCode: CodeMalformedBody,
			wantMessage: "the key voucher appears twice in one object"},
		{name: "duplicate key inside an array", contentType: "application/json",
			body: `{"list":[{"id":"1"},{"id":"1","id":"2"}]}`, wantStatus: 400, wantCode: CodeMalformedBody,
			wantMessage: "the key list[1].id appears twice in one object"},
		{name: "huge key clipped", contentType: "application/json",
			body: `{"` + strings.Repeat("k", 100) + `":1,"` + strings.Repeat("k", 100) + `":2}`, wantStatus: 400, wantCode: CodeMalformedBody,
			wantMessage: "the key " + strings.Repeat("k", 64) + "… appears twice in one object"},
		{name: "same key in two objects", contentType: "application/json", body: `{"amount":{"amount":5},"x":{"amount":1}}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest("POST", "/", strings.NewReader(tc.body))
			if tc.contentType != "" {
				req.Header.Set("Content-Type", tc.contentType)
			}
			var b body
			err := DecodeBody(httptest.NewRecorder(), req, &b)
			if tc.wantStatus == 0 {
				if err != nil {
					t.Fatalf("DecodeBody = %v, want nil", err)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("DecodeBody = %v, want *Error", err)
			}
			if e.Status != tc.wantStatus || e.Code != tc.wantCode {
				t.Errorf("status, code = %d %s; want %d %s (%s)", e.Status, e.Code, tc.wantStatus, tc.wantCode, e.Message)
			}
			if tc.wantMessage != "" && e.Message != tc.wantMessage {
				t.Errorf("message = %q, want %q", e.Message, tc.wantMessage)
			}
		})
	}
}

// TestDecodeBodyStopsReading checks that a huge body announced by its
// length is refused without being read.
func TestDecodeBodyStopsReading(t *testing.T) {
	r := &countingReader{}
	req := httptest.NewRequest("POST", "/", r)
	req.ContentLength = 10 << 20
	req.Header.Set("Content-Type", "application/json")
	err := DecodeBody(httptest.NewRecorder(), req, &struct{}{})
	var e *Error
	if !errors.As(err, &e) || e.Status != 413 {
		t.Fatalf("DecodeBody = %v, want 413", err)
	}
	if r.n > 0 {
		t.Errorf("read %d bytes of a body announced too large", r.n)
	}
}

type countingReader struct{ n int }

func (c *countingReader) Read(p []byte) (int, error) {
	c.n += len(p)
	for i := range p {
		p[i] = ' '
	}
	return len(p), nil
}

func TestTimeFormats(t *testing.T) {
	jamaica, _ := time.LoadLocation("America/Jamaica")
	nassau, _ := time.LoadLocation("America/Nassau") // observes DST
	at := time.Date(2022, 11, 8, 5, 25, 18, 0, time.UTC)
	summer := time.Date(2022, 7, 1, 4, 0, 0, 0, time.UTC)
	tests := []struct {
		name, got, want string
	}{
		{"millis Jamaica", FormatMillis(at, jamaica), "2022-11-08T00:25:18.000-05:00"},
		{"seconds Jamaica", FormatSeconds(at, jamaica), "2022-11-08T00:25:18-05:00"},
		{"millis Nassau winter", FormatMillis(at, nassau), "2022-11-08T00:25:18.000-05:00"},
		{"millis Nassau summer (DST)", FormatMillis(summer, nassau), "2022-07-01T00:00:00.000-04:00"},
		{"Jamaica has no DST", FormatMillis(summer, jamaica), "2022-06-30T23:00:00.000-05:00"},
		{"UTC writes an offset, not Z", FormatSeconds(at, time.UTC), "2022-11-08T05:25:18+00:00"},
		{"millisecond kept", FormatMillis(at.Add(7*time.Millisecond+999*time.Microsecond), time.UTC), "2022-11-08T05:25:18.007+00:00"},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("%s: got %s, want %s", tc.name, tc.got, tc.want)
		}
	}
	b, _ := json.Marshal(Millis{Time: at, Loc: jamaica})
	if string(b) != `"2022-11-08T00:25:18.000-05:00"` {
		t.Errorf("Millis JSON = %s", b)
	}
}

// TestAppendWire: the hand-written formats are time.Format's for both
// layouts, on the edges of the calendar (in zones that move them into
// years 0 and 10000), and on 20,000 random times in zones with half-hour,
// quarter-hour and whole-second offsets, summer time and local mean time.
func TestAppendWire(t *testing.T) {
	var zones []*time.Location
	for _, name := range []string{"UTC", "America/Jamaica", "America/Nassau", "America/St_Johns", "Asia/Kolkata", "Pacific/Chatham", "Pacific/Kiritimati", "Africa/Monrovia"} {
		loc, err := time.LoadLocation(name)
		if err != nil {
			t.Fatal(err)
		}
		zones = append(zones, loc)
	}
	zones = append(zones, time.FixedZone("LMT", -(4*3600+56*60+2)), time.FixedZone("", 14*3600))
	check := func(at time.Time) {
		t.Helper()
		for _, c := range []struct {
			layout string
			millis bool
		}{{layoutSeconds, false}, {layoutMillis, true}} {
			if got, want := string(appendWire([]byte("x"), at, c.millis)), "x"+at.Format(c.layout); got != want {
				t.Fatalf("appendWire(%v, millis %v) = %s, want %s", at, c.millis, got, want)
			}
		}
	}
	for _, loc := range zones {
		for _, at := range []time.Time{calendarStart, calendarEnd.Add(-time.Nanosecond), ClockLatest,
			time.Date(2022, 11, 8, 5, 25, 18, 999_999_999, time.UTC), time.Date(1850, 6, 1, 12, 0, 0, 0, time.UTC)} {
			check(at.In(loc))
		}
	}
	r := rand.New(rand.NewPCG(19, 8))
	first, span := calendarStart.Unix(), calendarEnd.Unix()-calendarStart.Unix() // beyond a time.Duration
	for range 20000 {
		at := time.Unix(first+r.Int64N(span), r.Int64N(1e9))
		check(at.In(zones[r.IntN(len(zones))]))
	}
}

func TestParseQueryTime(t *testing.T) {
	jamaica, _ := time.LoadLocation("America/Jamaica")
	tests := []struct {
		in           string
		want         time.Time
		wantDateOnly bool
		wantErr      bool
	}{
		{in: "2022-09-26T00:00:00", want: time.Date(2022, 9, 26, 5, 0, 0, 0, time.UTC)},
		{in: "2022-09-26T00:00:00.5", want: time.Date(2022, 9, 26, 5, 0, 0, 5e8, time.UTC)},
		{in: "2022-09-26T00:00:00-05:00", want: time.Date(2022, 9, 26, 5, 0, 0, 0, time.UTC)},
		{in: "2022-09-26T00:00:00Z", want: time.Date(2022, 9, 26, 0, 0, 0, 0, time.UTC)},
		{in: "2022-09-26T00:00:00.000+01:00", want: time.Date(2022, 9, 25, 23, 0, 0, 0, time.UTC)},
		{in: "2022-09-26", want: time.Date(2022, 9, 26, 5, 0, 0, 0, time.UTC), wantDateOnly: true},
		{in: "2022-9-26", wantErr: true},
		{in: "26/09/2022", wantErr: true},
		{in: "2022-02-30", wantErr: true},
		{in: "", wantErr: true},
		{in: "2022-09-26T25:00:00", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, dateOnly, err := ParseQueryTime("dateTime.gte", tc.in, jamaica)
			if tc.wantErr {
				var e *Error
				if !errors.As(err, &e) || e.Status != 400 || !strings.Contains(e.Message, "dateTime.gte") {
					t.Fatalf("ParseQueryTime(%q) error = %v, want a 400 naming the parameter", tc.in, err)
				}
				return
			}
			if err != nil || !got.Equal(tc.want) || dateOnly != tc.wantDateOnly {
				t.Errorf("ParseQueryTime(%q) = %v, %v, %v; want %v, %v", tc.in, got, dateOnly, err, tc.want, tc.wantDateOnly)
			}
		})
	}
}

func TestCorrelate(t *testing.T) {
	tests := []struct {
		name      string
		header    map[string]string
		wantID    string
		wantGiven bool
		wantCode  int
	}{
		{name: "X-Correlation-ID", header: map[string]string{"X-Correlation-ID": "abc-1"}, wantID: "abc-1", wantGiven: true},
		{name: "Correlation-ID", header: map[string]string{"Correlation-ID": "abc-2"}, wantID: "abc-2", wantGiven: true},
		{name: "both, X- wins", header: map[string]string{"X-Correlation-ID": "x", "Correlation-ID": "y"}, wantID: "x", wantGiven: true},
		{name: "none: a UUID is made"},
		{name: "too long", header: map[string]string{"X-Correlation-ID": strings.Repeat("a", 129)}, wantCode: 400},
	}
	logger := slog.New(slog.NewJSONHandler(io.Discard, nil))
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var seen *Request
			h := Correlate(logger)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				seen = FromContext(r.Context())
			}))
			req := httptest.NewRequest("GET", "/", nil)
			for k, v := range tc.header {
				req.Header.Set(k, v)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			echoed := rec.Header().Get("X-Correlation-ID")
			if tc.wantCode != 0 {
				if rec.Code != tc.wantCode || seen != nil || len(echoed) != 36 {
					t.Fatalf("code %d, handler reached %v, echoed %q", rec.Code, seen != nil, echoed)
				}
				return
			}
			if tc.wantID == "" {
				if len(echoed) != 36 || echoed[14] != '4' {
					t.Errorf("made id %q is not a version 4 UUID", echoed)
				}
			} else if echoed != tc.wantID {
				t.Errorf("echoed %q, want %q", echoed, tc.wantID)
			}
			if seen.CorrelationID != echoed || seen.CorrelationGiven != tc.wantGiven {
				t.Errorf("context has %q given=%v; want %q given=%v", seen.CorrelationID, seen.CorrelationGiven, echoed, tc.wantGiven)
			}
		})
	}
}

func TestRecoverAnswersPanic(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, nil))
	h := Recover(logger)(Correlate(logger)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		panic("boom at /secret/path")
	})))
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("X-Correlation-ID", "panic-1")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 500 || strings.Contains(rec.Body.String(), "secret") || !strings.Contains(rec.Body.String(), `"code":"INTERNAL_ERROR"`) {
		t.Errorf("answer = %d %s", rec.Code, rec.Body)
	}
	if !strings.Contains(logs.String(), `"correlation_id":"panic-1"`) || !strings.Contains(logs.String(), "boom") {
		t.Errorf("panic log lacks the correlation id or the panic: %s", logs.String())
	}
}

func TestLogRequests(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, nil))
	mux := http.NewServeMux()
	mux.HandleFunc("GET /items/{id}", func(w http.ResponseWriter, r *http.Request) {
		FromContext(r.Context()).ClientID = "client-1"
		WriteRaw(w, 200, []byte(`{}`))
	})
	var observed []string
	observe := func(pattern string, status int, d time.Duration) {
		observed = append(observed, pattern, http.StatusText(status))
	}
	h := Correlate(logger)(LogRequests(logger, observe)(Routes(mux)))
	for _, target := range []string{"/items/7", "/missing"} {
		req := httptest.NewRequest("GET", target, nil)
		req.Header.Set("X-Correlation-ID", "log-1")
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
	var lines []map[string]any
	for _, l := range bytes.Split(bytes.TrimSpace(logs.Bytes()), []byte("\n")) {
		var m map[string]any
		if err := json.Unmarshal(l, &m); err != nil {
			t.Fatalf("log line is not JSON: %s", l)
		}
		delete(m, "time")
		delete(m, "duration_us")
		lines = append(lines, m)
	}
	want := []map[string]any{
		{"level": "INFO", "msg": "request", "method": "GET", "route": "GET /items/{id}", "status": 200.0,
			"bytes": 3.0, "client_id": "client-1", "correlation_id": "log-1"},
		{"level": "INFO", "msg": "request", "method": "GET", "route": "unmatched", "status": 404.0,
			"bytes": 113.0, "client_id": "", "correlation_id": "log-1"},
	}
	if diff := cmp.Diff(want, lines); diff != "" {
		t.Errorf("log lines (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"GET /items/{id}", "OK", "unmatched", "Not Found"}, observed); diff != "" {
		t.Errorf("observed (-want +got):\n%s", diff)
	}
}

// TestLogRequestsPanic: a handler that panics is answered 500, logged with
// its line and counted like any request, and the server goes on.
func TestLogRequestsPanic(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, nil))
	mux := http.NewServeMux()
	mux.HandleFunc("GET /boom", func(w http.ResponseWriter, r *http.Request) { panic("boom") })
	var observed []int
	observe := func(pattern string, status int, d time.Duration) { observed = append(observed, status) }
	h := Recover(logger)(Correlate(logger)(LogRequests(logger, observe)(Routes(mux))))
	req := httptest.NewRequest("GET", "/boom", nil)
	req.Header.Set("X-Correlation-ID", "boom-1")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 500 || !strings.Contains(rec.Body.String(), `"code":"INTERNAL_ERROR"`) {
		t.Errorf("answer = %d %s", rec.Code, rec.Body)
	}
	var panicked, logged bool
	for _, l := range bytes.Split(bytes.TrimSpace(logs.Bytes()), []byte("\n")) {
		var line map[string]any
		json.Unmarshal(l, &line)
		switch line["msg"] {
		case "panic":
			panicked = line["correlation_id"] == "boom-1"
		case "request":
			logged = line["route"] == "GET /boom" && line["status"] == 500.0 && line["bytes"].(float64) > 0 && line["correlation_id"] == "boom-1"
		}
	}
	if !panicked || !logged {
		t.Errorf("want a panic line and a request line with status 500 and the correlation id; got:\n%s", logs.String())
	}
	if diff := cmp.Diff([]int{500}, observed); diff != "" {
		t.Errorf("observed (-want +got):\n%s", diff)
	}
}

func TestLOB(t *testing.T) {
	tests := []struct {
		lob, wantCode string
	}{
		{"PREPAID", ""}, {"POSTPAID", ""}, {"FIXED", ""},
		{"", CodeMissingHeader}, {"prepay", CodeInvalidLOB}, {"prepaid", CodeInvalidLOB},
	}
	for _, tc := range tests {
		req := httptest.NewRequest("GET", "/", nil)
		if tc.lob != "" {
			req.Header.Set("lob", tc.lob)
		}
		got, err := LOB(req)
		var e *Error
		switch {
		case tc.wantCode == "" && (err != nil || got != tc.lob):
			t.Errorf("LOB(%q) = %q, %v", tc.lob, got, err)
		case tc.wantCode != "" && (!errors.As(err, &e) || e.Code != tc.wantCode || e.Status != 400):
			t.Errorf("LOB(%q) error = %v, want %s", tc.lob, err, tc.wantCode)
		}
	}
}

// TestAppendString: the hand encoders' strings are encoding/json's: the
// listed ones, and thousands of random strings of every byte, weighted
// toward the quotes and backslashes it escapes itself, each after bytes
// already in the buffer.
func TestAppendString(t *testing.T) {
	tests := []string{"", "Data 3MB", `say "hi"`, `back\slash`, `"`, `\`, `\"\\""`, `{"a":"b\"c"}`, "tab\there", "Minutos de día", "<b>&", "\u2028", "bad \xff utf-8"}
	for _, s := range tests {
		t.Run(s, func(t *testing.T) {
			want, _ := json.Marshal(s)
			if diff := cmp.Diff(string(want), string(AppendString(nil, s))); diff != "" {
				t.Errorf("AppendString(%q) differs from encoding/json (-want +got):\n%s", s, diff)
			}
		})
	}
	r := rand.New(rand.NewPCG(19, 7))
	alphabet := []byte("ab\"\\\"\\ <&>\x00\x1f\x7f\xc3\xa9\xff")
	for i := range 10000 {
		b := make([]byte, r.IntN(12))
		for j := range b {
			if r.IntN(4) == 0 {
				b[j] = byte(r.IntN(256))
			} else {
				b[j] = alphabet[r.IntN(len(alphabet))]
			}
		}
		// After something already written, as the encoders call it: a
		// string handed to encoding/json halfway must not keep its start.
		want, _ := json.Marshal(string(b))
		if got := AppendString([]byte(`{"k":`), string(b)); string(got) != `{"k":`+string(want) {
			t.Fatalf("string %d %q: AppendString %s, encoding/json %s", i, b, got, want)
		}
	}
}

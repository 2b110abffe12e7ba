package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"prepay/storage"
	"prepay/tmf"
)

// TestAbuseSlowHeaders opens connections that send part of a request's
// header and stall, or trickle it a byte at a time, and checks that the
// server closes each once its header-read timeout has passed, without an
// answer, while it goes on serving others. Skipped with -short: it waits
// out the timeout (readHeaderTimeout, 5 s).
func TestAbuseSlowHeaders(t *testing.T) {
	if testing.Short() {
		t.Skipf("waits out the %v header-read timeout: skipped with -short", readHeaderTimeout)
	}
	t.Parallel() // it mostly waits
	base, stop := startRun(t, filepath.Join(t.TempDir(), "prepay.db"))
	defer stop()
	addr := strings.TrimPrefix(base, "http://")

	const conns = 20
	type result struct {
		trickle bool
		after   time.Duration
		got     []byte
		err     error
	}
	results := make(chan result, conns)
	start := time.Now()
	for i := range conns {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		trickle := i%2 == 1
		go func() {
			defer c.Close()
			if _, err := io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: prepay\r\nX-Slow: "); err != nil {
				results <- result{trickle: trickle, err: err}
				return
			}
			done := make(chan struct{})
			defer close(done)
			if trickle {
				go func() {
					tick := time.NewTicker(250 * time.Millisecond)
					defer tick.Stop()
					for {
						select {
						case <-done:
							return
						case <-tick.C:
							if _, err := c.Write([]byte("a")); err != nil {
								return
							}
						}
					}
				}()
			}
			// Our own deadline only bounds the test; the server's must
			// come first.
			c.SetReadDeadline(time.Now().Add(readHeaderTimeout + 10*time.Second))
			got, err := io.ReadAll(c)
			results <- result{trickle: trickle, after: time.Since(start), got: got, err: err}
		}()
	}

	// The stalled connections hold no one else up.
	resp, err := http.Get(base + "/healthz")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("healthz beside %d stalled connections: %v %v", conns, resp, err)
	}
	resp.Body.Close()

	var first, last time.Duration
	for i := range conns {
		r := <-results
		switch {
		case errors.Is(r.err, os.ErrDeadlineExceeded):
			t.Errorf("connection (trickle %v) still open after %v", r.trickle, r.after)
		case len(r.got) > 0:
			t.Errorf("connection (trickle %v) got an answer to half a header: %q", r.trickle, r.got)
		}
		if i == 0 || r.after < first {
			first = r.after
		}
		last = max(last, r.after)
	}
	t.Logf("%d stalled connections closed by the server %v to %v after they opened", conns,
		first.Round(time.Millisecond), last.Round(time.Millisecond))
}

// TestAbuseLargeHeader checks the header-size bound: a header of 64 KiB is
// refused with 431 and the connection closed. net/http answers it itself,
// before any handler runs, so its body is net/http's plain text.
func TestAbuseLargeHeader(t *testing.T) {
	base, stop := startRun(t, filepath.Join(t.TempDir(), "prepay.db"))
	defer stop()
	c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	go io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: prepay\r\nX-Big: "+strings.Repeat("a", 64<<10)+"\r\n\r\n")
	req, _ := http.NewRequest("GET", "/healthz", nil)
	resp, err := http.ReadResponse(bufio.NewReader(c), req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge || !resp.Close {
		t.Errorf("64 KiB header: %s, Connection: close %v; want 431 and close", resp.Status, resp.Close)
	}
}

// TestAbuseLargeBody sends a 10 MB top-up body over a raw connection, a
// 16 KiB piece every millisecond, with a Content-Length and chunked without
// one, and checks that the 413 arrives while most of the body is unsent and
// that the server then hangs up, so the sender cannot push the rest. The
// server reads the 64 KiB it allows (none at all with a Content-Length
// over it), plus at most the 256 KiB net/http drains from a chunked body in
// the hope of reusing the connection; what the sender gets out before the
// hang-up is mostly the kernel's buffers, filling during the half second
// net/http waits between its FIN and its close.
func TestAbuseLargeBody(t *testing.T) {
	base, stop := startRun(t, filepath.Join(t.TempDir(), "prepay.db"))
	defer stop()
	const (
		size  = 10 << 20
		piece = 16 << 10
	)
	for _, chunked := range []bool{false, true} {
		name := map[bool]string{false: "content-length", true: "chunked"}[chunked]
		t.Run(name, func(t *testing.T) {
			c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(20 * time.Second))
			framing := "Content-Length: " + strconv.Itoa(size)
			if chunked {
				framing = "Transfer-Encoding: chunked"
			}
			head := "POST /bot-ux/v1/JM/topupBalance HTTP/1.1\r\nHost: prepay\r\n" +
				"client_id: sandbox-admin\r\nclient_secret: sandbox-admin-secret\r\nlob: PREPAID\r\n" +
				"X-Correlation-ID: abuse-large-" + name + "\r\nContent-Type: application/json\r\n" + framing + "\r\n\r\n"
			if _, err := io.WriteString(c, head); err != nil {
				t.Fatal(err)
			}

			// The sender goes on until the server hangs up or the body is
			// all sent.
			var sent atomic.Int64
			sendErr := make(chan error, 1)
			go func() {
				body := append([]byte(`{"partyAccount":{"id":"18763187057"},"pad":"`), bytes.Repeat([]byte("x"), size)...)[:size]
				tick := time.NewTicker(time.Millisecond)
				defer tick.Stop()
				for off := 0; off < size; off += piece {
					p := body[off:min(off+piece, size)]
					n := len(p)
					if chunked {
						p = append(append([]byte(strconv.FormatInt(int64(n), 16)+"\r\n"), p...), "\r\n"...)
					}
					if _, err := c.Write(p); err != nil {
						sendErr <- err
						return
					}
					sent.Add(int64(n))
					<-tick.C
				}
				sendErr <- nil
			}()

			br := bufio.NewReader(c)
			req, _ := http.NewRequest("POST", "/bot-ux/v1/JM/topupBalance", nil)
			resp, err := http.ReadResponse(br, req)
			sentAtAnswer := sent.Load()
			if err != nil {
				t.Fatalf("no answer: %v", err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			checkTMF(t, resp, body, http.StatusRequestEntityTooLarge)
			if code := tmfCode(body); code != tmf.CodeBodyTooLarge {
				t.Errorf("code %q, want %s", code, tmf.CodeBodyTooLarge)
			}
			if sentAtAnswer == size {
				t.Errorf("the 413 came only after the whole body was sent")
			}
			if !resp.Close {
				t.Errorf("413 without Connection: close")
			}
			err = <-sendErr
			switch {
			case err == nil:
				t.Errorf("the server read the whole %d-byte body", size)
			case errors.Is(err, os.ErrDeadlineExceeded):
				t.Errorf("the server neither read the body nor hung up")
			}
			t.Logf("413 after %d bytes sent; the server hung up after %d (%v)", sentAtAnswer, sent.Load(), err)
		})
	}
}

// abuseCase is one bad request.
type abuseCase struct {
	method, path string
	header       http.Header
	body         string
	want         int // the status; 0 for any 4xx
}

// TestAbuseBadRequestsChangeNothing sends over a thousand distinct bad
// requests across every endpoint — bad credentials, headers, bodies, query
// values, unknown services and vouchers, postpaid top-ups, wrong currencies
// — and checks that each gets its 4xx in TMF630 shape and that the
// database's records are byte for byte what they were. The digest is taken
// with the server stopped, so no write can be on its way.
func TestAbuseBadRequestsChangeNothing(t *testing.T) {
	db := filepath.Join(t.TempDir(), "prepay.db")
	base, stop := startRun(t, db)
	// State the bad requests run into: a redeemed voucher, and a key used.
	if status, body := abuseSend(t, base, abuseCase{method: "POST", path: "/bot-ux/v1/JM/topupBalance",
		header: abuseHeader(asAdmin, "lob", "PREPAID", "X-Correlation-ID", "abuse-setup"), body: seedTopup}); status != 200 {
		t.Fatalf("setup top-up: %d %s", status, body)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	before := digest(t, db)

	cases := abuseCases()
	seen := map[string]bool{}
	for _, c := range cases {
		var k strings.Builder
		fmt.Fprintf(&k, "%s %s\n", c.method, c.path)
		c.header.Write(&k)
		k.WriteString(c.body)
		if seen[k.String()] {
			t.Errorf("case repeated: %s %s %.80s", c.method, c.path, c.body)
		}
		seen[k.String()] = true
	}
	if len(cases) < 1000 {
		t.Fatalf("%d cases, want at least 1000", len(cases))
	}

	// From here to stop, failures are reported with t.Errorf, so the
	// server is always stopped.
	base, stop = startRun(t, db)
	start := time.Now()
	var (
		wg     sync.WaitGroup
		next   atomic.Int64
		mu     sync.Mutex
		counts = map[int]int{}
	)
	for range 8 {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < len(cases); i = int(next.Add(1)) - 1 {
				c := cases[i]
				resp, body := abuseDo(t, base, c)
				if resp == nil {
					continue
				}
				mu.Lock()
				counts[resp.StatusCode]++
				mu.Unlock()
				want := c.want
				selfcare := c.header.Get("client_id") == asSelfcare["client_id"]
				switch {
				case selfcare && resp.StatusCode == http.StatusTooManyRequests:
					want = http.StatusTooManyRequests // its limit is part of the abuse
				case want == http.StatusUnauthorized && tmfCode(body) == "TOO_MANY_FAILURES":
					want = http.StatusTooManyRequests // so is the lockout of guessed secrets
				case want == 0 && resp.StatusCode >= 400 && resp.StatusCode < 500:
					want = resp.StatusCode
				}
				if !checkTMF(t, resp, body, want) {
					t.Errorf("  in answer to %s %s %.120q", c.method, c.path, c.body)
				}
				if bytes.Contains(body, []byte(filepath.Dir(db))) || bytes.Contains(body, []byte("bbolt")) {
					t.Errorf("%s %s: internal detail in the answer: %s", c.method, c.path, body)
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	if resp, err := http.Get(base + "/readyz"); err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("readyz after the abuse: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if after := digest(t, db); !bytes.Equal(before, after) {
		t.Errorf("the database changed: digest %x before, %x after", before, after)
	}
	var summary []string
	for _, s := range slices.Sorted(maps.Keys(counts)) {
		summary = append(summary, fmt.Sprintf("%d×%d", counts[s], s))
	}
	t.Logf("%d distinct bad requests in %v: %s", len(cases), elapsed.Round(time.Millisecond), strings.Join(summary, " "))
}

// digest returns the digest of the records in the file db.
func digest(t *testing.T, db string) []byte {
	t.Helper()
	store, err := storage.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	d, err := store.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// abuseHeader returns base's headers plus pairs, added in order: a name
// may come twice. A name whose value is "-" is left out, even of base.
func abuseHeader(base map[string]string, pairs ...string) http.Header {
	h := http.Header{}
	for k, v := range base {
		h.Set(k, v)
	}
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] == "-" {
			h.Del(pairs[i])
			continue
		}
		h.Add(pairs[i], pairs[i+1])
	}
	return h
}

// abuseDo sends c; a body goes as application/json unless c's header names
// a Content-Type (an empty list: none at all). It returns nil after
// reporting a transport error.
func abuseDo(t *testing.T, base string, c abuseCase) (*http.Response, []byte) {
	req, err := http.NewRequest(c.method, base+c.path, strings.NewReader(c.body))
	if err != nil {
		t.Errorf("%s %s: %v", c.method, c.path, err)
		return nil, nil
	}
	req.Header = c.header.Clone()
	if _, set := c.header["Content-Type"]; !set && c.body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Errorf("%s %s: %v", c.method, c.path, err)
		return nil, nil
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Errorf("%s %s: reading the answer: %v", c.method, c.path, err)
		return nil, nil
	}
	return resp, body
}

func abuseSend(t *testing.T, base string, c abuseCase) (int, []byte) {
	t.Helper()
	resp, body := abuseDo(t, base, c)
	if resp == nil {
		t.FailNow()
	}
	return resp.StatusCode, body
}

// checkTMF reports whether resp is a want answer in TMF630 shape, with its
// status repeated in the body and a message; it says what is wrong if not.
func checkTMF(t *testing.T, resp *http.Response, body []byte, want int) bool {
	t.Helper()
	var e struct {
		Code, Reason, Message, Status string
		Type                          string `json:"@type"`
	}
	err := json.Unmarshal(body, &e)
	switch {
	case resp.StatusCode != want:
		t.Errorf("%s %s: status %d, want %d: %s", resp.Request.Method, resp.Request.URL.Path, resp.StatusCode, want, body)
	case resp.Header.Get("Content-Type") != tmf.ContentType:
		t.Errorf("%s %s: Content-Type %q", resp.Request.Method, resp.Request.URL.Path, resp.Header.Get("Content-Type"))
	case err != nil || e.Code == "" || e.Reason == "" || e.Message == "" || e.Type != "Error" || e.Status != strconv.Itoa(resp.StatusCode):
		t.Errorf("%s %s: not a TMF630 error: %s", resp.Request.Method, resp.Request.URL.Path, body)
	case resp.StatusCode == http.StatusMethodNotAllowed && resp.Header.Get("Allow") == "":
		t.Errorf("%s %s: 405 without Allow", resp.Request.Method, resp.Request.URL.Path)
	default:
		return true
	}
	return false
}

func tmfCode(body []byte) string {
	var e struct{ Code string }
	json.Unmarshal(body, &e)
	return e.Code
}

// Paths of the abuse cases, with %s for the business unit.
const (
	abuseBalances = "/bot-ux/%s/%s/services/%s/realTimeBalances" // version, businessId, serviceNo
	abuseTopup    = "/bot-ux/v1/%s/topupBalance"
	abuseHistory  = "/tmf-api/prepayBalanceManagement/v4/%s/balanceActionHistory"
	abuseService  = "/sandbox/v1/%s/services/%s"
)

// abuseQuery is a valid history query: seed 002's window.
const abuseQuery = "product.id=32970253&dateTime.gte=2022-11-01&dateTime.lte=2022-11-30&@type=TopupBalance"

// abuseCases returns the bad requests, each different from every other.
func abuseCases() []abuseCase {
	var cases []abuseCase
	add := func(want int, method, path string, header http.Header, body string) {
		cases = append(cases, abuseCase{method: method, path: path, header: header, body: body, want: want})
	}
	corr := 0
	// topupAs is the header of a top-up by the client of base, with a
	// correlation id of its own, and more.
	topupAs := func(base map[string]string, more ...string) http.Header {
		corr++
		return abuseHeader(base, append([]string{"lob", "PREPAID", "X-Correlation-ID", fmt.Sprintf("abuse-%d", corr)}, more...)...)
	}
	topup := func(more ...string) http.Header { return topupAs(asAdmin, more...) }
	admin := abuseHeader(asAdmin)
	jm := fmt.Sprintf(abuseTopup, "JM")

	// Every route, with a request that would be good but for bad or
	// insufficient credentials.
	routes := []struct {
		method, path, body string
		bu                 bool // the path has a {businessId}
		admin              bool // the route needs sandbox:admin
	}{
		{"GET", fmt.Sprintf(abuseBalances, "v1", "JM", "18763187057") + "?accountNo=187631870001", "", true, false},
		{"POST", jm, amountTopup("18763187057", "1.00"), true, false},
		{"GET", fmt.Sprintf(abuseHistory, "JM") + "?" + abuseQuery, "", true, false},
		{"PUT", fmt.Sprintf(abuseService, "JM", "18760000001"), sandboxSubscriber, true, true},
		{"GET", fmt.Sprintf(abuseService, "JM", "18763187057"), "", true, true},
		{"DELETE", fmt.Sprintf(abuseService, "JM", "18763187057"), "", true, true},
		{"POST", fmt.Sprintf(abuseService, "JM", "18763187057") + "/usage", `{"bucketId":"1","amount":1.00}`, true, true},
		{"POST", "/sandbox/v1/JM/vouchers", `{"voucher":"123456","amount":5.00}`, true, true},
		{"GET", "/sandbox/v1/JM/vouchers/11112222333344", "", true, true},
		{"POST", "/sandbox/v1/reset", "", false, true},
		{"GET", "/sandbox/v1/clock", "", false, true},
		{"PUT", "/sandbox/v1/clock", `{"now":"2022-11-08T00:25:18-05:00"}`, false, true},
		{"DELETE", "/sandbox/v1/clock", "", false, true},
		{"GET", "/sandbox/v1/faults", "", false, true},
		{"PUT", "/sandbox/v1/faults/slow", `{"route":"topupBalance","latencyMs":10}`, false, true},
		{"DELETE", "/sandbox/v1/faults/slow", "", false, true},
	}
	creds := []map[string]string{
		{},
		{"client_id": "sandbox-admin"},
		{"client_secret": "sandbox-admin-secret"},
		{"client_id": "adm", "client_secret": "sandbox-admin-secret"},
		{"client_id": "sandbox-admin", "client_secret": "abc"},
		{"client_id": "nobody-at-all", "client_secret": "sandbox-admin-secret"},
		{"client_id": "SANDBOX-ADMIN", "client_secret": "sandbox-admin-secret"},
		{"client_id": "sandbox-admin", "client_secret": "jm-selfcare-secret"},
	}
	for _, r := range routes {
		for _, c := range creds {
			add(http.StatusUnauthorized, r.method, r.path, topupAs(c), r.body)
		}
		if r.admin || r.method == "POST" && r.path == jm {
			add(http.StatusForbidden, r.method, r.path, topupAs(asReadonly), r.body)
		}
		if r.admin {
			add(http.StatusForbidden, r.method, r.path, topupAs(asSelfcare), r.body)
		}
		if !r.bu {
			continue
		}
		for _, bu := range []string{"jm", "J", "JMAX", "J1", "J-M"} {
			add(http.StatusBadRequest, r.method, strings.Replace(r.path, "/JM/", "/"+bu+"/", 1), topup(), r.body)
		}
		for _, bu := range []string{"ZZ", "XYZ"} {
			add(http.StatusNotFound, r.method, strings.Replace(r.path, "/JM/", "/"+bu+"/", 1), topup(), r.body)
		}
		if !r.admin {
			add(http.StatusForbidden, r.method, strings.Replace(r.path, "/JM/", "/BTC/", 1), topupAs(asSelfcare), r.body)
		}
	}

	// realTimeBalances.
	services := []struct{ bu, no, lob, account string }{
		{"JM", "18763187057", "PREPAID", "187631870001"},
		{"JM", "18769990001", "FIXED", "187699900001"},
		{"KY", "13459170552", "POSTPAID", "190071170000"},
		{"BTC", "12425550100", "PREPAID", "124255501000"},
	}
	for _, s := range services {
		v1 := fmt.Sprintf(abuseBalances, "v1", s.bu, s.no) + "?accountNo=" + s.account
		for _, v := range []string{"v0", "v3", "V1", "v1.0", "latest"} {
			add(http.StatusNotFound, "GET", fmt.Sprintf(abuseBalances, v, s.bu, s.no), abuseHeader(asAdmin, "lob", s.lob), "")
		}
		for _, lob := range []string{"-", "prepaid", "PREPAY", "Postpaid", "PRE PAID", "*"} {
			add(http.StatusBadRequest, "GET", v1, abuseHeader(asAdmin, "lob", lob), "")
			add(http.StatusBadRequest, "GET", fmt.Sprintf(abuseBalances, "v2", s.bu, s.no), abuseHeader(asAdmin, "lob", lob), "")
		}
		for _, lob := range []string{"PREPAID", "POSTPAID", "FIXED"} {
			if lob != s.lob {
				add(http.StatusNotFound, "GET", v1, abuseHeader(asAdmin, "lob", lob), "")
			}
		}
		add(http.StatusBadRequest, "GET", fmt.Sprintf(abuseBalances, "v1", s.bu, s.no), abuseHeader(asAdmin, "lob", s.lob), "")
		for _, account := range []string{"1", s.account + "0", "187631870002", "x"} {
			add(http.StatusNotFound, "GET", fmt.Sprintf(abuseBalances, "v1", s.bu, s.no)+"?accountNo="+account, abuseHeader(asAdmin, "lob", s.lob), "")
		}
		for _, flag := range []string{"yes", "1", "TRUE", "", "no"} {
			add(http.StatusBadRequest, "GET", v1+"&dataBalancesOnly="+flag, abuseHeader(asAdmin, "lob", s.lob), "")
		}
	}
	for _, no := range []string{"1", "18760000000", "18763187058", "1876318705", "abc", "18763187057x", "%20", "0"} {
		add(http.StatusNotFound, "GET", fmt.Sprintf(abuseBalances, "v2", "JM", no), abuseHeader(asAdmin, "lob", "PREPAID"), "")
	}

	// topupBalance: headers.
	body := amountTopup("18763187057", "1.00")
	add(http.StatusBadRequest, "POST", jm, abuseHeader(asAdmin, "lob", "PREPAID"), body)
	add(http.StatusBadRequest, "POST", jm, abuseHeader(asAdmin, "lob", "PREPAID", "Correlation-ID", "abuse-other-spelling"), body)
	add(http.StatusBadRequest, "POST", jm, abuseHeader(asAdmin, "lob", "PREPAID", "X-Correlation-ID", strings.Repeat("c", 129)), body)
	for _, lob := range []string{"-", "prepaid", "PREPAY", "Prepaid", "PREPAID,FIXED"} {
		add(http.StatusBadRequest, "POST", jm, topup("lob", "-", "lob", lob), body)
	}
	for _, key := range []string{"", `""`, strings.Repeat("k", 256), `"` + strings.Repeat("k", 256) + `"`} {
		add(http.StatusBadRequest, "POST", jm, topup("Idempotency-Key", key), body)
	}
	add(http.StatusBadRequest, "POST", jm, topup("Idempotency-Key", "one", "Idempotency-Key", "two"), body)
	for _, ct := range []string{"", "text/plain", "application/xml", "application/jsonx", "multipart/form-data; boundary=x", "json"} {
		add(http.StatusUnsupportedMediaType, "POST", jm, topup("Content-Type", ct), body)
	}
	noType := topup()
	noType["Content-Type"] = nil
	add(http.StatusUnsupportedMediaType, "POST", jm, noType, body)

	// topupBalance: bodies that are not one JSON value.
	for n := 0; n < len(seedTopup); n++ {
		add(http.StatusBadRequest, "POST", jm, topup("Content-Type", "application/json"), seedTopup[:n])
	}
	for _, tail := range []string{"x", "{}", ",", "]", "\n{}", "null"} {
		add(http.StatusBadRequest, "POST", jm, topup(), seedTopup+tail)
	}
	add(http.StatusBadRequest, "POST", jm, topup(), strings.Replace(seedTopup, `"@type": "Core"`, `"@type": "Core",`, 1))
	add(http.StatusRequestEntityTooLarge, "POST", jm, topup(), amountTopup("18763187057", "1", `"pad":"`+strings.Repeat("x", 64<<10)+`"`))

	// topupBalance: fields of the wrong type or value.
	for _, b := range []string{
		`null`, `[]`, `"topup"`, `1`, `{}`,
		`{"partyAccount":"18763187057","amount":{"amount":1}}`,
		`{"partyAccount":{"id":18763187057},"amount":{"amount":1}}`,
		`{"partyAccount":{"id":""},"amount":{"amount":1}}`,
		`{"partyAccount":{"id":"` + strings.Repeat("1", 65) + `"},"amount":{"amount":1}}`,
		`{"partyAccount":{"id":"18763187057","@type":"msisdn"},"amount":{"amount":1}}`,
		`{"partyAccount":{"id":"18763187057","@type":7},"amount":{"amount":1}}`,
		`{"partyAccount":{"id":"18763187057"}}`,
		`{"partyAccount":{"id":"18763187057"},"amount":1}`,
		`{"partyAccount":{"id":"18763187057"},"amount":{}}`,
		`{"partyAccount":{"id":"18763187057"},"amount":{"amount":"1.00"}}`,
		`{"partyAccount":{"id":"18763187057"},"amount":{"amount":null}}`,
		`{"partyAccount":{"id":"18763187057"},"amount":{"amount":1,"units":5}}`,
		`{"partyAccount":{"id":"18763187057"},"voucher":""}`,
		`{"partyAccount":{"id":"18763187057"},"voucher":"12a4"}`,
		`{"partyAccount":{"id":"18763187057"},"voucher":"-1"}`,
		`{"partyAccount":{"id":"18763187057"},"voucher":"` + strings.Repeat("9", 33) + `"}`,
		`{"partyAccount":{"id":"18763187057"},"voucher":89742282598199}`,
		`{"partyAccount":{"id":"18763187057"},"voucher":null,"amount":{"amount":0}}`,
		`{"partyAccount":{"id":"18763187057"},"amount":{"amount":1},"bucket":"1"}`,
		`{"partyAccount":{"id":"18763187057"},"amount":{"amount":1},"bucket":{"id":""}}`,
		`{"partyAccount":{"id":"18763187057"},"amount":{"amount":1},"bucket":{"id":1}}`,
		`{"partyAccount":{"id":"18763187057"},"amount":{"amount":1},"bucket":{"id":"` + strings.Repeat("b", 65) + `"}}`,
	} {
		add(http.StatusBadRequest, "POST", jm, topup(), b)
	}
	for _, a := range []string{"0", "0.00", "-1", "-0.01", "1.001", "0.005", "1e2", "1E-2", "92233720368547758.08",
		"-92233720368547758.08", "1e400", "0x10", "01", ".5", "5.", "+5", "NaN", "Infinity", `"5"`, "true", "[5]"} {
		add(http.StatusBadRequest, "POST", jm, topup(), amountTopup("18763187057", a))
	}

	// topupBalance: refused on what the store holds, or the currency.
	for _, units := range []string{"USD", "jmd", "BSD", "", "J M D", "JMD "} {
		add(http.StatusUnprocessableEntity, "POST", jm, topup(),
			fmt.Sprintf(`{"partyAccount":{"id":"18763187057"},"amount":{"amount":1,"units":%q}}`, units))
	}
	for _, no := range []string{"1", "18760000000", "18763187058", "1876318705", "187631870570", "12425550100", "13459170552"} {
		add(http.StatusNotFound, "POST", jm, topup(), amountTopup(no, "1.00"))
	}
	add(http.StatusNotFound, "POST", jm, topup("lob", "-", "lob", "FIXED"), amountTopup("18763187057", "1.00"))
	add(http.StatusNotFound, "POST", jm, topup("lob", "-", "lob", "POSTPAID"), amountTopup("18763187057", "1.00"))
	add(http.StatusNotFound, "POST", jm, topup(), amountTopup("18769990001", "1.00"))
	add(http.StatusNotFound, "POST", jm, topup(), amountTopup("18765550199", "1.00"))
	for _, a := range []string{"1.00", "5.00", "10.00", "0.01", "1000.00"} {
		add(http.StatusUnprocessableEntity, "POST", jm, topup("lob", "-", "lob", "POSTPAID"), amountTopup("18765550199", a))
	}
	for _, v := range []string{"1", "42424242424242", "89742282598198", "11112222333345", "0", "00000000000000",
		"12345678901234567890123456789012", "555566667777", "8974228259819", "898742282598199"} {
		add(http.StatusUnprocessableEntity, "POST", jm, topup(), fmt.Sprintf(`{"partyAccount":{"id":"18763187057"},"voucher":%q}`, v))
	}
	for _, s := range []struct{ no, lob string }{{"18763187057", "PREPAID"}, {"18765544355", "PREPAID"}, {"18769990001", "FIXED"}} {
		add(http.StatusUnprocessableEntity, "POST", jm, topup("lob", "-", "lob", s.lob),
			fmt.Sprintf(`{"partyAccount":{"id":%q},"voucher":"55556666777788"}`, s.no))
		add(http.StatusConflict, "POST", jm, topup("lob", "-", "lob", s.lob),
			fmt.Sprintf(`{"partyAccount":{"id":%q},"voucher":"89742282598199"}`, s.no))
	}
	for _, b := range []string{"99", "21", "32", "2", "abc", "1 "} {
		add(http.StatusUnprocessableEntity, "POST", jm, topup(), amountTopup("18763187057", "1", `"bucket":{"id":"`+b+`"}`))
	}
	for _, a := range []string{"92233720368547757.00", "92233720368547758.07", "92233720368547700.00", "1000000000.01"} {
		add(http.StatusBadRequest, "POST", jm, topup("lob", "-", "lob", "FIXED"), amountTopup("18769990001", a))
	}
	// Within the input bound, past it once added to the balance.
	add(http.StatusUnprocessableEntity, "POST", jm, topup("lob", "-", "lob", "FIXED"), amountTopup("18769990001", "1000000000.00"))
	// Keys another reader would read differently.
	for _, b := range []string{
		`{"partyAccount":{"id":"18763187057"},"amount":{"amount":1.00},"AMOUNT":{"amount":300.00}}`,
		`{"partyAccount":{"id":"18763187057","ID":"18765544355"},"amount":{"amount":1.00}}`,
		`{"partyAccount":{"id":"18763187057"},"voucher":"89742282598199","VOUCHER":null}`,
		`{"partyAccount":{"id":"18763187057"},"amount":{"amount":1.00,"amount":300.00}}`,
		`{"partyAccount":{"id":"18763187057"},"partyAccount":{"id":"18765544355"},"amount":{"amount":1.00}}`,
	} {
		add(http.StatusBadRequest, "POST", jm, topup(), b)
	}
	for i := range 10 {
		// The setup's key, with other bodies.
		add(http.StatusUnprocessableEntity, "POST", jm, abuseHeader(asAdmin, "lob", "PREPAID", "X-Correlation-ID", "abuse-setup"),
			amountTopup("18763187057", fmt.Sprintf("%d.00", i+1)))
	}
	btc := fmt.Sprintf(abuseTopup, "BTC")
	add(http.StatusUnprocessableEntity, "POST", btc, topup(), `{"partyAccount":{"id":"12425550100"},"voucher":"89742282598199"}`)
	add(http.StatusUnprocessableEntity, "POST", btc, topup(), `{"partyAccount":{"id":"12425550100"},"amount":{"amount":1,"units":"JMD"}}`)
	add(http.StatusNotFound, "POST", btc, topup(), `{"partyAccount":{"id":"18763187057"},"amount":{"amount":1}}`)
	for _, bu := range []string{"TT", "BB", "PA", "KY"} {
		stub := fmt.Sprintf(abuseTopup, bu)
		add(http.StatusBadRequest, "POST", stub, topup(), `{"partyAccount":{"id":"18681234567"}}`)
		add(http.StatusBadRequest, "POST", stub, topup(), `{"amount":{"amount":1}}`)
		add(http.StatusUnprocessableEntity, "POST", stub, topup(), `{"partyAccount":{"id":"18681234567"},"amount":{"amount":1,"units":"JMD"}}`)
		add(http.StatusBadRequest, "POST", stub, topup(), seedTopup[:40])
		add(http.StatusBadRequest, "POST", stub, topup("lob", "-"), amountTopup("18681234567", "1.00"))
	}

	// balanceActionHistory.
	history := fmt.Sprintf(abuseHistory, "JM") + "?"
	params := strings.Split(abuseQuery, "&")
	for i := range params {
		without := append(slices.Clone(params[:i]), params[i+1:]...)
		add(http.StatusBadRequest, "GET", history+strings.Join(without, "&"), admin, "")
		name, _, _ := strings.Cut(params[i], "=")
		emptied := slices.Clone(params)
		emptied[i] = name + "="
		add(http.StatusBadRequest, "GET", history+strings.Join(emptied, "&"), admin, "")
		add(http.StatusBadRequest, "GET", history+abuseQuery+"&"+params[i], admin, "")
	}
	for _, d := range []string{"2022-13-01", "2022-02-30", "2022-11-31", "yesterday", "2022/11/01", "01-11-2022",
		"2022-11-01T25:00:00", "2022-11-01T10:61:00", "2022-11-01T10:00", "2022-11-01%2010:00:00", "20221101",
		"2022-11-01T00:00:00-25:00", "2022-11-01T00:00:00+0500", "2022-11-01Z", "1667260800", "2022-W44",
		"%222022-11-01%22", "2022-11-01T00:00:00.Z", "0", "-2022-11-01"} {
		add(http.StatusBadRequest, "GET", history+strings.Replace(abuseQuery, "2022-11-01", d, 1), admin, "")
		add(http.StatusBadRequest, "GET", history+strings.Replace(abuseQuery, "2022-11-30", d, 1), admin, "")
	}
	for _, w := range [][2]string{{"2022-12-01", "2022-11-30"}, {"2022-11-30T00:00:01", "2022-11-30T00:00:00"},
		{"2022-11-08T00:00:00Z", "2022-11-07T23:59:59.999Z"}, {"2030-01-01", "2000-01-01"}} {
		add(http.StatusBadRequest, "GET", history+"product.id=32970253&@type=TopupBalance&dateTime.gte="+w[0]+"&dateTime.lte="+w[1], admin, "")
	}
	for _, v := range []string{"0", "1001", "-1", "abc", "1.5", "10000000000000000000000", "%201", "1e3"} {
		add(http.StatusBadRequest, "GET", history+abuseQuery+"&limit="+v, admin, "")
	}
	for _, v := range []string{"-1", "x", "1.0", "99999999999999999999999", "+-1"} {
		add(http.StatusBadRequest, "GET", history+abuseQuery+"&offset="+v, admin, "")
	}
	for _, v := range []string{"topupBalance", "TOPUPBALANCE", "Action", "TopupBalance%20", "PrepayBalance"} {
		add(http.StatusBadRequest, "GET", history+strings.Replace(abuseQuery, "TopupBalance", v, 1), admin, "")
	}
	for _, q := range []string{"%zz=1&" + abuseQuery, abuseQuery + "&a=%", abuseQuery + ";x=1", "product.id=%ZZ&dateTime.gte=2022-11-01",
		strings.Replace(abuseQuery, "32970253", strings.Repeat("3", 65), 1), strings.Replace(abuseQuery, "32970253", "329%0070253", 1),
		strings.Replace(abuseQuery, "32970253", "32970253%0A", 1)} {
		add(http.StatusBadRequest, "GET", history+q, admin, "")
	}

	// Sandbox.
	svc := fmt.Sprintf(abuseService, "JM", "18760000001")
	for _, m := range [][2]string{
		{`"lob": "PREPAID"`, `"lob": ""`}, {`"lob": "PREPAID"`, `"lob": "prepaid"`}, {`"lob": "PREPAID"`, `"lob": 1`},
		{`"accountNo": 187600000001`, `"accountNo": ""`}, {`"accountNo": 187600000001`, `"accountNo": "18760000000x"`},
		{`"accountNo": 187600000001`, `"accountNo": 1876000000011111`}, {`"accountNo": 187600000001`, `"accountNo": 1.5`},
		{`"accountNo": 187600000001`, `"accountNo": 1e5`}, {`"accountNo": 187600000001`, `"accountNo": -1`},
		{`"accountNo": 187600000001`, `"accountNo": 0187600000001`}, {`"accountNo": 187600000001`, `"accountNo": true`},
		{`"serviceInternalId": "32000001"`, `"serviceInternalId": ""`}, {`"serviceInternalId": "32000001"`, `"serviceInternalId": "32 000001"`},
		{`"owningAccountInternalId": "32800001"`, `"owningAccountInternalId": "32800001/"`},
		{`"id": "1", "name": "Primary Balance"`, `"id": "", "name": "Primary Balance"`},
		{`"id": "21", "name": "Loan Balance"`, `"id": "1", "name": "Loan Balance"`},
		{`"usageType": "Currency", "allowance": 100.00`, `"allowance": 100.00`},
		{`"allowance": 100.00`, `"allowance": -1.00`}, {`"allowance": 100.00`, `"allowance": 1000000000.01`},
		{`"allowance": 100.00`, `"allowance": 100.001`}, {`"allowance": 100.00`, `"allowance": "100"`},
		{`"charges": 24.50`, `"charges": -24.50`}, {`"overageRate": 0.05`, `"overageRate": 0.055`},
		{`"units": "JMD", "type": "Loan"`, `"units": "USD", "type": "Loan"`},
		{`"expiry": "+30d"`, `"expiry": ""`}, {`"expiry": "+30d"`, `"expiry": "30d"`}, {`"expiry": "+30d"`, `"expiry": "+999999d"`},
		{`"expiry": "2027-01-31T23:59:59-05:00"`, `"expiry": "2027-01-31"`},
		{`"name": "Data 1GB"`, `"name": "Data\u00071GB"`},
		{`{"id": "9", "name": "Data usage"`, `{"id": "1", "name": "Data usage"`},
		{`"amount": 24.50}`, `"amount": -24.50}`},
		{`"buckets": [`, `"businessId": "BTC", "buckets": [`}, {`"buckets": [`, `"serviceNo": "18760000002", "buckets": [`},
		{`"buckets": [`, `"buckets": {}, "x": [`},
	} {
		add(http.StatusBadRequest, "PUT", svc, admin, sandboxBody(m[0], m[1]))
	}
	add(http.StatusConflict, "PUT", svc, admin, sandboxBody(`"serviceInternalId": "32000001"`, `"serviceInternalId": "32970253"`))
	for _, no := range []string{"abc", "1234567890123456", "1876-0000001"} {
		add(http.StatusBadRequest, "PUT", fmt.Sprintf(abuseService, "JM", no), admin, sandboxSubscriber)
	}
	add(http.StatusUnsupportedMediaType, "PUT", svc, abuseHeader(asAdmin, "Content-Type", "text/plain"), sandboxSubscriber)
	add(http.StatusBadRequest, "PUT", svc, admin, sandboxSubscriber[:100])
	for _, no := range []string{"18760000001", "1", "18763187058", "13459170552", "x"} {
		add(http.StatusNotFound, "GET", fmt.Sprintf(abuseService, "JM", no), admin, "")
		add(http.StatusNotFound, "DELETE", fmt.Sprintf(abuseService, "JM", no), admin, "")
		add(http.StatusNotFound, "POST", fmt.Sprintf(abuseService, "JM", no)+"/usage", admin, `{"bucketId":"1","amount":1.00}`)
	}
	usage := fmt.Sprintf(abuseService, "JM", "18763187057") + "/usage"
	for _, b := range []string{`{}`, `{"bucketId":"1"}`, `{"amount":1}`, `{"bucketId":"1","amount":0}`, `{"bucketId":"1","amount":-1}`,
		`{"bucketId":"1","amount":1.001}`, `{"bucketId":1,"amount":1}`, `{"bucketId":"1","amount":"1"}`, `{"bucketId":"","amount":1}`,
		`{"bucketId":"1","amount":1000000000.01}`} {
		add(http.StatusBadRequest, "POST", usage, admin, b)
	}
	for _, b := range []string{`{"bucketId":"99","amount":1}`, `{"bucketId":"21","amount":1}`, `{"bucketId":"32","amount":1000000000.00}`} {
		add(http.StatusUnprocessableEntity, "POST", usage, admin, b)
	}
	add(http.StatusUnprocessableEntity, "POST", fmt.Sprintf(abuseService, "JM", "18765544355")+"/usage", admin, `{"bucketId":"32","amount":1}`)
	vouchers := "/sandbox/v1/JM/vouchers"
	for _, v := range []string{"89742282598199", "11112222333344", "55556666777788"} {
		add(http.StatusConflict, "POST", vouchers, admin, fmt.Sprintf(`{"voucher":%q,"amount":5.00}`, v))
	}
	for _, b := range []string{`{}`, `{"voucher":"","amount":5}`, `{"voucher":"12a","amount":5}`, `{"voucher":"` + strings.Repeat("1", 33) + `","amount":5}`,
		`{"voucher":123,"amount":5}`, `{"voucher":"123"}`, `{"voucher":"123","amount":0}`, `{"voucher":"123","amount":-5}`,
		`{"voucher":"123","amount":5.001}`, `{"voucher":"123","amount":5,"expiry":"tomorrow"}`, `{"voucher":"123","amount":5,"expiry":"+1"}`,
		`{"voucher":"123","amount":5,"expiry":7}`} {
		add(http.StatusBadRequest, "POST", vouchers, admin, b)
	}
	add(http.StatusBadRequest, "POST", "/sandbox/v1/BTC/vouchers", admin, `{"voucher":"123","amount":5.00,"expiry":"later"}`)
	for _, v := range []string{"1", "42424242424242", "89742282598198", "abc", "0"} {
		add(http.StatusNotFound, "GET", vouchers+"/"+v, admin, "")
	}
	for _, b := range []string{`{}`, `{"now":""}`, `{"now":"yesterday"}`, `{"now":"1960-01-01T00:00:00Z"}`, `{"now":"2022-11-08"}`,
		`{"now":1667885118}`, `{"now":"2022-11-08T00:25:18"}`} {
		add(http.StatusBadRequest, "PUT", "/sandbox/v1/clock", admin, b)
	}
	add(http.StatusUnsupportedMediaType, "PUT", "/sandbox/v1/clock", abuseHeader(asAdmin, "Content-Type", "text/plain"), `{"now":"2022-11-08T00:25:18-05:00"}`)
	// The faults' own rules are theirs to state; any 4xx will do here.
	for _, b := range []string{`{}`, `{"route":"nowhere"}`, `{"route":"topupBalance","percent":101}`, `{"route":"topupBalance","percent":-1}`,
		`{"route":"topupBalance","latencyMs":-1}`, `{"route":"topupBalance","latencyMs":600000}`, `{"route":"topupBalance","status":200}`,
		`{"route":"topupBalance","status":99}`, `{"route":"topupBalance","when":"during"}`, `{"route":"topupBalance","businessId":"ZZ"}`,
		`{"route":"topupBalance","name":"other"}`, `{"route":1}`} {
		add(0, "PUT", "/sandbox/v1/faults/abuse", admin, b)
	}
	add(0, "PUT", "/sandbox/v1/faults/bad%20name", admin, `{"route":"topupBalance"}`)
	for _, name := range []string{"none", "slow", "abuse"} {
		add(http.StatusNotFound, "DELETE", "/sandbox/v1/faults/"+name, admin, "")
	}

	// Paths and methods that do not exist.
	for _, p := range []string{"/", "/nowhere", "/bot-ux", "/bot-ux/v1/JM", "/bot-ux/v1/JM/topup", "/bot-ux/v1/JM/topupBalance/x",
		"/tmf-api/prepayBalanceManagement/v4/JM", "/tmf-api/prepayBalanceManagement/v5/JM/balanceActionHistory",
		"/sandbox/v1", "/sandbox/v1/JM/services", "/sandbox/v1/JM/vouchers/1/x", "/debug/pprof/", "/openapi.yaml", "/.env",
		"/bot-ux/v1/JM/services/18763187057/realTimeBalance", "/healthz/x"} {
		add(http.StatusNotFound, "GET", p, admin, "")
	}
	for _, m := range []struct{ method, path string }{
		{"GET", jm}, {"PUT", jm}, {"DELETE", jm}, {"PATCH", jm},
		{"POST", fmt.Sprintf(abuseBalances, "v1", "JM", "18763187057")}, {"DELETE", fmt.Sprintf(abuseBalances, "v1", "JM", "18763187057")},
		{"POST", fmt.Sprintf(abuseHistory, "JM")}, {"PUT", fmt.Sprintf(abuseHistory, "JM")},
		{"POST", svc}, {"PATCH", svc}, {"GET", usage}, {"DELETE", vouchers}, {"PUT", vouchers + "/1"},
		{"GET", "/sandbox/v1/reset"}, {"POST", "/sandbox/v1/clock"}, {"POST", "/sandbox/v1/faults"},
		{"POST", "/healthz"}, {"PUT", "/readyz"}, {"POST", "/openapi.json"}, {"DELETE", "/debug/vars"},
	} {
		add(http.StatusMethodNotAllowed, m.method, m.path, admin, "")
	}
	return cases
}

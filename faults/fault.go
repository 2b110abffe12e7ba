package faults

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"prepay/storage"
	"prepay/tmf"
)

// Routes a fault can be set on: the operation names of the three business
// endpoints.
const (
	RouteBalances = "realTimeBalances"
	RouteTopup    = "topupBalance"
	RouteHistory  = "balanceActionHistory"
)

var routeNames = []string{RouteBalances, RouteTopup, RouteHistory}

// When a fault strikes, relative to the route's own work.
const (
	// WhenBefore answers the fault in place of the route: nothing changes.
	// It is the default.
	WhenBefore = "before"
	// WhenAfter runs the route first — a top-up commits — and then answers
	// the fault instead of the real answer: the reply lost on its way back.
	WhenAfter = "after"
)

// defaultPercent is the chance of a fault that does not say: a fault set
// without a percent is meant to strike every time.
const defaultPercent = 100

// namePattern is a fault's name: it is a path segment and a database key.
var namePattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// faultJSON is the body of PUT /sandbox/v1/faults/{name}. Every field but
// route is optional; pointers tell an absent percent or status from a zero
// one. name comes from the path: a body that repeats it (a GET answer sent
// back) must agree with it.
type faultJSON struct {
	Name       string `json:"name"`
	Route      string `json:"route"`
	BusinessID string `json:"businessId"`
	Percent    *int   `json:"percent"`
	LatencyMs  int    `json:"latencyMs"`
	Status     *int   `json:"status"`
	When       string `json:"when"`
}

// faultView is a fault as the routes show it, its defaults filled in.
type faultView struct {
	Name       string `json:"name"`
	Route      string `json:"route"`
	BusinessID string `json:"businessId,omitempty"`
	Percent    int    `json:"percent"`
	LatencyMs  int    `json:"latencyMs"`
	Status     int    `json:"status,omitempty"`
	When       string `json:"when"`
}

func view(f storage.Fault) faultView {
	return faultView{Name: f.Name, Route: f.Route, BusinessID: f.BusinessID, Percent: f.Percent,
		LatencyMs: f.LatencyMs, Status: f.Status, When: f.When}
}

// record checks the body and turns it into the fault called name. units
// are the configured business units; maxLatency bounds latencyMs. Every
// failure is a 400 naming the field and the value.
func (b faultJSON) record(name string, units map[string]storage.BusinessUnit, maxLatency time.Duration) (storage.Fault, error) {
	if !namePattern.MatchString(name) {
		return storage.Fault{}, tmf.Invalid("name (path)", "1 to 64 letters, digits, '.', '_' or '-'", name)
	}
	if b.Name != "" && b.Name != name {
		return storage.Fault{}, tmf.Invalid("name", name+", as in the path, or absent", b.Name)
	}
	switch {
	case b.Route == "":
		return storage.Fault{}, tmf.Fail(tmf.CodeMissingField, "route is required: one of %s", strings.Join(routeNames, ", "))
	case !slices.Contains(routeNames, b.Route):
		return storage.Fault{}, tmf.Invalid("route", "one of "+strings.Join(routeNames, ", "), b.Route)
	}
	if _, ok := units[b.BusinessID]; b.BusinessID != "" && !ok {
		ids := slices.Sorted(maps.Keys(units))
		return storage.Fault{}, tmf.Invalid("businessId", "one of "+strings.Join(ids, ", ")+", or absent for every business unit", b.BusinessID)
	}
	f := storage.Fault{Name: name, Route: b.Route, BusinessID: b.BusinessID, Percent: defaultPercent,
		LatencyMs: b.LatencyMs, When: WhenBefore}
	if b.Percent != nil {
		if *b.Percent < 0 || *b.Percent > 100 {
			return storage.Fault{}, tmf.Invalid("percent", "between 0 and 100", strconv.Itoa(*b.Percent))
		}
		f.Percent = *b.Percent
	}
	if maxMs := int(maxLatency / time.Millisecond); b.LatencyMs < 0 || b.LatencyMs > maxMs {
		return storage.Fault{}, tmf.Invalid("latencyMs", fmt.Sprintf("between 0 and %d", maxMs), strconv.Itoa(b.LatencyMs))
	}
	if b.Status != nil {
		if *b.Status < 400 || *b.Status > 599 {
			return storage.Fault{}, tmf.Invalid("status", "between 400 and 599", strconv.Itoa(*b.Status))
		}
		f.Status = *b.Status
	}
	switch b.When {
	case "":
	case WhenBefore, WhenAfter:
		f.When = b.When
	default:
		return storage.Fault{}, tmf.Invalid("when", WhenBefore+" or "+WhenAfter, b.When)
	}
	if f.Status == 0 && f.LatencyMs == 0 {
		// Most likely a misspelt field, which the body rules tolerate: say
		// so rather than store a fault that does nothing.
		return storage.Fault{}, tmf.Fail(tmf.CodeMissingField, "status or latencyMs is required: a fault with neither changes nothing")
	}
	return f, nil
}

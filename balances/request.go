package balances

import (
	"net/http"
	"strconv"

	"prepay/tmf"
)

// Codes of the causes this endpoint answers itself; the shared ones are in
// tmf.
const (
	// CodeUnsupportedVersion is a 404: {version} is neither v1 nor v2.
	CodeUnsupportedVersion = "UNSUPPORTED_VERSION"
	// CodeAccountMismatch is a 404: v1's accountNo is not the service's account.
	CodeAccountMismatch = "ACCOUNT_MISMATCH"
)

// version is what one API version reads from the query.
type version struct {
	// query says the version reads accountNo (mandatory, checked against
	// the service) and dataBalancesOnly. v2 finds the account from the
	// service and ignores both, as the operator's page says.
	query bool
}

// versions are the supported {version} values.
var versions = map[string]version{"v1": {query: true}, "v2": {query: false}}

// supported names them in the 404 for any other.
const supported = "v1, v2"

// request is what a request asks for, once its shape is checked.
type request struct {
	lob string
	// accountNo is v1's, checked against the service's; empty in v2, which
	// checks none.
	accountNo string
	dataOnly  bool
}

// parseRequest reads {version}, the lob header and, in v1, the query, in
// that order: the path first, then headers, then parameters.
func parseRequest(r *http.Request) (request, error) {
	v, ok := versions[r.PathValue("version")]
	if !ok {
		return request{}, tmf.Errorf(http.StatusNotFound, CodeUnsupportedVersion, "Unsupported version",
			"version must be one of %s; got %s", supported, quote(r.PathValue("version")))
	}
	lob, err := tmf.LOB(r)
	if err != nil {
		return request{}, err
	}
	q := request{lob: lob}
	if !v.query {
		return q, nil
	}
	query := r.URL.Query()
	q.accountNo = query.Get("accountNo")
	if q.accountNo == "" {
		return request{}, tmf.Errorf(http.StatusBadRequest, tmf.CodeMissingQuery, "Missing query parameter",
			"the accountNo query parameter is required in v1")
	}
	if vals, ok := query["dataBalancesOnly"]; ok {
		switch vals[0] {
		case "true":
			q.dataOnly = true
		case "false":
		default:
			return request{}, tmf.Errorf(http.StatusBadRequest, tmf.CodeInvalidQuery, "Invalid query parameter",
				"dataBalancesOnly must be true or false; got %s", quote(vals[0]))
		}
	}
	return q, nil
}

// maxEchoed bounds a client's value quoted back in a message.
const maxEchoed = 40

// quote writes a client's value for a message: quoted, and cut short so an
// echoed value cannot inflate the answer.
func quote(s string) string {
	if len(s) > maxEchoed {
		return strconv.Quote(s[:maxEchoed]) + "…"
	}
	return strconv.Quote(s)
}

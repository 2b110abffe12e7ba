package balances

import (
	"net/http"

	"prepay/tmf"
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
		return request{}, tmf.Fail(tmf.CodeUnsupportedVersion, "version must be one of %s; got %q", supported, r.PathValue("version"))
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
		return request{}, tmf.Fail(tmf.CodeMissingQuery, "the accountNo query parameter is required in v1")
	}
	if vals, ok := query["dataBalancesOnly"]; ok {
		switch vals[0] {
		case "true":
			q.dataOnly = true
		case "false":
		default:
			return request{}, tmf.Fail(tmf.CodeInvalidQuery, "dataBalancesOnly must be true or false; got %q", vals[0])
		}
	}
	return q, nil
}

// Package tmf holds the wire rules every prepay endpoint shares: the TMF630
// error body and its stable codes, JSON request and response bodies, the two
// time formats of the operator's APIs, correlation ids, and the middleware
// that keeps every answer — a panic, an unknown path, a wrong method — in
// that shape. It imports money from prepay.
package tmf

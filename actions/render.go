package actions

import (
	"time"

	"prepay/ledger"
	"prepay/storage"
)

// resource is a TMF654 action as its GET shows it; the ledger renders it,
// since every writer's events carry it too.
type resource = ledger.ActionResource

// paths are each kind's collection, as TMF654 names it.
var paths = ledger.Paths

// operationName is the kind's operation as history descriptions name it.
func operationName(kind string) string { return paths[kind] }

// Href is the absolute path of action seq of kind in business unit bu.
func Href(bu, kind string, seq uint64) string { return ledger.ActionHref(bu, kind, seq) }

// status is what o's status is at now (see ledger.ActionStatus).
func status(o storage.Operation, now time.Time) string { return ledger.ActionStatus(o, now) }

// render writes operation o, numbered seq, as it stands at now.
func render(o storage.Operation, seq uint64, bu storage.BusinessUnit, now time.Time) resource {
	return ledger.RenderAction(o, seq, bu, now)
}

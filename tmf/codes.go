package tmf

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
)

// Codes: every cause prepay answers, one stable machine-readable constant
// each. The table below gives each its one HTTP status and reason; the
// OpenAPI document's enum and the docs' table are checked against it.
const (
	CodeNotFound             = "NOT_FOUND"
	CodeMethodNotAllowed     = "METHOD_NOT_ALLOWED"
	CodeUnsupportedMediaType = "UNSUPPORTED_MEDIA_TYPE"
	CodeBodyTooLarge         = "BODY_TOO_LARGE"
	CodeMalformedBody        = "MALFORMED_BODY"
	CodeInvalidField         = "INVALID_FIELD"
	CodeMissingField         = "MISSING_FIELD"
	CodeMissingHeader        = "MISSING_HEADER"
	CodeInvalidHeader        = "INVALID_HEADER"
	CodeInvalidLOB           = "INVALID_LOB"
	CodeMissingQuery         = "MISSING_QUERY_PARAMETER"
	CodeInvalidQuery         = "INVALID_QUERY_PARAMETER"
	CodeInvalidWindow        = "INVALID_DATE_RANGE"
	CodeInvalidBusinessID    = "INVALID_BUSINESS_ID"
	CodeUnknownBusinessUnit  = "UNKNOWN_BUSINESS_UNIT"
	CodeUnknownService       = "UNKNOWN_SERVICE"
	CodeUnsupportedVersion   = "UNSUPPORTED_VERSION"
	CodeAccountMismatch      = "ACCOUNT_MISMATCH"
	CodeInternal             = "INTERNAL_ERROR"
	CodeNotReady             = "NOT_READY"

	CodeMissingCredentials = "MISSING_CREDENTIALS"
	CodeInvalidCredentials = "INVALID_CREDENTIALS"
	CodeUnknownClient      = "UNKNOWN_CLIENT"
	CodeWrongSecret        = "WRONG_SECRET"
	CodeTooManyFailures    = "TOO_MANY_FAILURES"
	CodeForbiddenScope     = "FORBIDDEN_SCOPE"
	CodeForbiddenBU        = "FORBIDDEN_BUSINESS_UNIT"
	CodeRateLimited        = "RATE_LIMITED"

	CodePostpaid          = "POSTPAID_NOT_TOPUPABLE"
	CodeUnknownBucket     = "UNKNOWN_BUCKET"
	CodeBucketNotCurrency = "BUCKET_NOT_CURRENCY"
	CodeBucketIsLoan      = "BUCKET_IS_LOAN"
	CodeBucketExpired     = "BUCKET_EXPIRED"
	CodeCurrencyMismatch  = "CURRENCY_MISMATCH"
	CodeUnknownVoucher    = "UNKNOWN_VOUCHER"
	CodeVoucherExpired    = "VOUCHER_EXPIRED"
	CodeVoucherRedeemed   = "VOUCHER_REDEEMED"
	CodeBalanceLimit      = "BALANCE_LIMIT"
	CodeKeyReused         = "IDEMPOTENCY_KEY_REUSED"

	CodeInternalIDInUse = "SERVICE_INTERNAL_ID_IN_USE"
	CodeVoucherExists   = "VOUCHER_EXISTS"
	CodeUnknownFault    = "UNKNOWN_FAULT"

	CodeUnknownSandbox = "UNKNOWN_SANDBOX"
	CodeSandboxLimit   = "SANDBOX_LIMIT"
	CodeDefaultSandbox = "DEFAULT_SANDBOX_KEPT"

	CodeBucketNotFound             = "BUCKET_NOT_FOUND"
	CodeAccumulatedBalanceNotFound = "ACCUMULATED_BALANCE_NOT_FOUND"
	CodeSandboxFault               = "SANDBOX_FAULT"

	CodeActionNotFound       = "ACTION_NOT_FOUND"
	CodePartyAccountMismatch = "PARTY_ACCOUNT_MISMATCH"
	CodeInsufficientBalance  = "INSUFFICIENT_BALANCE"
	CodeTransferLimit        = "TRANSFER_LIMIT"
	CodeInvalidStatusChange  = "INVALID_STATUS_CHANGE"
	CodeCancelNotPossible    = "CANCEL_NOT_POSSIBLE"

	CodeSubscriptionNotFound = "SUBSCRIPTION_NOT_FOUND"
)

// CodeInfo is one row of the table: a code, the status it is answered
// with and the short reason that goes with it.
type CodeInfo struct {
	Code   string
	Status int // 0: the status varies (an injected fault's own)
	Reason string
	// Cause says when the code is answered, for the docs.
	Cause string
}

// codes is the table, keyed by code.
var codes = index([]CodeInfo{
	{CodeNotFound, http.StatusNotFound, "Not found", "no resource at this path, or no voucher with this code"},
	{CodeMethodNotAllowed, http.StatusMethodNotAllowed, "Method not allowed", "the path exists, the method does not (see Allow)"},
	{CodeUnsupportedMediaType, http.StatusUnsupportedMediaType, "Unsupported media type", "the body is not application/json"},
	{CodeBodyTooLarge, http.StatusRequestEntityTooLarge, "Body too large", "the body is over 64 KiB"},
	{CodeMalformedBody, http.StatusBadRequest, "Malformed body", "not one JSON value; a key twice, or a known key in another case"},
	{CodeInvalidField, http.StatusBadRequest, "Invalid field", "a body field of the wrong type or value"},
	{CodeMissingField, http.StatusBadRequest, "Missing field", "a mandatory body field is absent"},
	{CodeMissingHeader, http.StatusBadRequest, "Missing header", "a mandatory header is absent"},
	{CodeInvalidHeader, http.StatusBadRequest, "Invalid header", "a header has a bad value"},
	{CodeInvalidLOB, http.StatusBadRequest, "Invalid header lob", "lob is not PREPAID, POSTPAID or FIXED"},
	{CodeMissingQuery, http.StatusBadRequest, "Missing query parameter", "a mandatory query parameter is absent"},
	{CodeInvalidQuery, http.StatusBadRequest, "Invalid query parameter", "a query parameter has a bad value"},
	{CodeInvalidWindow, http.StatusBadRequest, "Invalid date range", "dateTime.gte is after dateTime.lte"},
	{CodeInvalidBusinessID, http.StatusBadRequest, "Invalid businessId", "businessId is not 2–3 capital letters"},
	{CodeUnknownBusinessUnit, http.StatusNotFound, "Unknown businessId", "businessId is not configured"},
	{CodeUnknownService, http.StatusNotFound, "Unknown service", "no such service in this business unit and lob"},
	{CodeUnsupportedVersion, http.StatusNotFound, "Unsupported version", "the balances version is not v1 or v2"},
	{CodeAccountMismatch, http.StatusNotFound, "Account mismatch", "accountNo is not the service's account"},
	{CodeInternal, http.StatusInternalServerError, "Internal error", "the server could not complete the request"},
	{CodeNotReady, http.StatusServiceUnavailable, "Not ready", "the database does not answer"},

	{CodeMissingCredentials, http.StatusUnauthorized, "Unauthorized", "client_id or client_secret absent"},
	{CodeInvalidCredentials, http.StatusUnauthorized, "Unauthorized", "client_id or client_secret shorter than 5 characters"},
	{CodeUnknownClient, http.StatusUnauthorized, "Unauthorized", "client_id not registered"},
	{CodeWrongSecret, http.StatusUnauthorized, "Unauthorized", "client_secret does not match"},
	{CodeTooManyFailures, http.StatusTooManyRequests, "Too many failures", "10 wrong secrets for this client_id from this address within a minute"},
	{CodeForbiddenScope, http.StatusForbidden, "Forbidden", "the client lacks the operation's scope"},
	{CodeForbiddenBU, http.StatusForbidden, "Forbidden", "the client is not entitled to the business unit"},
	{CodeRateLimited, http.StatusTooManyRequests, "Too many requests", "over the client's request rate"},

	{CodePostpaid, http.StatusUnprocessableEntity, "Postpaid service", "the service is postpaid: it has no prepaid balance"},
	{CodeUnknownBucket, http.StatusUnprocessableEntity, "Unknown bucket", "the service has no bucket with this id"},
	{CodeBucketNotCurrency, http.StatusUnprocessableEntity, "Bucket not creditable", "the bucket holds units or another currency"},
	{CodeBucketIsLoan, http.StatusUnprocessableEntity, "Loan bucket", "the bucket is a loan: repaid by top-ups, never credited or used"},
	{CodeBucketExpired, http.StatusUnprocessableEntity, "Bucket expired", "the bucket expired before the sandbox clock's now"},
	{CodeCurrencyMismatch, http.StatusUnprocessableEntity, "Currency mismatch", "amount.units is not the business unit's currency"},
	{CodeUnknownVoucher, http.StatusUnprocessableEntity, "Unknown voucher", "no such voucher in the business unit"},
	{CodeVoucherExpired, http.StatusUnprocessableEntity, "Voucher expired", "the voucher's expiry has passed"},
	{CodeVoucherRedeemed, http.StatusConflict, "Voucher already redeemed", "the voucher was used before"},
	{CodeBalanceLimit, http.StatusUnprocessableEntity, "Balance limit", "a figure would pass 1,000,000,000.00"},
	{CodeKeyReused, http.StatusUnprocessableEntity, "Idempotency key reused", "the key came within 24 h with another request"},

	{CodeInternalIDInUse, http.StatusConflict, "Conflict", "another service of the business unit has this serviceInternalId"},
	{CodeVoucherExists, http.StatusConflict, "Conflict", "the business unit has a voucher with this code"},
	{CodeUnknownFault, http.StatusNotFound, "Unknown fault", "no fault has this name"},
	{CodeSandboxFault, 0, "Injected fault", "a fault set through /sandbox/v1/faults struck"},

	{CodeUnknownSandbox, http.StatusNotFound, "Unknown sandbox", "no sandbox has this id (or it was deleted)"},
	{CodeSandboxLimit, http.StatusConflict, "Sandbox limit", "the server holds its most sandboxes (-max-sandboxes)"},
	{CodeDefaultSandbox, http.StatusConflict, "Default sandbox kept", "the default sandbox cannot be deleted"},

	{CodeBucketNotFound, http.StatusNotFound, "Unknown bucket", "no bucket has this TMF654 id"},
	{CodeAccumulatedBalanceNotFound, http.StatusNotFound, "Unknown accumulated balance", "no accumulated balance has this id"},

	{CodeActionNotFound, http.StatusNotFound, "Unknown action", "no top-up, adjustment, transfer or reservation has this id"},
	{CodePartyAccountMismatch, http.StatusUnprocessableEntity, "Party account mismatch", "partyAccount is not the service's owningAccountInternalId"},
	{CodeInsufficientBalance, http.StatusUnprocessableEntity, "Insufficient balance", "the bucket has less available (balance less holds) than the operation takes"},
	{CodeTransferLimit, http.StatusUnprocessableEntity, "Transfer limit", "a transfer rule of the business unit: minimum, daily total or count, sender and receiver"},
	{CodeInvalidStatusChange, http.StatusConflict, "Invalid status change", "the action cannot go from its status to the one asked"},
	{CodeCancelNotPossible, http.StatusConflict, "Cancel not possible", "the money a completed top-up or adjustment moved has moved on"},
	{CodeSubscriptionNotFound, http.StatusNotFound, "Subscription not found", "no hub subscription with this id in this business unit"},
})

func index(rows []CodeInfo) map[string]CodeInfo {
	m := make(map[string]CodeInfo, len(rows))
	for _, r := range rows {
		if _, dup := m[r.Code]; dup {
			panic("tmf: code listed twice: " + r.Code)
		}
		m[r.Code] = r
	}
	return m
}

// Codes returns the table in code order.
func Codes() []CodeInfo {
	out := make([]CodeInfo, 0, len(codes))
	for _, c := range codes {
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b CodeInfo) int { return cmp.Compare(a.Code, b.Code) })
	return out
}

// Fail returns the *Error of code with a formatted message naming the
// field and the value; its status and reason come from the table. A code
// missing from the table is a programming error.
func Fail(code, format string, args ...any) *Error {
	c, ok := codes[code]
	if !ok || c.Status == 0 {
		panic(fmt.Sprintf("tmf: code %q has no fixed status", code))
	}
	return Errorf(c.Status, code, c.Reason, format, args...)
}

package topup

// Codes of the refusals this endpoint gives besides the shared ones in tmf
// (MISSING_HEADER, MISSING_FIELD, INVALID_FIELD, INVALID_HEADER, INVALID_LOB,
// UNKNOWN_SERVICE and the body rules). One code per cause; the README lists
// them all.
const (
	CodePostpaid          = "POSTPAID_NOT_TOPUPABLE" // 422: the service is postpaid, it has no prepaid balance
	CodeUnknownBucket     = "UNKNOWN_BUCKET"         // 422: bucket.id is not a bucket of the service
	CodeBucketNotCurrency = "BUCKET_NOT_CURRENCY"    // 422: bucket.id holds units (MB, mins…) or another currency
	CodeBucketIsLoan      = "BUCKET_IS_LOAN"         // 422: bucket.id is a loan, which a top-up repays but never credits
	CodeCurrencyMismatch  = "CURRENCY_MISMATCH"      // 422: amount.units is not the business unit's currency
	CodeUnknownVoucher    = "UNKNOWN_VOUCHER"        // 422: no such voucher in the business unit
	CodeVoucherExpired    = "VOUCHER_EXPIRED"        // 422: the voucher's expiry has passed
	CodeVoucherRedeemed   = "VOUCHER_REDEEMED"       // 409: the voucher was used before
	CodeBalanceOverflow   = "BALANCE_OUT_OF_RANGE"   // 422: the credit would take the bucket past the largest amount held
	CodeKeyReused         = "IDEMPOTENCY_KEY_REUSED" // 422: the idempotency key came before with another request
)

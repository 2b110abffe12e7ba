// Package ledger holds the money rules every balance operation shares: a
// credit repays the loans first, a debit never goes below what is
// available, a hold keeps money back until it is spent, released or
// lapses, and an operation is undone by reversing exactly its moves. It
// also builds the history record of an operation and keeps the
// idempotency records of every write endpoint. Each function checks before
// it changes anything: on error the subscriber is as it was. It imports
// storage, tmf and money.
package ledger

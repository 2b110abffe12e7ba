// Package sandbox serves the sandbox administration routes: subscribers,
// vouchers and usage set up by a team for its own tests, a reset to the
// data set the server started with, and the settable clock. It imports
// auth, clock, ledger, storage, tmf and money from prepay.
package sandbox

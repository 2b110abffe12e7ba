// Package faults injects failures into the business routes, to rehearse
// what the real backend does on a bad day: latency, an error status, or an
// answer lost after the work was done. Faults are set through the sandbox
// administration routes, kept in the database and served from memory, so a
// request that matches none pays one atomic load and one map lookup. It
// imports auth, storage and tmf from prepay.
package faults

// Package faults holds the fault tests: the pipeline binary run against a
// private PostgreSQL cluster that the tests start themselves, killed with
// SIGKILL under write load, cut off by a database stopped and started
// again, and held up by a table lock, with a ledger of every acknowledged
// write checked afterwards (docs/architecture.md, "Fault tests"). It has no
// code but its tests, which run when PIPELINE_FAULT_TESTS is set.
package faults

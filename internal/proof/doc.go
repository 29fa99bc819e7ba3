// Package proof holds end-to-end proof tests of gridgov's promises that no
// unit test can show, run against real processes and databases:
//
//   - an acknowledged report survives the server being killed at any moment
//     (TestCrashNeverLosesAcknowledgedReports, against the built binary);
//   - an Idempotency-Key makes exactly one event however often and however
//     concurrently a report is retried (TestReplayMakesOneEventPerKey);
//   - two nodes on one PostgreSQL database both serve, run each scheduled
//     job once per period, and the survivor takes the jobs of a killed node
//     over through their lease (TestTwoNodesOnPostgres);
//   - a planted ID number, phone and password never appear in plain text in
//     the database files, backups, logs or any API answer, and every list
//     and export shows them masked (TestNoPlaintextLeaks).
//
// The measured benchmarks — durable intake against the raw insert ceiling,
// the queue page, the dashboard, point→grid, register import and search,
// each beside its raw ceiling — are `gridgov bench` (internal/cli/bench.go);
// figures in docs/benchmarks.md.
package proof

// Package proof holds end-to-end proof tests of gridgov's promises that no
// unit test can show: an acknowledged report survives the server being
// killed at any moment (TestCrashNeverLosesAcknowledgedReports, against the
// built binary), and an Idempotency-Key makes exactly one event however often
// and however concurrently a report is retried (TestReplayMakesOneEventPerKey).
//
// The measured benchmarks — durable intake against the raw insert ceiling,
// the queue page, the dashboard and point→grid on the city-scale demo — are
// `gridgov bench` (internal/cli/bench.go); figures in docs/casework-benchmarks.md.
package proof

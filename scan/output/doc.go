// Package output renders a scan.Report for people and for machines: a
// readable table, JSON (documented by docs/schemas/scan-report.schema.json)
// and SARIF 2.1.0 for code-scanning dashboards such as GitHub's.
//
// The writers never reorder findings (the engine sorts them) and never
// decide the verdict on their own: Failed is the one place that turns a
// report and a --fail-on threshold into pass or fail, so the exit code, the
// JSON summary, the SARIF invocation and the table's verdict line agree.
//
// Everything in a finding except the rule id comes from the scanned file and
// is hostile: the table writer escapes control characters so a crafted
// callable name cannot drive the terminal, and the JSON and SARIF encoders
// escape them by construction.
package output

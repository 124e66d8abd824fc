package mlsec.gate.acme_test

import data.mlsec.gate.acme
import rego.v1

test_missing_description_denied if {
	some r in acme.deny with input as {
		"subject": {"name": "m", "digest": {"sha256": "aa"}},
		"context": {"time": "2026-01-02T00:00:00Z"},
		"evidence": [{"type": "bom", "subject": {"digest": {"sha256": "aa"}}, "timestamp": "2026-01-01T00:00:00Z", "result": {"missing_fields": ["description"]}}],
	}
	r.id == "ACME-README-001"
}

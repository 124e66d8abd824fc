// Package guard inspects OpenAI-compatible chat traffic for the inference
// gateway: prompts before they reach the model, answers (whole or streamed)
// before they reach the client. A route builds one Guard from a Config
// (guard.New), calls InspectRequest on each request body, forwards the
// Exchange's Body unless its Verdict blocks, then checks the answer with
// Exchange.InspectResponse or, for "stream": true, Exchange.FilterSSE (or a
// StreamChecker per choice for callers that parse the stream themselves).
// The package never prints and never logs; a Decision names the scanner,
// the rule, the action and the JSON path, never the content, so callers
// may log and count decisions (Prometheus counters are the caller's).
//
// # Scanners
//
// Input:
//
//	injection     prompt injection and jailbreaks, rule set RuleSetVersion
//	              (Rules lists it): overrides ("ignore previous
//	              instructions", fake system turns, chat control tokens),
//	              system-prompt extraction, jailbreak personas (DAN,
//	              developer mode, "no restrictions", never refuse, token
//	              games), encoding tricks; IN-* rules apply only to
//	              indirect content (tool and function results, and roles
//	              configured as retrieved documents): text addressing the
//	              AI that reads it, markdown images carrying data in their
//	              URL, requests to send conversation data somewhere.
//	prompt_pii    personal data and secrets with the pii engine
//	prompt_banned listed terms and topics, whole words
//	length        bytes, estimated tokens (EstimateTokens), messages, and
//	              prompt plus answer budget
//
// Output:
//
//	answer_pii    personal data and secrets with the pii engine
//	leakage       the canary the guard adds to the system prompt, in plain,
//	              folded, base64/hex/percent-encoded or tag-character form;
//	              runs of MinOverlapWords consecutive words of the configured
//	              or the request's system prompt
//	answer_banned listed terms and topics
//	answer_json   answers that must be JSON: syntax, json_object, and JSON
//	              Schema (the route's, or the request's response_format when
//	              FromRequest); external $refs are refused
//
// Each scanner's action (block, redact, flag) is configured per route.
//
// # How the injection scanner reads a text
//
// Rules match the folded words of every reading of a text: invisible
// characters removed (zero-width, bidi controls, variation selectors),
// NFKC, Cyrillic/Greek look-alike letters folded to Latin, letters spelled
// one at a time joined, leetspeak undone, rot13 and reversed text, and runs
// that decode as base64, base32, hex (solid or "\x69 0x67" separated) or
// percent-encoding to readable text (two levels deep), plus text spelled in
// Unicode tag characters. A match found only in a hidden reading adds EN-005.
// Rule scores combine as independent evidence, 1 - Π(1 - score); a text is
// an injection at DefaultInjectionThreshold (0.5). docs/guardrails.md has the
// detection and false-alarm rates measured on public data, dev and held-out.
//
// # Limits
//
// It is a pattern scanner: paraphrased attacks that use none of the known
// phrasings pass (about a quarter of in-the-wild jailbreaks in the held-out
// split), and so do attacks in other natural languages, images and audio
// (only text parts are read). Text beyond DefaultMaxScanBytes (1 MiB) of one
// message is not read and yields a "truncated" decision (fail closed);
// decoding is bounded (64 runs, 64 KiB decoded, depth 2). Token counts are
// estimates. In a stream, the overlap check fires after MinOverlapWords
// words, so up to that many words of a leaked system prompt may already be
// out, and an encoded canary split widely may be found only after part of
// it was written (StreamLookBehind); plain canaries, personal data and
// banned terms are held back until checked. A redaction the guard cannot
// place exactly (a banned term found only after unfolding) becomes a block.
package guard

// Package extraction detects model-extraction attacks from the queries one
// client sends.
package extraction

// Package explain explains a served model's answers from the outside.
package explain

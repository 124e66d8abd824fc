// Package jinja statically checks Jinja chat templates (from GGUF metadata
// and tokenizer_config.json) for sandbox escapes such as CVE-2024-34359.
//
// We wrote our own checker because rendering a template, even in a
// sandbox, is executing untrusted content, and a regular expression over
// the raw text misses obfuscated forms. The checker tokenizes the template
// the way Jinja's lexer does, decodes string literals with Python escape
// semantics, constant-folds the string operations attackers use to build
// attribute names (~, +, %, format, join, reverse, replace, slicing, set
// variables), and reports every attribute or subscript that reaches
// Python internals. It never evaluates anything but string constants.
//
// A template that does not tokenize is still checked: the tags before the
// break, the partial tag, and the raw text after it. When nothing there is
// suspicious it is only a RuleSyntax note (loaders fail to render it, and
// nothing runs); otherwise the usual rules apply.
package jinja

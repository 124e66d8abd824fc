package cli

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/mlsec/mlsec/internal/version"
)

// mlsec --version prints what mlsec version prints.
func TestVersionFlag(t *testing.T) {
	t.Parallel()
	a, _, c1 := scanCLI(t, "--version")
	b, _, c2 := scanCLI(t, "version")
	if c1 != ExitOK || c2 != ExitOK || a != b || a != "mlsec "+version.String()+"\n" {
		t.Errorf("--version %q (exit %d), version %q (exit %d)", a, c1, b, c2)
	}
}

// allCommands walks the command tree (cobra's own help and completion
// commands are added at execution and are not in it).
func allCommands(c *cobra.Command) []*cobra.Command {
	out := []*cobra.Command{c}
	for _, s := range c.Commands() {
		out = append(out, allCommands(s)...)
	}
	return out
}

// examplesRE matches an Examples section with at least one mlsec command.
var examplesRE = regexp.MustCompile(`(?m)^Examples:\n(?:.*\n)*?\s+mlsec `)

// Every command's help has examples and names the configuration file
// (the real path, from XDG_CONFIG_HOME).
func TestEveryHelpHasExamplesAndTheConfigPath(t *testing.T) {
	cfg := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", cfg)
	want := filepath.Join(cfg, "mlsec", "config.yaml")
	for _, c := range allCommands(NewRoot()) {
		path := strings.Fields(c.CommandPath())[1:]
		t.Run(strings.Join(append([]string{"mlsec"}, path...), " "), func(t *testing.T) {
			out, errOut, code := scanCLI(t, append(path, "--help")...)
			if code != ExitOK {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			if !examplesRE.MatchString(out) {
				t.Errorf("no examples in the help of %q", c.CommandPath())
			}
			if !strings.Contains(out, "Configuration: "+want) {
				t.Errorf("the help of %q does not name %s", c.CommandPath(), want)
			}
		})
	}
}

// exampleLines returns the mlsec command lines of an Examples section,
// continuation lines joined, comments and environment prefixes dropped.
func exampleLines(example string) [][]string {
	var out [][]string
	var cur string
	for _, l := range strings.Split(example, "\n") {
		l = strings.TrimSpace(l)
		if strings.HasSuffix(l, "\\") {
			cur += strings.TrimSuffix(l, "\\") + " "
			continue
		}
		l = cur + l
		cur = ""
		if i := strings.Index(l, " #"); i >= 0 {
			l = l[:i]
		}
		fields := shellFields(l)
		for len(fields) > 0 && strings.Contains(fields[0], "=") && !strings.HasPrefix(fields[0], "-") {
			fields = fields[1:] // VAR=value prefixes
		}
		if len(fields) == 0 || fields[0] != "mlsec" || strings.Contains(l, " ... ") {
			continue
		}
		out = append(out, fields[1:])
	}
	return out
}

// shellFields splits a command line on spaces outside quotes and drops the
// quotes (enough for the examples: no escapes, no nesting).
func shellFields(s string) []string {
	var out []string
	var b strings.Builder
	var quote rune
	in := false
	for _, r := range s {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote == 0 && (r == '"' || r == '\''):
			quote, in = r, true
		case quote == 0 && r == ' ':
			if in {
				out = append(out, b.String())
				b.Reset()
				in = false
			}
		default:
			b.WriteRune(r)
			in = true
		}
	}
	if in {
		out = append(out, b.String())
	}
	return out
}

// Every example in every help page names a command that exists and flags
// that command accepts: help that teaches a wrong flag is worse than none.
func TestEveryExampleParses(t *testing.T) {
	t.Parallel()
	root := NewRoot()
	n := 0
	for _, c := range allCommands(root) {
		for _, args := range exampleLines(c.Example) {
			n++
			found, rest, err := NewRoot().Find(args)
			if err != nil || found == nil {
				t.Errorf("%s: example %q: no such command: %v", c.CommandPath(), strings.Join(args, " "), err)
				continue
			}
			found.InitDefaultHelpFlag()
			found.InitDefaultVersionFlag()
			if err := found.ParseFlags(rest); err != nil {
				t.Errorf("%s: example %q: %v", c.CommandPath(), strings.Join(args, " "), err)
			}
		}
	}
	if n < 100 {
		t.Errorf("only %d example lines checked", n)
	}
}

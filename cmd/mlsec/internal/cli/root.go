package cli

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/mlsec/mlsec/internal/version"
)

// Exit codes shared by every command. They are documented in docs/exit-codes.md.
const (
	ExitOK       = 0 // success: nothing at or above the failure threshold
	ExitFindings = 1 // findings at or above the threshold, or verification failed
	ExitUsage    = 2 // usage or I/O error that prevented any verdict
)

// exitError carries an exit code through cobra's error return.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}
func (e *exitError) Unwrap() error { return e.err }

// withCode wraps err so that Execute exits with code. A nil err with a
// non-zero code exits silently (the command already printed its verdict).
func withCode(code int, err error) error { return &exitError{code: code, err: err} }

var commands []func() *cobra.Command

// register adds a command constructor to the root command.
func register(f func() *cobra.Command) { commands = append(commands, f) }

// NewRoot builds the root command with every registered subcommand.
func NewRoot() *cobra.Command {
	root := &cobra.Command{
		Use:   "mlsec",
		Short: "Secure and govern machine-learning models",
		Long: `mlsec secures and governs the machine-learning lifecycle. It scans model
artifacts for code that runs on load (without ever loading them), signs and
verifies models in the OpenSSF Model Signing format, writes CycloneDX ML-BOMs,
decides from evidence with policy as code (OPA/Rego), and keeps every model
version, its evidence and lineage in a registry.

Exit codes: 0 pass, 1 findings / verification failed / denied, 2 usage or
I/O error (docs/exit-codes.md).`,
		Example: `  mlsec scan ./my-model
  mlsec scan --format sarif -o results.sarif model.pt
  mlsec sign ./my-model --key mykey.pem --signature my-model.sig
  mlsec bom ./my-model -o bom.cdx.json
  mlsec gate ./my-model --key mykey.pub.pem
  mlsec serve`,
		SilenceUsage:  true,
		SilenceErrors: true,
		// --version prints what 'mlsec version' prints.
		Version: version.String(),
	}
	root.SetVersionTemplate("mlsec {{.Version}}\n")
	// Every command's help ends with where the configuration lives: the
	// registry commands read server and token from it, and a user reading
	// any help page should not have to guess.
	cobra.AddTemplateFunc("configPath", configPath)
	root.SetHelpTemplate(root.HelpTemplate() + helpFooter)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return withCode(ExitUsage, fmt.Errorf("%w\nRun '%s --help' for usage", err, c.CommandPath()))
	})
	root.AddCommand(&cobra.Command{
		Use:     "version",
		Short:   "Print the mlsec version",
		Example: "  mlsec version\n  mlsec --version",
		Args:    cobra.NoArgs,
		Run: func(c *cobra.Command, _ []string) {
			fmt.Fprintln(c.OutOrStdout(), "mlsec", version.String())
		},
	})
	groups := []*cobra.Group{
		{ID: "supply", Title: "Supply chain:"},
		{ID: "provenance", Title: "Provenance:"},
		{ID: "policy", Title: "Policy and evidence:"},
		{ID: "trusted", Title: "Trusted AI and adversarial ML:"},
		{ID: "registry", Title: "Registry:"},
		{ID: "monitoring", Title: "Monitoring:"},
		{ID: "privacy", Title: "Privacy:"},
	}
	root.AddGroup(groups...)
	groupOf := map[string]string{
		"scan":   "supply",
		"keygen": "provenance", "sign": "provenance", "verify": "provenance", "bom": "provenance",
		"gate": "policy", "policy": "policy", "attest": "policy", "rules": "policy",
		"fairness": "trusted",
		"serve":    "registry", "token": "registry", "push": "registry", "pull": "registry", "models": "registry",
		"audit": "registry", "report": "registry",
		"versions": "registry", "evidence": "registry", "lineage": "registry", "stage": "registry",
		"owners": "registry", "request": "registry", "approve": "registry", "reject": "registry",
		"requests": "registry", "rollback": "registry", "record": "registry", "history": "registry",
		"webhooks": "registry", "alias": "registry", "exceptions": "registry", "datasets": "registry", "ui": "registry",
		"profile": "registry", "login": "registry", "logout": "registry",
		"drift": "monitoring", "gateway": "monitoring", "logs": "monitoring",
		"pii":   "privacy",
		"data":  "privacy",
		"probe": "trusted",
	}
	for _, f := range commands {
		c := f()
		c.GroupID = groupOf[c.Name()]
		root.AddCommand(c)
	}
	return root
}

// helpFooter closes every help page: the configuration file and the
// environment variables that override it.
const helpFooter = `
Configuration: {{configPath}} (server: and token: for the registry
commands; MLSEC_SERVER and MLSEC_TOKEN, then --server and --token, override
it). Documentation: docs/ in https://github.com/mlsec/mlsec.
`

// Execute runs the root command on the process arguments and returns the
// exit code.
func Execute() int { return Run(os.Args[1:], os.Stdout, os.Stderr) }

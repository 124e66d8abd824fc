package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/mlsec/mlsec/gateway"
)

type gatewayClientsFlags struct {
	gateway, token, format, route string
}

func newGatewayClientsCmd() *cobra.Command {
	var fl gatewayClientsFlags
	c := &cobra.Command{
		Use:   "clients",
		Short: "Show the clients a running gateway's extraction detectors flagged",
		Long: `clients asks a running gateway (GET /_mlsec/clients) which clients its
model-extraction detectors flagged: per route, the client, the action in
force (alert, throttle or block), since when and until when, and for each
detector its measured value, threshold and reason (docs/extraction.md).

It shows the routes whose model the token may read logs of (auditor or
admin role, the model in scope); the gateway asks the registry. The token
is --token, else $MLSEC_TOKEN; the gateway is --gateway, else
$MLSEC_GATEWAY, else http://127.0.0.1:8088. Each gateway replica judges the
traffic it sees: ask each one.

Exit codes: 0 listed (also when nobody is flagged), 1 the gateway refused
(401/403), 2 usage or connection error.`,
		Example: `  mlsec gateway clients
  mlsec gateway clients --route iris --format json
  MLSEC_TOKEN=mlsec_... mlsec gateway clients --gateway http://gw.internal:8088`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runGatewayClients(cmd, fl) },
	}
	f := c.Flags()
	f.StringVar(&fl.gateway, "gateway", "", "gateway `URL` (default $MLSEC_GATEWAY, then http://127.0.0.1:8088)")
	f.StringVar(&fl.token, "token", "", "registry `TOKEN` (default $MLSEC_TOKEN)")
	f.StringVar(&fl.format, "format", "table", "output format: table or json")
	f.StringVar(&fl.route, "route", "", "only this `ROUTE`")
	return c
}

func runGatewayClients(cmd *cobra.Command, fl gatewayClientsFlags) error {
	if fl.format != "table" && fl.format != "json" {
		return withCode(ExitUsage, fmt.Errorf("gateway clients: --format %q: want table or json", fl.format))
	}
	base, tok := gatewayTarget(fl.gateway, fl.token)
	u := base + "/_mlsec/clients"
	if fl.route != "" {
		u += "?" + url.Values{"route": {fl.route}}.Encode()
	}
	var page gateway.ClientsPage
	if err := gatewayGet(cmd, "gateway clients", u, tok, "ask for an auditor token scoped to the route's model", &page); err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	if fl.format == "json" {
		enc := json.NewEncoder(out)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		return enc.Encode(page)
	}
	return writeFlaggedTable(out, page.Items, time.Now())
}

// writeFlaggedTable prints one line per client and detector.
func writeFlaggedTable(w io.Writer, items []gateway.FlaggedClient, now time.Time) error {
	if len(items) == 0 {
		_, err := fmt.Fprintln(w, "No client is flagged.")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ROUTE\tCLIENT\tACTION\tSINCE\tEXPIRES IN\tDETECTOR\tVALUE\tTHRESHOLD\tREASON")
	for _, c := range items {
		act := c.Action
		if c.Throttle != nil {
			act += fmt.Sprintf(" (%g/s)", c.Throttle.Rate)
		}
		for i, d := range c.Detectors {
			route, client, action, since, exp := c.Route, c.Client, act, c.Since.UTC().Format(time.RFC3339), c.Expires.Sub(now).Round(time.Second).String()
			if i > 0 {
				route, client, action, since, exp = "", "", "", "", ""
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s (%s)\t%g\t%g\t%s\n", route, client, action, since, exp, d.Detector, d.Action,
				d.Value, d.Threshold, strings.ReplaceAll(d.Reason, "\t", " "))
		}
	}
	return tw.Flush()
}

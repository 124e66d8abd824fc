package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/mlsec/mlsec/gateway"
)

func init() { register(newLogsCmd) }

type logsFlags struct {
	gateway, token, format string
	since, until           string
	limit                  int
}

func newLogsCmd() *cobra.Command {
	var fl logsFlags
	c := &cobra.Command{
		Use:   "logs MODEL",
		Short: "Read a model's redacted inference logs from the gateway",
		Long: `logs reads the inference gateway's log records of MODEL, oldest first. The
records are stored redacted: personal data appears as <ENTITY_TYPE>, keyed
pseudonyms or <ENC:...> tokens, which only the holder of the gateway's pii
key can turn back into values (mlsec pii decrypt). Expired records (past the
route's retention) are never returned.

Only registry tokens with the auditor or admin role and MODEL in their scope
may read logs: the gateway asks the registry. The token is --token, else
$MLSEC_TOKEN; the gateway is --gateway, else $MLSEC_GATEWAY, else
http://127.0.0.1:8088.

--since and --until take an RFC 3339 time or a duration back from now (24h,
7d).

Exit codes: 0 listed, 1 the gateway refused (401/403), 2 usage or connection
error.`,
		Example: `  mlsec logs iris --since 24h
  mlsec logs iris --since 2026-01-01T00:00:00Z --until 2026-01-02T00:00:00Z --format json > day.json
  mlsec logs iris --format json > logs.jsonl
  mlsec pii decrypt logs.jsonl --key-file pii.key`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return runLogs(cmd, args[0], fl) },
	}
	f := c.Flags()
	f.StringVar(&fl.gateway, "gateway", "", "gateway `URL` (default $MLSEC_GATEWAY, then http://127.0.0.1:8088)")
	f.StringVar(&fl.token, "token", "", "registry `TOKEN` (default $MLSEC_TOKEN)")
	f.StringVar(&fl.format, "format", "table", "output format: table or json (JSON Lines, one record per line)")
	f.StringVar(&fl.since, "since", "", "records at or after `TIME` (RFC 3339, or a duration back from now: 24h, 7d)")
	f.StringVar(&fl.until, "until", "", "records before `TIME` (RFC 3339, or a duration back from now)")
	f.IntVar(&fl.limit, "limit", 0, "stop after N records (0: all)")
	return c
}

func parseWhen(s string, now time.Time) (string, error) {
	if s == "" {
		return "", nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC().Format(time.RFC3339), nil
	}
	d, err := gateway.ParseDuration(s)
	if err != nil || d < 0 {
		return "", fmt.Errorf("%q: want an RFC 3339 time (2026-01-02T15:04:05Z) or a duration (24h, 7d)", s)
	}
	return now.Add(-d).UTC().Format(time.RFC3339), nil
}

func runLogs(cmd *cobra.Command, model string, fl logsFlags) error {
	if fl.format != "table" && fl.format != "json" {
		return withCode(ExitUsage, fmt.Errorf("logs: --format %q: want table or json", fl.format))
	}
	base, tok := gatewayTarget(fl.gateway, fl.token)
	now := time.Now()
	q := url.Values{"model": {model}}
	for name, v := range map[string]string{"since": fl.since, "until": fl.until} {
		w, err := parseWhen(v, now)
		if err != nil {
			return withCode(ExitUsage, fmt.Errorf("logs: --%s %w", name, err))
		}
		if w != "" {
			q.Set(name, w)
		}
	}
	out := cmd.OutOrStdout()
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	if fl.format == "table" {
		fmt.Fprintln(tw, "ID\tTIME\tROUTE\tVERSION\tCLIENT\tSTATUS\tLATENCY\tPII\tREQUEST")
	}
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	n := 0
	for {
		page, err := fetchLogs(cmd, base+"/_mlsec/logs?"+q.Encode(), tok)
		if err != nil {
			return err
		}
		for _, r := range page.Items {
			if fl.limit > 0 && n == fl.limit {
				break
			}
			n++
			if fl.format == "json" {
				if err := enc.Encode(r); err != nil {
					return withCode(ExitUsage, err)
				}
				continue
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%s\t%d\t%s\t%s\t%s\n", r.ID, r.Time.Format(time.RFC3339), r.Route, r.Version, r.Client,
				r.Status, r.Latency.Round(time.Microsecond), piiSummary(r.PII), oneLine(r.Request, 60))
		}
		if page.NextAfter == 0 || (fl.limit > 0 && n == fl.limit) {
			break
		}
		q.Set("after", strconv.FormatInt(page.NextAfter, 10))
	}
	if fl.format == "table" {
		tw.Flush()
	}
	return nil
}

func fetchLogs(cmd *cobra.Command, u, tok string) (gateway.LogPage, error) {
	var page gateway.LogPage
	err := gatewayGet(cmd, "logs", u, tok, "ask for an auditor token scoped to this model", &page)
	return page, err
}

// gatewayGet reads one JSON answer of a gateway admin endpoint (what
// names the command in errors) with a registry token: 401 and 403 exit 1
// (forbidden says what to ask for), anything else that fails exits 2.
func gatewayGet(cmd *cobra.Command, what, u, tok, forbidden string, out any) error {
	req, err := http.NewRequestWithContext(cmd.Context(), http.MethodGet, u, nil)
	if err != nil {
		return withCode(ExitUsage, fmt.Errorf("%s: %w", what, err))
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return withCode(ExitUsage, fmt.Errorf("%s: %w (is mlsec gateway running? pass --gateway URL)", what, err))
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		var eb struct {
			Error struct{ Code, Message string }
		}
		b, _ := io.ReadAll(io.LimitReader(res.Body, 64<<10))
		_ = json.Unmarshal(b, &eb)
		err := fmt.Errorf("%s: %s (HTTP %d)", what, eb.Error.Message, res.StatusCode)
		switch res.StatusCode {
		case http.StatusUnauthorized:
			return withCode(ExitFindings, fmt.Errorf("%w: set MLSEC_TOKEN to a registry token", err))
		case http.StatusForbidden:
			return withCode(ExitFindings, fmt.Errorf("%w: %s", err, forbidden))
		}
		return withCode(ExitUsage, err)
	}
	if err := json.NewDecoder(io.LimitReader(res.Body, 64<<20)).Decode(out); err != nil {
		return withCode(ExitUsage, fmt.Errorf("%s: %w", what, errors.Join(errors.New("bad answer from the gateway"), err)))
	}
	return nil
}

// gatewayTarget returns the gateway URL and registry token of a command:
// the flags, else $MLSEC_GATEWAY (then http://127.0.0.1:8088) and
// $MLSEC_TOKEN.
func gatewayTarget(gw, tok string) (string, string) {
	if gw == "" {
		gw = envOr("MLSEC_GATEWAY", "http://127.0.0.1:8088")
	}
	if tok == "" {
		tok = os.Getenv("MLSEC_TOKEN")
	}
	return strings.TrimRight(gw, "/"), tok
}

func piiSummary(m map[string]int) string {
	if len(m) == 0 {
		return "-"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s:%d", k, m[k])
	}
	return strings.Join(parts, ",")
}

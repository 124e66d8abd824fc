package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/mlsec/mlsec/gateway"
)

func init() { register(newGatewayCmd) }

// gatewayGOGC is the gateway's GOGC unless the environment sets one. Its
// live heap is small (about 7 MB) and each request allocates tens of KB, so
// at the default of 100 it collected ten times a second at 2,000 req/s, and
// requests that arrived during a cycle paid mark assists: 400 collects a
// quarter as often for about 30 MB more heap (docs/gateway.md, "Speed").
const gatewayGOGC = 400

type gatewayFlags struct {
	config string
	addr   string
	debug  bool
	pprof  string
}

func newGatewayCmd() *cobra.Command {
	var fl gatewayFlags
	c := &cobra.Command{
		Use:   "gateway --config gateway.yaml",
		Short: "Run the inference gateway: redacted logs, retention, live drift, metrics",
		Long: `gateway runs a reverse proxy in front of model servers, one route per model
(KServe v2 / Open Inference Protocol, MLflow /invocations, OpenAI-compatible
/v1/chat/completions with streaming, or any JSON API). Every request/response
pair is logged after PII redaction, never before, to SQLite (default) or
PostgreSQL, kept for the route's retention and then deleted, with each
deletion audited in the registry. Routes with a drift reference compare each
window of live traffic with it and post drift and monitoring evidence for the
served model version. /metrics serves Prometheus metrics; alerts go to an
Alertmanager. The configuration file is documented in docs/gateway.md and
gateway/testdata/gateway.example.yaml.

The registry token the gateway posts evidence with is read from the variable
named by registry.token_env (default MLSEC_TOKEN).

Exit codes: 0 stopped cleanly, 1 the server failed, 2 configuration or usage
error (docs/exit-codes.md).`,
		Example: `  mlsec gateway key app                        # an API key for client "app"
  mlsec gateway --config gateway.yaml
  MLSEC_TOKEN=mlsec_... mlsec gateway --config gateway.yaml --addr 127.0.0.1:9090`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if fl.config == "" {
				return withCode(ExitUsage, errors.New("gateway: --config is required (see gateway/testdata/gateway.example.yaml)"))
			}
			if os.Getenv("GOGC") == "" {
				debug.SetGCPercent(gatewayGOGC)
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return runGateway(ctx, fl, cmd.ErrOrStderr(), nil)
		},
	}
	c.Flags().StringVar(&fl.config, "config", "", "gateway configuration `FILE` (YAML)")
	c.Flags().StringVar(&fl.addr, "addr", "", "listen address (overrides listen: in the file)")
	c.Flags().BoolVar(&fl.debug, "debug", false, "log every exchange (route, client, status, latency; never content)")
	c.Flags().StringVar(&fl.pprof, "pprof", "", "serve Go's /debug/pprof on this loopback `ADDR` (profiling; never expose it)")
	c.AddCommand(newGatewayKeyCmd(), newGatewayClientsCmd())
	return c
}

func newGatewayKeyCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "key NAME",
		Short: "Make an API key for a gateway client",
		Long: `key prints a new random API key for client NAME and the clients: entry to
put in the gateway configuration. Only the key's SHA-256 goes into the file;
give the key to the client, it is not shown again.

Exit codes: 0 printed, 2 usage error.`,
		Example: `  mlsec gateway key fraud-service`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			key, sum := gateway.NewKey()
			fmt.Fprintf(cmd.OutOrStdout(), "API key for %s (shown once; send it as 'Authorization: Bearer KEY'):\n\n  %s\n\n"+
				"Add to the gateway configuration:\n\nclients:\n  - name: %s\n    key_sha256: %s\n", args[0], key, args[0], sum)
			return nil
		},
	}
}

// runGateway runs the gateway until ctx ends; ready, if not nil, receives
// the bound address (tests).
func runGateway(ctx context.Context, fl gatewayFlags, stderr io.Writer, ready chan<- string) error {
	level := slog.LevelInfo
	if fl.debug {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: level}))
	cfg, err := gateway.LoadConfig(fl.config)
	if err != nil {
		return withCode(ExitUsage, fmt.Errorf("gateway: %w", err))
	}
	if fl.addr != "" {
		cfg.Listen = fl.addr
	}
	opts := []gateway.Option{gateway.WithLogger(log)}
	if cfg.Registry.URL != "" {
		tok := os.Getenv(cfg.Registry.TokenEnv)
		if tok == "" {
			return withCode(ExitUsage, fmt.Errorf("gateway: registry.url is set but %s is empty: export a registry token with the evidence role", cfg.Registry.TokenEnv))
		}
		rc, err := gateway.NewRegistryClient(cfg.Registry.URL, tok)
		if err != nil {
			return withCode(ExitUsage, fmt.Errorf("gateway: registry: %w", err))
		}
		opts = append(opts, gateway.WithRegistry(rc))
	} else {
		log.Warn("no registry.url: evidence and retention audit events are not posted, and /_mlsec/logs is closed")
	}
	g, err := gateway.New(ctx, cfg, opts...)
	if err != nil {
		return withCode(ExitUsage, fmt.Errorf("gateway: %w", err))
	}
	defer g.Close()
	if err := g.Start(ctx); err != nil {
		return withCode(ExitUsage, fmt.Errorf("gateway: %w", err))
	}
	if fl.pprof != "" {
		if err := servePprof(ctx, fl.pprof); err != nil {
			return withCode(ExitUsage, fmt.Errorf("gateway: --pprof: %w", err))
		}
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return withCode(ExitUsage, fmt.Errorf("gateway: %w", err))
	}
	hs := &http.Server{
		Handler:           g.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		// The gateway's own limits bound bodies and upstream time; this
		// bounds a client that trickles its request.
		ReadTimeout: 2 * time.Minute,
	}
	log.Info("mlsec gateway listening", "addr", ln.Addr().String(), "routes", len(cfg.Routes), "store", g.Store().Dialect(), "replica", cfg.Replica)
	if ready != nil {
		ready <- ln.Addr().String()
	}
	if err := startServing(hs, ln).untilDone(ctx, "gateway"); err != nil {
		return err
	}
	if err := g.Close(); err != nil {
		return withCode(1, fmt.Errorf("gateway: close: %w", err))
	}
	log.Info("mlsec gateway stopped")
	return nil
}

// servePprof serves the runtime profiles on a loopback address until ctx
// ends.
func servePprof(ctx context.Context, addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("%s: profiles are served on loopback only", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go hs.Serve(ln)
	go func() { <-ctx.Done(); hs.Close() }()
	return nil
}

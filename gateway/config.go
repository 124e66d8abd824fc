package gateway

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/mlsec/mlsec/internal/lazyre"
	"github.com/mlsec/mlsec/internal/sqldb"

	"gopkg.in/yaml.v3"

	"github.com/mlsec/mlsec/extraction"
	"github.com/mlsec/mlsec/guard"
)

// ErrConfig is wrapped by every configuration error.
var ErrConfig = errors.New("gateway config")

// Protocols a route speaks. The protocol decides how drift features are read
// from bodies and which hooks apply (guardrails attach to ProtocolOpenAI).
const (
	ProtocolKServe = "kserve" // KServe v2 / Open Inference Protocol: /v2/models/NAME/infer
	ProtocolMLflow = "mlflow" // MLflow scoring server: /invocations
	ProtocolOpenAI = "openai" // OpenAI-compatible /v1/chat/completions (SSE streaming)
	ProtocolJSON   = "json"   // any JSON API
)

// Failure modes of the log store (Config.Log.OnFailure).
const (
	// FailRefuse refuses traffic (503) while logging fails: nothing is
	// served that is not logged. The default.
	FailRefuse = "refuse"
	// FailProxy keeps serving without logging, counted in
	// mlsec_gateway_log_failures_total.
	FailProxy = "proxy"
)

// Config is the gateway's configuration file (gateway.yaml). The field
// comments are its manual; testdata/gateway.example.yaml is a commented
// example and docs/gateway.md the reference.
type Config struct {
	// Listen is the address the gateway serves on (127.0.0.1:8088).
	Listen string `yaml:"listen"`
	// Replica names this process in the shared store (default: the host
	// name and process id).
	Replica string `yaml:"replica"`
	// Registry is where evidence is posted and callers of the logs API are
	// authenticated. Optional: without it nothing is posted.
	Registry RegistryConfig `yaml:"registry"`
	Log      LogConfig      `yaml:"log"`
	PII      PIIConfig      `yaml:"pii"`
	Limits   Limits         `yaml:"limits"`
	// Clients are the callers allowed in, each with a hashed API key.
	Clients []ClientConfig `yaml:"clients"`
	// AllowAnonymous lets requests without a key in as client "anonymous"
	// (default false: a missing key is 401).
	AllowAnonymous bool         `yaml:"allow_anonymous"`
	Alerts         AlertsConfig `yaml:"alerts"`
	Routes         []Route      `yaml:"routes"`
}

// RegistryConfig names the mlsec registry.
type RegistryConfig struct {
	URL string `yaml:"url"`
	// TokenEnv names the variable holding the token the gateway posts
	// evidence with (default MLSEC_TOKEN); it needs the evidence role.
	TokenEnv string `yaml:"token_env"`
}

// LogConfig configures the log store.
type LogConfig struct {
	// Database is a SQLite file (default ./gateway-data/gateway.db) or a
	// postgres:// URL (several replicas share one).
	Database string `yaml:"database"`
	// OnFailure is refuse (default) or proxy.
	OnFailure string `yaml:"on_failure"`
	// Synchronous is SQLite's synchronous pragma: normal (default: a
	// committed record survives a crash of the process; kill -9 is
	// tested) or full (it survives a power loss too, at one fsync per
	// batch).
	Synchronous string `yaml:"synchronous"`
	// Journal is the acknowledgement journal (logstore.Options.Journal): an
	// answer waits for its record's write to this local file, not for the
	// commit. Default: "<database>.acklog" for SQLite with synchronous
	// normal, none for PostgreSQL (set a local path per replica) and with
	// synchronous full (the journal survives kill -9, not a power loss).
	// "off" waits for the commit.
	Journal string `yaml:"journal"`
	// MaxBodyLog bounds the redacted text kept per body (default 64 KiB;
	// longer bodies are cut and marked truncated).
	MaxBodyLog Size `yaml:"max_body_log"`
	// SweepInterval is how often expired records are deleted (default 1m).
	SweepInterval Duration `yaml:"sweep_interval"`
	// SweepBatch bounds the records deleted per transaction (default 1000).
	SweepBatch int `yaml:"sweep_batch"`
}

// PIIConfig configures redaction (package pii).
type PIIConfig struct {
	// KeyFile or KeyEnv hold the key for pseudonym and encrypt operators
	// (and for the tokens that stand for new categories in drift windows).
	KeyFile string `yaml:"key_file"`
	KeyEnv  string `yaml:"key_env"`
	// Operators maps an entity type (or "*") to an operator spec as for
	// 'mlsec pii redact --operator': replace, redact, mask:N, hash,
	// pseudonym, encrypt. Default: replace everything with <ENTITY_TYPE>.
	Operators map[string]string `yaml:"operators"`
	// Threshold is the minimum score of a reported span (default 0.5).
	Threshold float64 `yaml:"threshold"`
	// PhoneRegions overrides the default regions (US GB DE FR IN).
	PhoneRegions []string `yaml:"phone_regions"`
}

// Limits bound what one request may cost.
type Limits struct {
	// MaxRequestBytes: larger request bodies are refused with 413 before
	// anything is sent upstream or logged (default 1 MiB).
	MaxRequestBytes Size `yaml:"max_request_bytes"`
	// MaxResponseBytes: a larger non-streamed upstream answer is refused
	// with 502 (default 8 MiB; the answer is held until it is logged).
	MaxResponseBytes Size `yaml:"max_response_bytes"`
	// Timeout bounds a whole upstream exchange, streams included
	// (default 60s); past it the client gets 504.
	Timeout Duration `yaml:"timeout"`
	// HeaderTimeout bounds the wait for the upstream's response headers
	// (default 30s).
	HeaderTimeout Duration `yaml:"header_timeout"`
}

// ClientConfig is one caller.
type ClientConfig struct {
	Name string `yaml:"name"`
	// KeySHA256 is the hex SHA-256 of the client's API key ('mlsec
	// gateway key NAME' makes a key and prints this line); the key itself
	// is never stored.
	KeySHA256 string `yaml:"key_sha256"`
	// Rate is requests per second (0: unlimited) and Burst the bucket size
	// (default: Rate rounded up, at least 1).
	Rate  float64 `yaml:"rate"`
	Burst int     `yaml:"burst"`
}

// AlertsConfig sends Alertmanager-compatible alerts.
type AlertsConfig struct {
	// Alertmanager is the base URL of an Alertmanager (alerts are POSTed
	// to URL/api/v2/alerts) or of anything that accepts that shape.
	Alertmanager string `yaml:"alertmanager"`
	// ErrorRate is the share of failed answers (5xx and upstream errors)
	// in a window above which an alert fires (default 0.05).
	ErrorRate float64 `yaml:"error_rate"`
	// Retries bounds the further attempts at an alert sent at once (an
	// extraction alert) after a failed one (default 5; window alerts are
	// jobs, retried by the job queue). Attempt n+1 waits RetryBackoff
	// times 2^n, at most 1 minute (default backoff 1s).
	Retries      int      `yaml:"retries"`
	RetryBackoff Duration `yaml:"retry_backoff"`
}

// Route is one model behind the gateway.
type Route struct {
	// Name names the route in metrics and logs (default: the model).
	Name string `yaml:"name"`
	// Protocol is kserve, mlflow, openai or json.
	Protocol string `yaml:"protocol"`
	// Path is the gateway-side path prefix; the rest of the request path is
	// appended to Upstream's path.
	Path string `yaml:"path"`
	// Upstream is the model server's URL (http or https).
	Upstream string `yaml:"upstream"`
	// Model names the registry model this route serves, and Version the
	// version (a number) or Digest its sha256 root digest: what the route
	// records becomes evidence for that exact version.
	Model   string `yaml:"model"`
	Version string `yaml:"version"`
	Digest  string `yaml:"digest"`
	// Retention is how long log records are kept (e.g. 30d, 12h); past it
	// queries no longer return them and the sweeper deletes them.
	Retention Duration `yaml:"retention"`
	// Clients limits the route to these clients (default: every client).
	Clients []string `yaml:"clients"`
	// UpstreamTokenEnv names a variable whose value is sent upstream as
	// "Authorization: Bearer ..." (the client's own key never is).
	UpstreamTokenEnv string `yaml:"upstream_token_env"`
	// Window is the route's tumbling monitoring window: each closed window
	// becomes a monitoring evidence record (and a drift record with Drift).
	Window WindowConfig `yaml:"window"`
	// Drift compares live traffic with a reference profile.
	Drift *DriftConfig `yaml:"drift"`
	// Guard turns on the LLM guardrails (package guard, docs/guardrails.md)
	// of an openai route: input scanners (injection, prompt_pii,
	// prompt_banned, length) and output scanners (answer_pii, leakage,
	// answer_banned, answer_json), each with its action. Streams are
	// filtered as they pass.
	Guard *guard.Config `yaml:"guard"`
	// Extraction runs the model-extraction detectors (package extraction,
	// docs/extraction.md) per client on this route.
	Extraction *ExtractionConfig `yaml:"extraction"`
}

// ExtractionConfig is a route's extraction: block: the detectors (rate,
// prada, boundary, sweep, llm, max_clients as in package extraction) and
// what a flagged client gets.
type ExtractionConfig struct {
	extraction.Config `yaml:",inline"`
	// Action is what a client flagged by a detector gets, unless Actions
	// names another for that detector: alert (the default; "flag" is its
	// older name) counts, logs and alerts and keeps serving; throttle also
	// limits the client to Throttle (excess requests 429 with
	// Retry-After); block also refuses its requests with 403.
	Action string `yaml:"action"`
	// Actions sets the action per detector (rate, volume, prada, boundary,
	// sweep, near_duplicates, llm_extraction), e.g. {rate: throttle,
	// prada: block}. With several detectors flagging, the strongest
	// action is in force.
	Actions map[string]string `yaml:"actions"`
	// Throttle is the token bucket of a throttled client (default 1
	// request per second, burst 1).
	Throttle ThrottleConfig `yaml:"throttle"`
	// Expire lifts a detector's flag this long after it last fired
	// (default 1h). A flag stays while the detector keeps firing, so a
	// client cannot clear it by pausing; a blocked client, which sends the
	// detectors nothing, is forgotten by them when its block expires.
	Expire Duration `yaml:"expire"`
}

// ThrottleConfig is a throttled client's token bucket: Rate requests per
// second, Burst at once.
type ThrottleConfig struct {
	Rate  float64 `yaml:"rate" json:"rate"`
	Burst int     `yaml:"burst" json:"burst"`
}

// Extraction actions, weakest first.
const (
	ExtractionAlert    = "alert"
	ExtractionThrottle = "throttle"
	ExtractionBlock    = "block"
	// ExtractionFlag is the older name of ExtractionAlert, still accepted
	// in configurations; it is also the action label of
	// mlsec_gateway_extraction_flags_total for a client newly flagged.
	ExtractionFlag = "flag"
)

// actionRank orders actions by strength (0: unknown).
func actionRank(a string) int {
	switch a {
	case ExtractionAlert:
		return 1
	case ExtractionThrottle:
		return 2
	case ExtractionBlock:
		return 3
	}
	return 0
}

// actionFor returns the action configured for a detector.
func (e *ExtractionConfig) actionFor(detector string) string {
	if a, ok := e.Actions[detector]; ok {
		return a
	}
	return e.Action
}

// WindowConfig closes a tumbling window after Requests requests or
// Interval, whichever comes first (defaults 10000 and 1h).
type WindowConfig struct {
	Requests int      `yaml:"requests"`
	Interval Duration `yaml:"interval"`
}

// DriftConfig configures live drift on a route.
type DriftConfig struct {
	// Reference is a profile written by 'mlsec drift profile'.
	Reference string `yaml:"reference"`
	// Dataset, instead of Reference, names a dataset registered in the
	// registry ('mlsec datasets add NAME --digest sha256:HEX --uri FILE'):
	// at start the gateway reads the table at its URI (a local path or
	// file:// URL), refuses to start unless its SHA-256 is the registered
	// digest, and profiles it.
	Dataset string `yaml:"dataset"`
	// Prediction names the profile column that holds the model's output
	// (compared too); the other columns are read from requests.
	Prediction string `yaml:"prediction"`
	// Columns lists the profile columns in the order the model takes its
	// inputs (a KServe tensor's second axis, an MLflow "instances" row);
	// default: the profile's columns without Prediction.
	Columns []string `yaml:"columns"`
	// MinRows: a window with fewer rows is not compared (default 30).
	MinRows int `yaml:"min_rows"`
	// DriftShare and Method as 'mlsec drift' (defaults: Evidently's).
	DriftShare float64 `yaml:"drift_share"`
	Method     string  `yaml:"method"`
}

// Duration is a time.Duration read from "30d", "12h", "90s" or a number of
// seconds.
type Duration time.Duration

// UnmarshalYAML reads a duration; "d" is 24 hours.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := ParseDuration(n.Value)
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// D returns the time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// ParseDuration reads "30d", "1d12h", "90s", or a bare number of seconds.
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if n, err := strconv.ParseFloat(s, 64); err == nil {
		return time.Duration(n * float64(time.Second)), nil
	}
	var days time.Duration
	if i := strings.IndexByte(s, 'd'); i > 0 {
		n, err := strconv.Atoi(s[:i])
		if err != nil {
			return 0, fmt.Errorf("duration %q: want e.g. 30d, 12h, 90s", s)
		}
		days, s = time.Duration(n)*24*time.Hour, s[i+1:]
		if s == "" {
			return days, nil
		}
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("duration %q: want e.g. 30d, 12h, 90s", s)
	}
	return days + v, nil
}

// Size is a byte count read from "1MiB", "64KiB", "512" (bytes).
type Size int64

var sizeRE = lazyre.New(`^(\d+)\s*(|B|KiB|KB|K|MiB|MB|M|GiB|GB|G)$`)

// UnmarshalYAML reads a size.
func (s *Size) UnmarshalYAML(n *yaml.Node) error {
	m := sizeRE.FindStringSubmatch(strings.TrimSpace(n.Value))
	if m == nil {
		return fmt.Errorf("size %q: want e.g. 1MiB, 64KiB or a number of bytes", n.Value)
	}
	v, _ := strconv.ParseInt(m[1], 10, 64)
	switch strings.ToUpper(m[2][:min(1, len(m[2]))]) {
	case "K":
		v <<= 10
	case "M":
		v <<= 20
	case "G":
		v <<= 30
	}
	*s = Size(v)
	return nil
}

// LoadConfig reads and validates a configuration file.
func LoadConfig(path string) (*Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	defer f.Close()
	c, err := ParseConfig(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// ParseConfig reads a configuration (unknown keys are errors, so a typo
// cannot silently disable a limit), fills defaults and validates it.
func ParseConfig(r io.Reader) (*Config, error) {
	b, err := io.ReadAll(io.LimitReader(r, 4<<20))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	var c Config
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	c.defaults()
	if err := c.validate(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	return &c, nil
}

func (c *Config) defaults() {
	if c.Listen == "" {
		c.Listen = "127.0.0.1:8088"
	}
	if c.Replica == "" {
		h, _ := os.Hostname()
		c.Replica = fmt.Sprintf("%s-%d", h, os.Getpid())
	}
	if c.Registry.TokenEnv == "" {
		c.Registry.TokenEnv = "MLSEC_TOKEN"
	}
	if c.Log.Database == "" {
		c.Log.Database = "gateway-data/gateway.db"
	}
	if c.Log.OnFailure == "" {
		c.Log.OnFailure = FailRefuse
	}
	if c.Log.Synchronous == "" {
		c.Log.Synchronous = "normal"
	}
	if c.Log.MaxBodyLog == 0 {
		c.Log.MaxBodyLog = 64 << 10
	}
	if c.Log.SweepInterval == 0 {
		c.Log.SweepInterval = Duration(time.Minute)
	}
	if c.Log.SweepBatch == 0 {
		c.Log.SweepBatch = 1000
	}
	if c.Limits.MaxRequestBytes == 0 {
		c.Limits.MaxRequestBytes = 1 << 20
	}
	if c.Limits.MaxResponseBytes == 0 {
		c.Limits.MaxResponseBytes = 8 << 20
	}
	if c.Limits.Timeout == 0 {
		c.Limits.Timeout = Duration(60 * time.Second)
	}
	if c.Limits.HeaderTimeout == 0 {
		c.Limits.HeaderTimeout = Duration(30 * time.Second)
	}
	if c.Alerts.ErrorRate == 0 {
		c.Alerts.ErrorRate = 0.05
	}
	if c.Alerts.Retries == 0 {
		c.Alerts.Retries = 5
	}
	if c.Alerts.RetryBackoff == 0 {
		c.Alerts.RetryBackoff = Duration(time.Second)
	}
	for i := range c.Clients {
		cl := &c.Clients[i]
		cl.KeySHA256 = strings.ToLower(strings.TrimSpace(cl.KeySHA256))
		if cl.Burst == 0 {
			cl.Burst = max(1, int(cl.Rate+0.999))
		}
	}
	for i := range c.Routes {
		r := &c.Routes[i]
		if r.Name == "" {
			r.Name = r.Model
		}
		if r.Protocol == "" {
			r.Protocol = ProtocolJSON
		}
		r.Digest = strings.TrimPrefix(strings.ToLower(r.Digest), "sha256:")
		if r.Window.Requests == 0 {
			r.Window.Requests = 10000
		}
		if r.Window.Interval == 0 {
			r.Window.Interval = Duration(time.Hour)
		}
		if d := r.Drift; d != nil {
			if d.MinRows == 0 {
				d.MinRows = 30
			}
		}
		if e := r.Extraction; e != nil {
			if e.Action == "" || e.Action == ExtractionFlag {
				e.Action = ExtractionAlert
			}
			for d, a := range e.Actions {
				if a == ExtractionFlag {
					e.Actions[d] = ExtractionAlert
				}
			}
			if e.Throttle.Rate == 0 {
				e.Throttle.Rate = 1
			}
			if e.Throttle.Burst == 0 {
				e.Throttle.Burst = max(1, int(e.Throttle.Rate+0.999))
			}
			if e.Expire == 0 {
				e.Expire = Duration(time.Hour)
			}
		}
	}
}

var (
	nameRE   = lazyre.New(`^[a-z0-9][a-z0-9._-]{0,127}$`)
	hexKeyRE = lazyre.New(`^[0-9a-f]{64}$`)
)

func (c *Config) validate() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if c.Log.OnFailure != FailRefuse && c.Log.OnFailure != FailProxy {
		bad("log.on_failure %q: want refuse or proxy", c.Log.OnFailure)
	}
	if c.Log.Synchronous != "normal" && c.Log.Synchronous != "full" {
		bad("log.synchronous %q: want normal or full", c.Log.Synchronous)
	} else if c.Log.Synchronous == "full" && c.Log.Journal != "" && c.Log.Journal != "off" {
		bad("log.journal with log.synchronous full: the journal survives kill -9 but not a power loss; set log.journal: off")
	}
	if c.Registry.URL != "" {
		if u, err := url.Parse(c.Registry.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("registry.url %q: want http(s)://host[:port]", c.Registry.URL)
		}
	}
	if c.Alerts.Retries < 0 || c.Alerts.Retries > 20 || c.Alerts.RetryBackoff.D() < 0 {
		bad("alerts: retries 0 to 20 and a non-negative retry_backoff")
	}
	clients := map[string]bool{}
	keys := map[string]bool{}
	for i, cl := range c.Clients {
		switch {
		case !nameRE.MatchString(cl.Name):
			bad("clients[%d].name %q: want lowercase letters, digits, '.', '_' or '-'", i, cl.Name)
		case clients[cl.Name]:
			bad("clients[%d].name %q: listed twice", i, cl.Name)
		}
		clients[cl.Name] = true
		if !hexKeyRE.MatchString(cl.KeySHA256) {
			bad("clients[%d].key_sha256: want the 64 hex digits 'mlsec gateway key %s' prints", i, cl.Name)
		} else if keys[cl.KeySHA256] {
			bad("clients[%d]: the same key as another client", i)
		}
		keys[cl.KeySHA256] = true
		if cl.Rate < 0 || cl.Burst < 0 {
			bad("clients[%d]: rate and burst must not be negative", i)
		}
	}
	if len(c.Routes) == 0 {
		bad("no routes: add one per model under routes:")
	}
	names, paths := map[string]bool{}, map[string]bool{}
	for i, r := range c.Routes {
		at := fmt.Sprintf("routes[%d] (%s)", i, r.Name)
		if !nameRE.MatchString(r.Name) {
			bad("%s: name %q: want lowercase letters, digits, '.', '_' or '-'", at, r.Name)
		}
		if names[r.Name] {
			bad("%s: name listed twice", at)
		}
		names[r.Name] = true
		switch r.Protocol {
		case ProtocolKServe, ProtocolMLflow, ProtocolOpenAI, ProtocolJSON:
		default:
			bad("%s: protocol %q: want kserve, mlflow, openai or json", at, r.Protocol)
		}
		if !strings.HasPrefix(r.Path, "/") || strings.HasPrefix(r.Path, "/_mlsec") || r.Path == "/metrics" {
			bad("%s: path %q: want an absolute path outside /_mlsec and /metrics", at, r.Path)
		}
		if paths[r.Path] {
			bad("%s: path %q served by two routes", at, r.Path)
		}
		paths[r.Path] = true
		if u, err := url.Parse(r.Upstream); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" {
			bad("%s: upstream %q: want http(s)://host[:port][/path]", at, r.Upstream)
		}
		if r.Model == "" {
			bad("%s: model: name the registry model this route serves", at)
		}
		if r.Version == "" && r.Digest == "" {
			bad("%s: give version (a number) or digest (sha256:...) of the served model", at)
		}
		if r.Version != "" {
			if n, err := strconv.Atoi(r.Version); err != nil || n < 1 {
				bad("%s: version %q: want a version number", at, r.Version)
			}
		}
		if r.Digest != "" && !hexKeyRE.MatchString(r.Digest) {
			bad("%s: digest: want sha256: and 64 hex digits", at)
		}
		if r.Retention.D() <= 0 {
			bad("%s: retention: say how long logs are kept, e.g. retention: 30d", at)
		}
		if r.Window.Requests < 1 || r.Window.Interval.D() <= 0 {
			bad("%s: window requests and interval must be positive", at)
		}
		for _, n := range r.Clients {
			if !clients[n] {
				bad("%s: client %q is not under clients:", at, n)
			}
		}
		if r.Guard != nil {
			if r.Protocol != ProtocolOpenAI {
				bad("%s: guard needs the openai protocol (it reads chat messages)", at)
			} else if _, err := guard.New(*r.Guard); err != nil {
				bad("%s: guard: %v", at, err)
			}
		}
		if e := r.Extraction; e != nil {
			if actionRank(e.Action) == 0 {
				bad("%s: extraction.action %q: want alert, throttle or block", at, e.Action)
			}
			for d, a := range e.Actions {
				if !slices.Contains(extraction.Detectors(), d) {
					bad("%s: extraction.actions: detector %q: want one of %s", at, d, strings.Join(extraction.Detectors(), ", "))
				}
				if actionRank(a) == 0 {
					bad("%s: extraction.actions.%s %q: want alert, throttle or block", at, d, a)
				}
			}
			if e.Throttle.Rate < 0 || e.Throttle.Burst < 0 {
				bad("%s: extraction.throttle: rate and burst must not be negative", at)
			}
			if e.Expire.D() < 0 {
				bad("%s: extraction.expire must not be negative", at)
			}
			if e.Rate == nil && e.PRADA == nil && e.Boundary == nil && e.Sweep == nil && e.LLM == nil {
				bad("%s: extraction: turn on at least one detector (rate, prada, boundary, sweep, llm)", at)
			}
			if _, err := extraction.New(e.Config); err != nil {
				bad("%s: extraction: %v", at, err)
			}
		}
		if d := r.Drift; d != nil {
			if r.Protocol == ProtocolOpenAI {
				bad("%s: drift needs tabular inputs; the openai protocol has none", at)
			}
			switch {
			case d.Reference == "" && d.Dataset == "":
				bad("%s: drift.reference (a profile from 'mlsec drift profile') or drift.dataset (a registered dataset) is required", at)
			case d.Reference != "" && d.Dataset != "":
				bad("%s: drift.reference and drift.dataset: give one", at)
			case d.Dataset != "" && c.Registry.URL == "":
				bad("%s: drift.dataset needs registry.url", at)
			}
			if d.MinRows < 1 {
				bad("%s: drift.min_rows must be positive", at)
			}
		}
	}
	sort.Slice(errs, func(i, j int) bool { return errs[i].Error() < errs[j].Error() })
	return errors.Join(errs...)
}

// JournalPath resolves Journal: the path of the acknowledgement journal, or
// "" for none.
func (c LogConfig) JournalPath() string {
	switch {
	case c.Journal == "off", c.Synchronous == "full":
		return ""
	case c.Journal != "":
		return c.Journal
	case sqldb.IsPostgres(c.Database):
		return ""
	}
	return sqldb.SQLitePath(c.Database) + ".acklog"
}

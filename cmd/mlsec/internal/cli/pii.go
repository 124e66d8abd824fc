package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	pbar "github.com/mlsec/mlsec/internal/progress"
	"github.com/mlsec/mlsec/pii"
)

func init() { register(newPIICmd) }

func newPIICmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "pii",
		Short: "Find and redact personal data and secrets in text, JSON and JSON Lines",
		Long: `Find personal data and secrets (e-mail addresses, phone numbers, card
numbers, IBANs, US SSNs, IP addresses, dates of birth, street addresses,
people's names, API keys and private keys) in text, JSON and JSON Lines
files such as inference logs, and write redacted copies.

Recognizers, scores, operators and measured quality: docs/pii.md.`,
		Example: `  mlsec pii scan requests.jsonl --fields request.prompt,response.output
  mlsec pii scan notes.txt --format sarif -o pii.sarif
  mlsec pii redact requests.jsonl -o requests.redacted.jsonl
  mlsec pii redact requests.jsonl --operator PERSON=pseudonym --key-file pii.key -o out.jsonl
  mlsec pii decrypt out.jsonl --key-file pii.key -o clear.jsonl`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error { return c.Help() },
	}
	c.AddCommand(newPIIScanCmd(), newPIIRedactCmd(), newPIIDecryptCmd())
	return c
}

// piiInput is the flag group shared by scan and redact: what to read and
// how to analyse it.
type piiInput struct {
	fields     []string
	input      string
	threshold  float64
	entities   []string
	regions    []string
	noProgress bool
}

func (p *piiInput) register(f *pflag.FlagSet) {
	f.StringSliceVar(&p.fields, "fields", nil, "analyse only these JSON `PATHS` (comma-separated or repeated; e.g. request.prompt,messages[*].content); default: every string value")
	f.StringVar(&p.input, "input", "auto", "input `FORMAT`: auto, text, json or jsonl")
	f.Float64Var(&p.threshold, "threshold", pii.DefaultThreshold, "report spans scoring at least `SCORE` (0 to 1)")
	f.StringSliceVar(&p.entities, "entities", nil, "look only for these entity `TYPES` (e.g. EMAIL_ADDRESS,CREDIT_CARD); default: all")
	f.StringSliceVar(&p.regions, "phone-regions", nil, "`REGIONS` whose national phone formats are tried (default US,GB,DE,FR,IN)")
	f.BoolVar(&p.noProgress, "no-progress", false, "never draw the progress bar (it is drawn only when stderr is a terminal)")
}

// analyzer builds the analyzer, selector and format the flags describe.
func (p *piiInput) analyzer() (*pii.Analyzer, *pii.Selector, pii.Format, error) {
	opts := []pii.Option{pii.WithThreshold(p.threshold)}
	if len(p.entities) > 0 {
		var es []pii.Entity
		for _, s := range p.entities {
			e, err := pii.ParseEntity(s)
			if err != nil {
				return nil, nil, 0, usageErr("--entities: %w", err)
			}
			es = append(es, e)
		}
		opts = append(opts, pii.WithEntities(es...))
	}
	if len(p.regions) > 0 {
		opts = append(opts, pii.WithPhoneRegions(p.regions...))
	}
	a, err := pii.New(opts...)
	if err != nil {
		return nil, nil, 0, usageErr("%w", err)
	}
	sel, err := pii.ParseSelector(p.fields...)
	if err != nil {
		return nil, nil, 0, usageErr("--fields: %w", err)
	}
	f, err := pii.ParseFormat(p.input)
	if err != nil {
		return nil, nil, 0, usageErr("--input: %w", err)
	}
	return a, sel, f, nil
}

// open opens the input file, detects its format when asked, and wraps it
// in a progress bar when stderr is a terminal.
func (p *piiInput) open(path string, f pii.Format, stderr io.Writer) (io.Reader, pii.Format, func(), error) {
	file, err := os.Open(path)
	if err != nil {
		return nil, 0, nil, usageErr("cannot read %s: %w\nCheck the path; nothing was analysed", path, err)
	}
	st, err := file.Stat()
	if err != nil || st.IsDir() {
		file.Close()
		return nil, 0, nil, usageErr("%s is a folder: give one text, JSON or JSON Lines file", path)
	}
	br := bufio.NewReaderSize(file, 64<<10)
	if f < 0 {
		head, _ := br.Peek(8 << 10)
		f = pii.DetectFormat(path, head)
	}
	var r io.Reader = br
	var bar *pbar.Bar
	if !p.noProgress {
		bar = pbar.ForTerminal(stderr, "reading")
	}
	if bar != nil {
		r = &progressReader{r: br, total: st.Size(), bar: bar}
	}
	return r, f, func() { bar.Clear(); file.Close() }, nil
}

type progressReader struct {
	r     io.Reader
	done  int64
	total int64
	bar   *pbar.Bar
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	p.done += int64(n)
	p.bar.UpdateBytes(p.done, p.total)
	return n, err
}

type piiScanFlags struct {
	in     piiInput
	format string
	output string
}

func newPIIScanCmd() *cobra.Command {
	var fl piiScanFlags
	c := &cobra.Command{
		Use:   "scan FILE",
		Short: "Report where personal data and secrets are in a text, JSON or JSON Lines file",
		Long: `Report the spans of personal data and secrets in FILE, never their values.
A .jsonl file (or one whose first line is a JSON object) is read as JSON
Lines, a .json file as one document (a top-level array holds one record per
element), anything else as text. Offsets are Unicode code points into each
field's text; a record's id is its "id" value, else its line (JSON Lines) or
position.

Output formats (--format):
  table  for people (the default)
  json   {"offset_unit": "codepoint", "records": [{"id", "spans": [{"field",
         "start", "end", "entity_type", "score"}]}]}, see docs/pii.md
  sarif  SARIF 2.1.0, one result per span at the record's line

Exit codes (docs/exit-codes.md):
  0  nothing found
  1  personal data or a secret found, or a record that is not valid JSON
     (it is then analysed as text and reported with an error)
  2  usage or I/O error: nothing was judged`,
		Example: `  mlsec pii scan requests.jsonl
  mlsec pii scan requests.jsonl --fields request.prompt,response.output --format json
  mlsec pii scan chat.json --fields 'messages[*].content' --entities PERSON,EMAIL_ADDRESS
  mlsec pii scan app.log --format sarif -o pii.sarif`,
		Args: exactlyOneFile("pii scan"),
		RunE: func(c *cobra.Command, args []string) error { return runPIIScan(c, args[0], fl) },
	}
	f := c.Flags()
	fl.in.register(f)
	f.StringVar(&fl.format, "format", "table", "output `FORMAT`: table, json or sarif")
	f.StringVarP(&fl.output, "output", "o", "", "write the report to `FILE` instead of stdout (replaced atomically)")
	return c
}

func exactlyOneFile(cmd string) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) != 1 {
			return usageErr("%s: give exactly one file (got %d), e.g. 'mlsec %s requests.jsonl'", cmd, len(args), cmd)
		}
		return nil
	}
}

func runPIIScan(c *cobra.Command, path string, fl piiScanFlags) error {
	switch fl.format {
	case "table", "json", "sarif":
	default:
		return usageErr("--format %q: use table, json or sarif", fl.format)
	}
	a, sel, format, err := fl.in.analyzer()
	if err != nil {
		return err
	}
	dst, file, err := reportDest(c.OutOrStdout(), fl.output)
	if err != nil {
		return withCode(ExitUsage, err)
	}
	defer file.discard()
	r, format, done, err := fl.in.open(path, format, c.ErrOrStderr())
	if err != nil {
		return err
	}
	rep := pii.NewReport()
	err = a.ScanFile(r, format, sel, func(rec pii.Record) error {
		rep.Records = append(rep.Records, rec)
		return nil
	})
	done()
	if err != nil {
		return usageErr("cannot analyse %s: %w\nNo verdict", path, err)
	}
	code := ExitOK
	if rep.Found() {
		code = ExitFindings
	}
	switch fl.format {
	case "json":
		err = rep.WriteJSON(dst)
	case "sarif":
		wd, _ := os.Getwd()
		err = rep.WriteSARIF(dst, path, wd, code)
	default:
		err = rep.WriteTable(dst, path)
	}
	if err == nil && file != nil {
		err = file.commit()
	}
	if err != nil {
		if code == ExitFindings {
			return withCode(code, fmt.Errorf("personal data found, but the report could not be written: %w", err))
		}
		return usageErr("cannot write the report: %w", err)
	}
	if code != ExitOK {
		return withCode(code, nil)
	}
	return nil
}

type piiRedactFlags struct {
	in        piiInput
	operators []string
	keyFile   string
	keyEnv    string
	saltFile  string
	output    string
}

func newPIIRedactCmd() *cobra.Command {
	var fl piiRedactFlags
	c := &cobra.Command{
		Use:   "redact FILE",
		Short: "Write a copy of a text, JSON or JSON Lines file with personal data and secrets replaced",
		Long: `Write a copy of FILE in which every span 'mlsec pii scan' would report is
replaced by an operator's output. JSON keeps its layout: only the redacted
string values change. A record that is not valid JSON is redacted as text.
Text of any size is streamed.

Operators (--operator ENTITY=OP, repeatable; ENTITY '*' sets the default,
which is replace):
  replace        <EMAIL_ADDRESS>; replace:TEXT writes TEXT
  redact         removes the value
  mask[:N]       keeps the last N characters (default 4): ************1111
  hash           hex SHA-256 of the value (salted with --salt-file when given)
  pseudonym      <PERSON_3f9a1c2b7d4e5f60>: HMAC-SHA256 with the key, the same
                 value gives the same token, so records can still be joined
  encrypt        <ENC:PERSON:...>: AES-256-GCM with the key; 'mlsec pii
                 decrypt' restores the value for whoever holds the key
The key (pseudonym, encrypt) comes from --key-file or the environment
variable named by --key-env (default MLSEC_PII_KEY); it is never printed.

Exit codes (docs/exit-codes.md):
  0  the redacted copy was written
  1  it was written, but some records were not valid JSON and were
     redacted as text (they are listed on stderr)
  2  usage, key or I/O error: nothing was written`,
		Example: `  mlsec pii redact requests.jsonl -o requests.redacted.jsonl
  mlsec pii redact requests.jsonl --fields request.prompt --operator 'CREDIT_CARD=mask:4' -o out.jsonl
  head -c 32 /dev/urandom | base64 > pii.key
  mlsec pii redact requests.jsonl --operator '*=pseudonym' --operator SECRET=redact --key-file pii.key -o out.jsonl`,
		Args: exactlyOneFile("pii redact"),
		RunE: func(c *cobra.Command, args []string) error { return runPIIRedact(c, args[0], fl) },
	}
	f := c.Flags()
	fl.in.register(f)
	f.StringArrayVar(&fl.operators, "operator", nil, "`ENTITY=OP` (repeatable): replace, replace:TEXT, redact, mask[:N], hash, pseudonym or encrypt; ENTITY * for the default")
	f.StringVar(&fl.keyFile, "key-file", "", "read the pseudonym and encryption key from `FILE` (at least 16 bytes)")
	f.StringVar(&fl.keyEnv, "key-env", pii.DefaultKeyEnv, "read the key from the environment variable `NAME` when --key-file is not given")
	f.StringVar(&fl.saltFile, "salt-file", "", "salt the hash operator with the content of `FILE`")
	f.StringVarP(&fl.output, "output", "o", "", "write the redacted copy to `FILE` instead of stdout (replaced atomically)")
	return c
}

// loadKey reads the key when an operator needs one.
func loadKey(keyFile, keyEnv string) (*pii.Key, error) {
	if keyFile != "" {
		return pii.LoadKeyFile(keyFile)
	}
	return pii.KeyFromEnv(keyEnv)
}

func (fl *piiRedactFlags) redactor(a *pii.Analyzer) (*pii.Redactor, error) {
	var key *pii.Key
	needKey := false
	for _, spec := range fl.operators {
		_, op, _ := strings.Cut(spec, "=")
		name, _, _ := strings.Cut(strings.ToLower(op), ":")
		needKey = needKey || name == "pseudonym" || name == "encrypt"
	}
	if needKey {
		k, err := loadKey(fl.keyFile, fl.keyEnv)
		if err != nil {
			return nil, usageErr("%w", err)
		}
		key = k
	}
	var salt []byte
	if fl.saltFile != "" {
		b, err := os.ReadFile(fl.saltFile)
		if err != nil {
			return nil, usageErr("--salt-file: %w", err)
		}
		salt = []byte(strings.TrimSpace(string(b)))
	}
	var def pii.Operator
	ops := map[pii.Entity]pii.Operator{}
	for _, spec := range fl.operators {
		ent, opSpec, ok := strings.Cut(spec, "=")
		if !ok {
			return nil, usageErr("--operator %q: write ENTITY=OP, e.g. PERSON=pseudonym or '*=redact'", spec)
		}
		op, err := pii.ParseOperator(opSpec, key, salt)
		if err != nil {
			return nil, usageErr("--operator: %w", err)
		}
		if ent == "*" || strings.EqualFold(ent, "default") {
			def = op
			continue
		}
		e, err := pii.ParseEntity(ent)
		if err != nil {
			return nil, usageErr("--operator: %w", err)
		}
		ops[e] = op
	}
	r, err := pii.NewRedactor(a, def, ops)
	if err != nil {
		return nil, usageErr("%w", err)
	}
	return r, nil
}

func runPIIRedact(c *cobra.Command, path string, fl piiRedactFlags) error {
	a, sel, format, err := fl.in.analyzer()
	if err != nil {
		return err
	}
	red, err := fl.redactor(a)
	if err != nil {
		return err
	}
	stderr := c.ErrOrStderr()
	dst, file, err := reportDest(c.OutOrStdout(), fl.output)
	if err != nil {
		return withCode(ExitUsage, err)
	}
	defer file.discard()
	r, format, done, err := fl.in.open(path, format, stderr)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(dst, 64<<10)
	var records, spans int
	var bad []string
	err = red.RedactFile(r, bw, format, sel, func(rec pii.Record) error {
		records++
		spans += len(rec.Spans)
		if rec.Error != "" {
			bad = append(bad, fmt.Sprintf("record %s (line %d): %s", rec.ID, rec.Line, rec.Error))
		}
		return nil
	})
	done()
	if err == nil {
		err = bw.Flush()
	}
	if err == nil && file != nil {
		err = file.commit()
	}
	if err != nil {
		if errors.Is(err, pii.ErrKey) {
			return usageErr("%w\nNothing was written", err)
		}
		return usageErr("cannot redact %s: %w\nNothing was written", path, err)
	}
	for _, b := range bad {
		fmt.Fprintln(stderr, b)
	}
	if fl.output != "" && fl.output != "-" {
		fmt.Fprintf(stderr, "Wrote %s: %d spans redacted in %d records (%s input).\n", fl.output, spans, records, format)
	}
	if len(bad) > 0 {
		return withCode(ExitFindings, nil)
	}
	return nil
}

type piiDecryptFlags struct {
	keyFile string
	keyEnv  string
	output  string
}

func newPIIDecryptCmd() *cobra.Command {
	var fl piiDecryptFlags
	c := &cobra.Command{
		Use:   "decrypt FILE",
		Short: "Restore the values that 'mlsec pii redact' encrypted, for whoever holds the key",
		Long: `Replace every <ENC:TYPE:...> token in FILE (written by the encrypt
operator of 'mlsec pii redact') with its value, decrypted with the key.
Tokens made with another key, or changed since, stay as they are.

Exit codes (docs/exit-codes.md):
  0  every token was decrypted
  1  some tokens did not decrypt with this key (the output keeps them)
  2  usage, key or I/O error: nothing was written`,
		Example: `  mlsec pii decrypt requests.redacted.jsonl --key-file pii.key -o requests.clear.jsonl`,
		Args:    exactlyOneFile("pii decrypt"),
		RunE:    func(c *cobra.Command, args []string) error { return runPIIDecrypt(c, args[0], fl) },
	}
	f := c.Flags()
	f.StringVar(&fl.keyFile, "key-file", "", "read the key from `FILE`")
	f.StringVar(&fl.keyEnv, "key-env", pii.DefaultKeyEnv, "read the key from the environment variable `NAME` when --key-file is not given")
	f.StringVarP(&fl.output, "output", "o", "", "write to `FILE` instead of stdout (replaced atomically)")
	return c
}

func runPIIDecrypt(c *cobra.Command, path string, fl piiDecryptFlags) error {
	key, err := loadKey(fl.keyFile, fl.keyEnv)
	if err != nil {
		return usageErr("%w", err)
	}
	in, err := os.Open(path)
	if err != nil {
		return usageErr("cannot read %s: %w", path, err)
	}
	defer in.Close()
	dst, file, err := reportDest(c.OutOrStdout(), fl.output)
	if err != nil {
		return withCode(ExitUsage, err)
	}
	defer file.discard()
	br := bufio.NewReaderSize(in, 64<<10)
	bw := bufio.NewWriterSize(dst, 64<<10)
	total, failed := 0, false
	for {
		line, rerr := br.ReadString('\n')
		if len(line) > 0 {
			out, n, derr := pii.DecryptText(key, line)
			total += n
			failed = failed || derr != nil
			if _, werr := bw.WriteString(out); werr != nil {
				return usageErr("cannot write: %w", werr)
			}
		}
		if errors.Is(rerr, io.EOF) {
			break
		}
		if rerr != nil {
			return usageErr("cannot read %s: %w", path, rerr)
		}
	}
	err = bw.Flush()
	if err == nil && file != nil {
		err = file.commit()
	}
	if err != nil {
		return usageErr("cannot write: %w", err)
	}
	fmt.Fprintf(c.ErrOrStderr(), "Decrypted %d values.\n", total)
	if failed {
		fmt.Fprintln(c.ErrOrStderr(), "Some tokens did not decrypt with this key; they were left as they are.")
		return withCode(ExitFindings, nil)
	}
	return nil
}

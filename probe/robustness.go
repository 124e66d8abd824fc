package probe

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mlsec/mlsec/modelclient"
	"github.com/mlsec/mlsec/probe/attack"
)

// Model is what a probe needs of a served model; *modelclient.Client is
// one.
type Model interface {
	Predict(ctx context.Context, rows [][]float64) ([]modelclient.Prediction, error)
}

var _ Model = (*modelclient.Client)(nil)

// Defaults of Options.
const (
	DefaultBudget  = 5000
	DefaultEpsilon = 0.1
	DefaultWorkers = 4
)

// DefaultCurve is the ε at which robust accuracy is reported besides the
// declared one.
var DefaultCurve = []float64{0.01, 0.02, 0.05, 0.1, 0.2, 0.5}

// Options configure a robustness probe.
type Options struct {
	// Attacks to run, in order (default: HopSkipJump in Norm and the
	// noise baseline).
	Attacks []attack.Attack
	// Norm measures ε and the headline perturbation (default L2).
	Norm attack.Norm
	// Epsilon is the declared ε (range units) robust accuracy is judged
	// at; Curve lists more ε to report.
	Epsilon float64
	Curve   []float64
	// Budget is the queries per input and attack (default 5,000).
	Budget int
	// Workers is how many inputs are attacked at once (default 4; the
	// model client's Concurrency bounds the requests in flight).
	Workers int
	Seed    uint64
	// MinRobustAccuracy and MinRelativePerturbation set the verdict
	// (Passed); 0 leaves a limit unchecked.
	MinRobustAccuracy, MinRelativePerturbation float64
	// Progress, if set, is called as inputs finish (done, total over
	// every attack).
	Progress func(done, total int)
	// Now stamps the report (default time.Now).
	Now func() time.Time
}

func (o *Options) defaults() {
	if o.Norm == "" {
		o.Norm = attack.L2
	}
	if len(o.Attacks) == 0 {
		o.Attacks = []attack.Attack{attack.HopSkipJump{Distance: o.Norm}, attack.Noise{Distance: o.Norm}}
	}
	if o.Epsilon <= 0 {
		o.Epsilon = DefaultEpsilon
	}
	if o.Curve == nil {
		o.Curve = DefaultCurve
	}
	if o.Budget <= 0 {
		o.Budget = DefaultBudget
	}
	if o.Workers <= 0 {
		o.Workers = DefaultWorkers
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// NondeterministicError reports inputs the model answered differently
// when asked twice: no probe result would mean anything.
type NondeterministicError struct {
	Rows []int
	// First and Second are the two answers for the first such row.
	First, Second string
}

func (e *NondeterministicError) Error() string {
	return fmt.Sprintf("the model answered differently when asked twice about the same input (%d of the sampled rows, first row %d: %q then %q); "+
		"a probe of a non-deterministic model would report numbers that mean nothing: make the served model deterministic (fixed seeds, no dropout at inference) and probe again",
		len(e.Rows), e.Rows[0], e.First, e.Second)
}

// Robustness attacks every sample row with every attack and reports what
// each found. Every adversarial input an attack returns is made valid
// (integers rounded, categories snapped, fixed features restored) and
// re-sent to the model; it counts only if the answer really changed.
//
// Before attacking, every row is asked about twice: a model that answers
// differently is refused with a *NondeterministicError. When the model
// fails mid-probe (after the client's retries) or a client query budget
// runs out, Robustness returns the report so far with Complete false and
// the error: figures over the inputs finished, never invented ones.
func Robustness(ctx context.Context, m Model, s *Sample, opt Options) (*RobustnessReport, error) {
	opt.defaults()
	rep := &RobustnessReport{Sample: s, Norm: string(opt.Norm), Epsilon: opt.Epsilon, Budget: opt.Budget, Seed: opt.Seed,
		Inputs: len(s.Rows), Attacks: []AttackReport{},
		MinRobustAccuracy: opt.MinRobustAccuracy, MinRelativePerturbation: opt.MinRelativePerturbation}
	rep.begin(opt.Now())
	if len(s.Rows) == 0 {
		return nil, fmt.Errorf("%w: no rows to probe", ErrSample)
	}
	counter := &modelclient.Counter{P: m}
	sp := space{feats: s.Features}
	answers, err := stableAnswers(ctx, counter, s)
	if err != nil {
		return nil, err
	}
	correct := make([]bool, len(s.Rows))
	for i := range correct {
		correct[i] = s.Labels == nil || sameLabel(answers[i], s.Labels[i])
	}
	if s.Labels != nil {
		n := 0
		for _, c := range correct {
			if c {
				n++
			}
		}
		acc := float64(n) / float64(len(correct))
		rep.CleanAccuracy = &acc
	}
	total := len(opt.Attacks) * len(s.Rows)
	var done int
	var runErr error
	for ai, a := range opt.Attacks {
		ar, err := runAttack(ctx, counter, sp, s, answers, correct, a, ai, opt, func() {
			done++
			if opt.Progress != nil {
				opt.Progress(done, total)
			}
		})
		rep.Attacks = append(rep.Attacks, ar)
		if err != nil {
			runErr = err
			break
		}
	}
	if err := rep.finish(counter.Queries(), opt.Now(), runErr); err != nil {
		return rep, err
	}
	if opt.MinRobustAccuracy > 0 || opt.MinRelativePerturbation > 0 {
		pass := true
		for _, a := range rep.Attacks {
			if a.Passed != nil && !*a.Passed {
				pass = false
			}
		}
		rep.Passed = &pass
	}
	return rep, nil
}

// sameLabel compares a served answer with a true label from the table.
func sameLabel(p modelclient.Prediction, label string) bool {
	return modelclient.SameAnswer(p, modelclient.Prediction{Label: label, Value: parseOrNaN(label)})
}

// stableAnswers asks about every row twice and refuses a model whose
// answers differ.
func stableAnswers(ctx context.Context, m Model, s *Sample) ([]modelclient.Prediction, error) {
	first, err := m.Predict(ctx, s.Rows)
	if err != nil {
		return nil, fmt.Errorf("asking the model about the sample: %w", err)
	}
	second, err := m.Predict(ctx, s.Rows)
	if err != nil {
		return nil, fmt.Errorf("asking the model about the sample: %w", err)
	}
	var nd *NondeterministicError
	for i := range first {
		if !modelclient.SameAnswer(first[i], second[i]) {
			if nd == nil {
				nd = &NondeterministicError{First: first[i].Label, Second: second[i].Label}
			}
			nd.Rows = append(nd.Rows, s.Index[i])
		}
	}
	if nd != nil {
		return nil, nd
	}
	return first, nil
}

// runAttack runs one attack on every row, Workers at a time.
func runAttack(ctx context.Context, m Model, sp space, s *Sample, answers []modelclient.Prediction, correct []bool,
	a attack.Attack, ai int, opt Options, tick func()) (AttackReport, error) {
	ar := AttackReport{Name: a.Name(), Norm: string(a.Norm())}
	if sb, ok := a.(attack.ScoreBased); ok && sb.NeedsScores() && answers[0].Scores == nil {
		ar.Skipped = "the model returns labels only; this attack needs per-class scores"
		for range s.Rows {
			tick()
		}
		return ar, nil
	}
	oracle := attack.OracleFunc(func(ctx context.Context, rows [][]float64) ([]modelclient.Prediction, error) {
		in := make([][]float64, len(rows))
		for i, u := range rows {
			in[i] = sp.toInput(u)
		}
		return m.Predict(ctx, in)
	})
	lo, hi := make([]float64, len(sp.feats)), make([]float64, len(sp.feats))
	for j := range hi {
		hi[j] = 1
	}
	free, values := sp.free(), sp.values()
	examples := make([]Example, len(s.Rows))
	finished := make([]bool, len(s.Rows))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu       sync.Mutex
		firstErr error
		wg       sync.WaitGroup
	)
	next := make(chan int)
	for range opt.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				p := &attack.Problem{X: sp.toUnit(s.Rows[i]), Answer: answers[i], Lo: lo, Hi: hi, Free: free, Values: values,
					Starts: starts(sp, s, answers, i, a.Norm()),
					Budget: opt.Budget, Seed: opt.Seed ^ (uint64(ai+1) << 40) ^ uint64(s.Index[i])}
				ex, err := probeOne(ctx, m, oracle, sp, s, i, answers[i], a, p, string(opt.Norm))
				mu.Lock()
				if err != nil {
					if firstErr == nil {
						firstErr = err
						cancel()
					}
				} else {
					examples[i], finished[i] = ex, true
					tick()
				}
				mu.Unlock()
			}
		}()
	}
	for i := range s.Rows {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	var keep []Example
	var keepCorrect []bool
	for i, ok := range finished {
		if ok {
			keep = append(keep, examples[i])
			keepCorrect = append(keepCorrect, correct[i])
		}
	}
	summarizeAttack(&ar, keep, keepCorrect, opt)
	if firstErr != nil {
		return ar, fmt.Errorf("%s attack stopped after %d of %d inputs: %w", a.Name(), len(keep), len(s.Rows), firstErr)
	}
	return ar, nil
}

// maxStarts is how many other sample rows are offered as starting points.
const maxStarts = 10

// starts returns, nearest first, up to maxStarts sample rows (attack
// space) the model answers differently from row i: known adversarial
// inputs to start a search from, instead of random ones that a model
// rarely answers differently in a wide box.
func starts(sp space, s *Sample, answers []modelclient.Prediction, i int, norm attack.Norm) [][]float64 {
	x := sp.toUnit(s.Rows[i])
	type cand struct {
		u []float64
		d float64
	}
	var cs []cand
	for j := range s.Rows {
		if j != i && !modelclient.SameAnswer(answers[j], answers[i]) {
			u := sp.toUnit(s.Rows[j])
			cs = append(cs, cand{u, attack.Dist(norm, x, u)})
		}
	}
	slices.SortStableFunc(cs, func(a, b cand) int { return cmp.Compare(a.d, b.d) })
	out := make([][]float64, 0, min(len(cs), maxStarts))
	for _, c := range cs[:min(len(cs), maxStarts)] {
		out = append(out, c.u)
	}
	return out
}

// probeOne attacks row i and confirms the result by re-querying it.
func probeOne(ctx context.Context, m Model, o attack.Oracle, sp space, s *Sample, i int, answer modelclient.Prediction,
	a attack.Attack, p *attack.Problem, norm string) (Example, error) {
	ex := Example{Row: s.Index[i], Status: StatusNotFound, Original: s.Rows[i], LabelBefore: answer.Label}
	if s.Labels != nil {
		ex.TrueLabel = s.Labels[i]
	}
	res, err := a.Run(ctx, o, p)
	ex.Queries, ex.Exhausted = res.Queries, res.Exhausted
	if err != nil {
		return ex, err
	}
	if res.Adv == nil {
		return ex, nil
	}
	adv, after, n, err := confirm(ctx, m, sp, s.Rows[i], sp.toInput(res.Adv), answer)
	ex.Queries += n
	if err != nil {
		return ex, err
	}
	if adv == nil {
		ex.Status = StatusUnconfirmed
		return ex, nil
	}
	ex.Status, ex.Adversarial, ex.LabelAfter = StatusAdversarial, adv, after.Label
	x, u, ua := s.Rows[i], sp.toUnit(s.Rows[i]), sp.toUnit(adv)
	set := func(v float64) *float64 { return &v }
	ex.L2, ex.LInf = set(attack.Dist(attack.L2, x, adv)), set(attack.Dist(attack.LInf, x, adv))
	ex.L2Range, ex.LInfRange = set(attack.Dist(attack.L2, u, ua)), set(attack.Dist(attack.LInf, u, ua))
	zero := make([]float64, len(u))
	if n := attack.Dist(attack.Norm(norm), u, zero); n > 0 {
		ex.Relative = set(ex.distance(norm) / n)
	}
	var changed []string
	for j := range x {
		if x[j] != adv[j] {
			changed = append(changed, sp.feats[j].Name)
		}
	}
	if len(changed) <= 3 {
		ex.Changed = changed
	}
	return ex, nil
}

// extensions are how far past the attack's result (as a multiple of its
// perturbation) confirm looks when making the input valid undid the flip.
var extensions = []float64{1.02, 1.1, 1.5}

// confirm makes an attack's result valid (integers rounded, categories
// snapped, fixed features restored), sends it to the model and keeps it
// only if the answer changed. A search ends on the decision boundary, so
// rounding can land on the wrong side: then it tries rounding away from
// the original input, and a few points further along the perturbation.
// It returns the confirmed input and answer (nil when none), and the
// queries spent.
func confirm(ctx context.Context, m Model, sp space, x, found []float64, answer modelclient.Prediction) ([]float64, modelclient.Prediction, int, error) {
	var tries [][]float64
	add := func(c []float64) {
		for _, t := range tries {
			if slices.Equal(t, c) {
				return
			}
		}
		tries = append(tries, c)
	}
	add(sp.valid(slices.Clone(found), x))
	if sp.hasDiscrete() {
		add(sp.valid(sp.away(slices.Clone(found), x), x))
		for _, t := range extensions {
			ext := make([]float64, len(x))
			for j := range x {
				ext[j] = x[j] + t*(found[j]-x[j])
			}
			add(sp.valid(sp.away(ext, x), x))
		}
	}
	n := 0
	for _, c := range tries {
		if slices.Equal(c, x) {
			continue
		}
		n++
		ps, err := m.Predict(ctx, [][]float64{c})
		if err != nil {
			return nil, modelclient.Prediction{}, n, err
		}
		if !modelclient.SameAnswer(ps[0], answer) {
			return c, ps[0], n, nil
		}
	}
	return nil, modelclient.Prediction{}, n, nil
}

func summarizeAttack(ar *AttackReport, ex []Example, correct []bool, opt Options) {
	norm := string(opt.Norm)
	ar.Attempted = len(ex)
	ar.Examples = ex
	if ar.Examples == nil {
		ar.Examples = []Example{}
	}
	var l2, li, l2r, lir, rel, dist, queries []float64
	for _, e := range ex {
		ar.Queries += int64(e.Queries)
		queries = append(queries, float64(e.Queries))
		if e.Exhausted {
			ar.Exhausted++
		}
		switch e.Status {
		case StatusUnconfirmed:
			ar.Unconfirmed++
		case StatusAdversarial:
			ar.Succeeded++
			l2, li = append(l2, *e.L2), append(li, *e.LInf)
			l2r, lir = append(l2r, *e.L2Range), append(lir, *e.LInfRange)
			dist = append(dist, e.distance(norm))
			if e.Relative != nil {
				rel = append(rel, *e.Relative)
			}
		}
	}
	if ar.Attempted > 0 {
		ar.SuccessRate = float64(ar.Succeeded) / float64(ar.Attempted)
	}
	ar.L2, ar.LInf, ar.L2Range, ar.LInfRange, ar.Relative = summarize(l2), summarize(li), summarize(l2r), summarize(lir), summarize(rel)
	ar.QueriesPerInput = summarize(queries)
	ar.Histogram = histogram(dist)
	robustAt := func(eps float64) float64 {
		if len(ex) == 0 {
			return 0
		}
		n := 0
		for i, e := range ex {
			if correct[i] && !(e.Status == StatusAdversarial && e.distance(norm) <= eps) {
				n++
			}
		}
		return float64(n) / float64(len(ex))
	}
	ar.RobustAccuracy = robustAt(opt.Epsilon)
	curve := slices.Clone(opt.Curve)
	if !slices.Contains(curve, opt.Epsilon) {
		curve = append(curve, opt.Epsilon)
	}
	slices.Sort(curve)
	for _, e := range curve {
		ar.Curve = append(ar.Curve, EpsilonAccuracy{Epsilon: e, RobustAccuracy: robustAt(e)})
	}
	ar.PerClass = perClass(ex, correct, norm, opt.Epsilon)
	if opt.MinRobustAccuracy > 0 || opt.MinRelativePerturbation > 0 {
		pass := ar.RobustAccuracy >= opt.MinRobustAccuracy &&
			(ar.Relative.Median == nil || *ar.Relative.Median >= opt.MinRelativePerturbation)
		ar.Passed = &pass
	}
}

func parseOrNaN(s string) float64 {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		return math.NaN()
	}
	return f
}

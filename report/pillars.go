package report

import (
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/mlsec/mlsec/evidence"
	"github.com/mlsec/mlsec/registry"
	"github.com/mlsec/mlsec/registry/client"
)

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// pillarDef names a pillar in plain words; short is its name in the
// summary sentence.
type pillarDef struct{ id, title, short, question string }

var pillarDefs = []pillarDef{
	{"supply_chain", "Supply chain", "supply-chain scan", "Was the model file scanned, and is it free of code that would run when it is loaded?"},
	{"provenance", "Provenance", "provenance", "Can we prove where the model came from (a verified signature over its exact files, and a bill of materials)?"},
	{"grc", "Governance, risk and compliance", "governance and compliance", "Is the model documented (bill of materials complete enough), licensed, and allowed by the organisation's policy?"},
	{"trusted_ai", "Trusted AI (fairness, explainability)", "fairness", "Was the model tested for unfair treatment of groups of people, did it pass, and can its answers be explained?"},
	{"robustness", "Adversarial robustness", "adversarial robustness", "Was the model tested against deliberate attempts to fool it, and did it hold up?"},
	{"monitoring", "Monitoring (drift)", "drift monitoring", "Is the model watched in use, and does its input or behaviour still match what it was approved on?"},
}

// assess evaluates the pillars of the production version and the latest
// version, and fills the summary counts.
func (r *Report) assess(ctx context.Context, src Source, vs []registry.Version, reqs []registry.DecisionRequest) error {
	r.Assessments = []Assessment{}
	var prod, latest *registry.Version
	for i := range vs {
		if vs[i].Stage == registry.StageProduction {
			prod = &vs[i]
		}
	}
	if len(vs) > 0 {
		latest = &vs[len(vs)-1]
		r.Summary.Latest = latest.Number
	}
	targets := []*registry.Version{}
	roles := map[int]string{}
	if prod != nil {
		targets = append(targets, prod)
		roles[prod.Number] = "production"
	}
	if latest != nil {
		if prod != nil && prod.Number == latest.Number {
			roles[latest.Number] = "production and latest"
		} else {
			targets = append(targets, latest)
			roles[latest.Number] = "latest"
		}
	}
	for _, v := range targets {
		es, err := client.All(ctx, maxEvidence, func(ctx context.Context, cur string) (client.List[registry.Evidence], error) {
			return src.ListEvidence(ctx, v.Model, v.Number, client.EvidenceQuery{Page: registry.Page{Limit: registry.MaxLimit, Cursor: cur}})
		})
		if err != nil {
			return fmt.Errorf("report: evidence of version %d: %w", v.Number, err)
		}
		r.Assessments = append(r.Assessments, Assessment{Version: v.Number, Stage: string(v.Stage), Digest: v.Digest,
			Role: roles[v.Number], Pillars: pillars(*v, es, reqs)})
	}
	r.Summary.Missing, r.Summary.Failing = []string{}, []string{}
	r.Summary.ApprovedBy = []string{}
	if prod != nil {
		r.Summary.Production = prod.Number
		productionDecision(&r.Summary, prod.Number, reqs)
	}
	if len(r.Assessments) > 0 {
		a := r.Assessments[0]
		r.Summary.Assessed = a.Version
		r.Summary.PillarsTotal = len(a.Pillars)
		for i, p := range a.Pillars {
			switch p.Status {
			case Passing:
				r.Summary.PillarsPassing++
			case Missing:
				r.Summary.Missing = append(r.Summary.Missing, pillarDefs[i].short)
			case Failing:
				r.Summary.Failing = append(r.Summary.Failing, pillarDefs[i].short)
			}
		}
	}
	return nil
}

// productionDecision finds the executed decision that last put version n
// into production: when, and who approved it (or rolled back to it).
func productionDecision(s *Summary, n int, reqs []registry.DecisionRequest) {
	var last *registry.DecisionRequest
	for i := range reqs {
		d := &reqs[i]
		if d.Version == n && d.Stage == registry.StageProduction && d.Status == registry.RequestExecuted && d.DecidedAt != nil {
			if last == nil || !d.DecidedAt.Before(*last.DecidedAt) {
				last = d
			}
		}
	}
	if last == nil {
		return
	}
	t := last.DecidedAt.UTC()
	s.ProductionSince = &t
	if last.Action == registry.ActionRollback {
		s.ViaRollback = true
		s.ApprovedBy = []string{last.RequestedBy}
		return
	}
	for _, a := range last.Approvals {
		if a.Verdict == "approve" && !slices.Contains(s.ApprovedBy, a.Principal) {
			s.ApprovedBy = append(s.ApprovedBy, a.Principal)
		}
	}
	slices.Sort(s.ApprovedBy)
}

// latestOf returns the newest record of type typ (by timestamp, then id).
func latestOf(es []registry.Evidence, typ string) *registry.Evidence {
	var best *registry.Evidence
	for i := range es {
		e := &es[i]
		if e.Type != typ {
			continue
		}
		if best == nil || cmp.Or(e.Timestamp.Compare(best.Timestamp), cmp.Compare(e.ID, best.ID)) > 0 {
			best = e
		}
	}
	return best
}

func ref(e *registry.Evidence) EvidenceRef {
	trust := "unsigned"
	switch {
	case e.Signed:
		trust = "signed"
	case e.CreatedBy == registry.System.Name:
		trust = "first-party"
	}
	producer := e.Producer
	var rec evidence.Record
	if json.Unmarshal(e.Body, &rec) == nil && rec.Producer.Tool == e.Producer && rec.Producer.Version != "" {
		producer += " " + rec.Producer.Version
	}
	return EvidenceRef{ID: e.ID, Type: e.Type, Producer: producer, At: e.Timestamp.UTC(), Trust: trust}
}

// result decodes a record's result object (the Body is the whole record).
func result(e *registry.Evidence, out any) bool {
	var rec evidence.Record
	if json.Unmarshal(e.Body, &rec) != nil || len(rec.Result) == 0 {
		return false
	}
	return json.Unmarshal(rec.Result, out) == nil
}

// lastPolicy is the newest decision on version n that carries a policy
// evaluation.
func lastPolicy(n int, reqs []registry.DecisionRequest) *registry.DecisionRequest {
	var last *registry.DecisionRequest
	for i := range reqs {
		if reqs[i].Version == n && reqs[i].Policy != nil {
			last = &reqs[i]
		}
	}
	return last
}

func pillars(v registry.Version, es []registry.Evidence, reqs []registry.DecisionRequest) []Pillar {
	out := make([]Pillar, len(pillarDefs))
	for i, d := range pillarDefs {
		out[i] = Pillar{ID: d.id, Title: d.title, Question: d.question, Status: Missing, Evidence: []EvidenceRef{}}
	}
	set := func(i int, s Status, detail string, refs ...*registry.Evidence) {
		out[i].Status, out[i].Detail = s, detail
		for _, e := range refs {
			if e != nil {
				out[i].Evidence = append(out[i].Evidence, ref(e))
			}
		}
	}
	scanPillar(set, latestOf(es, evidence.TypeScan))
	sig, bom := latestOf(es, evidence.TypeSignature), latestOf(es, evidence.TypeBOM)
	provenancePillar(set, v, sig, bom)
	grcPillar(set, out, bom, lastPolicy(v.Number, reqs))
	if !fairnessPillar(set, latestOf(es, evidence.TypeFairness)) {
		passedPillar(set, 3, latestOf(es, evidence.TypeFairness), "fairness")
	}
	explainabilityPillar(out, 3, latestOf(es, evidence.TypeExplainability))
	robustnessPillar(set, out, 4, latestOf(es, evidence.TypeRobustness))
	driftPillar(set, latestOf(es, evidence.TypeDrift))
	for i := range out {
		if out[i].Status == Missing && out[i].Detail == "" {
			out[i].Detail = "No evidence has been recorded for this version."
		}
	}
	return out
}

type setter func(i int, s Status, detail string, refs ...*registry.Evidence)

func scanPillar(set setter, e *registry.Evidence) {
	if e == nil {
		return
	}
	var res evidence.ScanResult
	if !result(e, &res) {
		set(0, Present, "A scan was recorded but its result could not be read.", e)
		return
	}
	sev := cmp.Or(res.MaxSeverity, e.MaxSeverity)
	switch {
	case sev == "critical" || sev == "high":
		set(0, Failing, fmt.Sprintf("The scan found %s-severity problems (%d finding(s)).", sev, len(res.Findings)), e)
	case res.FilesErrored > 0:
		set(0, Failing, fmt.Sprintf("%d file(s) could not be fully checked by the scan.", res.FilesErrored), e)
	case sev == "medium":
		set(0, Present, "The scan found medium-severity problems that need a person to review them.", e)
	default:
		set(0, Passing, fmt.Sprintf("The scan checked %d file(s) and found no serious problems.", res.FilesScanned), e)
	}
}

func provenancePillar(set setter, v registry.Version, sig, bom *registry.Evidence) {
	if sig == nil && bom == nil {
		return
	}
	if sig == nil {
		set(1, Present, "A bill of materials exists, but no signature has been verified.", bom)
		return
	}
	var res evidence.SignatureResult
	ok := result(sig, &res)
	switch {
	case !ok:
		set(1, Present, "A signature check was recorded but its result could not be read.", sig, bom)
	case !res.Verified:
		what := "The signature did not verify."
		if res.Status == evidence.StatusUnsigned {
			what = "No signature was found."
		}
		set(1, Failing, what, sig, bom)
	case res.RootDigest != v.Digest:
		set(1, Failing, "The signature covers different files than this version.", sig, bom)
	case bom == nil:
		set(1, Present, "The signature verified, but there is no bill of materials.", sig)
	default:
		set(1, Passing, "The signature verified over this version's exact files, and a bill of materials exists.", sig, bom)
	}
}

func grcPillar(set setter, out []Pillar, bom *registry.Evidence, pol *registry.DecisionRequest) {
	var parts []string
	status := Missing
	var res evidence.BOMResult
	haveBOM := bom != nil && result(bom, &res)
	if haveBOM {
		status = Present
		parts = append(parts, fmt.Sprintf("Bill of materials %d%% complete", res.CompletenessScore))
		if res.HasLicense {
			parts = append(parts, "licence "+strings.Join(res.Licenses, ", "))
		} else {
			parts = append(parts, "no licence stated")
		}
	}
	if pol != nil {
		if pol.Policy.Allowed {
			parts = append(parts, fmt.Sprintf("the policy check allowed decision %d", pol.ID))
		} else {
			parts = append(parts, fmt.Sprintf("the policy check denied decision %d (%s)", pol.ID, strings.Join(ruleIDs(pol), ", ")))
		}
		if status == Missing {
			status = Present
		}
	}
	switch {
	case status == Missing:
		return
	case (haveBOM && !res.HasLicense) || (pol != nil && !pol.Policy.Allowed):
		status = Failing
	case haveBOM && pol != nil:
		status = Passing
	}
	set(2, status, strings.Join(parts, "; ")+".", bom)
	if pol != nil {
		at := pol.CreatedAt.UTC()
		if pol.DecidedAt != nil {
			at = pol.DecidedAt.UTC()
		}
		out[2].Evidence = append(out[2].Evidence, EvidenceRef{Type: "policy check", Producer: fmt.Sprintf("the registry (decision %d)", pol.ID), At: at, Trust: "first-party"})
	}
}

func ruleIDs(d *registry.DecisionRequest) []string {
	ids := []string{}
	for _, x := range d.Policy.Denies {
		ids = append(ids, x.ID)
	}
	slices.Sort(ids)
	return ids
}

// passedPillar reads a reserved fairness or robustness record: its overall
// passed flag, else the per-item passed flags.
func passedPillar(set setter, i int, e *registry.Evidence, what string) {
	if e == nil {
		return
	}
	var res struct {
		Passed  *bool `json:"passed"`
		Metrics []struct {
			Name   string `json:"name"`
			Passed *bool  `json:"passed"`
		} `json:"metrics"`
		Attacks []struct {
			Name   string `json:"name"`
			Passed *bool  `json:"passed"`
		} `json:"attacks"`
	}
	if !result(e, &res) {
		set(i, Present, "A "+what+" evaluation was recorded but its result could not be read.", e)
		return
	}
	passed := res.Passed
	var failed []string
	decided := 0
	for _, m := range res.Metrics {
		if m.Passed != nil {
			decided++
			if !*m.Passed {
				failed = append(failed, m.Name)
			}
		}
	}
	for _, a := range res.Attacks {
		if a.Passed != nil {
			decided++
			if !*a.Passed {
				failed = append(failed, a.Name)
			}
		}
	}
	if passed == nil && decided > 0 {
		p := len(failed) == 0
		passed = &p
	}
	switch {
	case passed == nil:
		set(i, Present, "A "+what+" evaluation was recorded without a pass or fail verdict.", e)
	case *passed:
		set(i, Passing, "The "+what+" evaluation passed.", e)
	case len(failed) > 0:
		set(i, Failing, "The "+what+" evaluation failed ("+strings.Join(failed, ", ")+").", e)
	default:
		set(i, Failing, "The "+what+" evaluation failed.", e)
	}
}

// robustnessPillar reads a robustness record: its verdicts as
// passedPillar does, and each attack's headline figures.
func robustnessPillar(set setter, out []Pillar, i int, e *registry.Evidence) {
	if e == nil {
		return
	}
	passedPillar(set, i, e, "robustness")
	var res evidence.RobustnessResult
	if !result(e, &res) || len(res.Attacks) == 0 {
		return
	}
	var parts []string
	for _, a := range res.Attacks {
		if a.RobustAccuracy == nil {
			continue
		}
		s := fmt.Sprintf("under %s, %.0f%% of inputs held", attackName(a.Name), 100**a.RobustAccuracy)
		if a.Epsilon != nil {
			s += fmt.Sprintf(" within a change of %g", *a.Epsilon)
			if a.Norm != "" {
				s += " (" + a.Norm + ")"
			}
		}
		if a.MedianRelativePerturbation != nil {
			s += fmt.Sprintf("; the inputs it fooled needed a median change of %.1f%%", 100**a.MedianRelativePerturbation)
		}
		parts = append(parts, s)
	}
	if len(parts) > 0 {
		out[i].Detail += " " + upperFirst(strings.Join(parts, "; ")) + "."
	}
}

// attackName spells out mlsec's attack names for people.
func attackName(n string) string {
	switch n {
	case "hsj":
		return "HopSkipJump"
	case "boundary":
		return "the Boundary attack"
	case "simba":
		return "SimBA"
	case "noise":
		return "random noise"
	case "featurewise":
		return "one-feature changes"
	}
	return n
}

// explainabilityPillar adds an explainability record to the trusted-AI
// pillar: its top features. Alone (no fairness evidence) it makes the
// pillar present, never passing: it does not answer the fairness question.
func explainabilityPillar(out []Pillar, i int, e *registry.Evidence) {
	if e == nil {
		return
	}
	var res evidence.ExplainabilityResult
	detail := "An explanation was recorded but its result could not be read."
	if result(e, &res) && len(res.Features) > 0 {
		fs := slices.Clone(res.Features)
		slices.SortStableFunc(fs, func(a, b evidence.FeatureImportance) int {
			return cmp.Compare(rankOrMax(a), rankOrMax(b))
		})
		var names []string
		for _, f := range fs[:min(3, len(fs))] {
			names = append(names, f.Name)
		}
		detail = fmt.Sprintf("Its answers were explained (%s): they depend most on %s.", strings.ReplaceAll(res.Method, "_", " "), strings.Join(names, ", "))
		if len(res.Reasons) > 0 && len(res.Reasons[0].Labels) > 0 {
			detail += fmt.Sprintf(" For example, row %d: %s.", res.Reasons[0].Row, res.Reasons[0].Labels[0])
		}
	}
	p := &out[i]
	if p.Status == Missing {
		p.Status, p.Detail = Present, "No fairness evaluation was recorded. "+detail
	} else {
		p.Detail += " " + detail
	}
	p.Evidence = append(p.Evidence, ref(e))
}

func rankOrMax(f evidence.FeatureImportance) int {
	if f.Rank > 0 {
		return f.Rank
	}
	return math.MaxInt
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func driftPillar(set setter, e *registry.Evidence) {
	if e == nil {
		return
	}
	status, text := driftVerdict(e)
	set(5, status, text, e)
}

// driftVerdict reads a drift record in words: what drifted, between which
// data, and the pillar status that follows.
func driftVerdict(e *registry.Evidence) (Status, string) {
	var res evidence.DriftResult
	if !result(e, &res) || res.Metric == "" {
		return Present, "A drift check was recorded but its result could not be read."
	}
	var what string
	if res.Metric == evidence.DriftMetricShare {
		what = fmt.Sprintf("%d of %d columns drifted (share %.2f, threshold %g)", res.NumberOfDriftedColumns, res.NumberOfColumns, res.Value, res.Threshold)
	} else {
		what = fmt.Sprintf("%s = %g", res.Metric, res.Value)
	}
	if res.Reference != nil && res.Current != nil && res.Reference.Role != "" && res.Current.Role != "" {
		what += fmt.Sprintf(" between the %s data and the %s data", res.Reference.Role, res.Current.Role)
	}
	if len(res.Features) > 0 {
		what += ": " + strings.Join(res.Features, ", ")
	}
	switch {
	case res.Drifted:
		return Failing, "Drift detected: " + what + "."
	case res.Complete != nil && !*res.Complete:
		return Present, "No dataset drift, but some columns could not be tested: " + what + "."
	}
	return Passing, "No drift detected: " + what + "."
}

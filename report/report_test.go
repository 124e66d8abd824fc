package report

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

var fixed = time.Date(2026, 3, 14, 9, 30, 0, 0, time.UTC)

func TestReportAgainstServer(t *testing.T) {
	ts := newTestServer(t)
	reports := map[string]*Report{}
	scenario(t, ts, func(step string) {
		reports[step] = must(BuildAt(t.Context(), ts.client(t, "auditor"), "credit-risk", fixed))(t)
	})
	today := plainDate(time.Now())

	// Before approval: nothing in production, the request waits for bob.
	r := reports["pending"]
	if want := "Model credit-risk has no version in production; its latest version is 1 (development). 5 of 6 pillars have passing evidence for version 1; missing: drift monitoring."; r.Summary.Text != want {
		t.Errorf("pending summary:\n got %q\nwant %q", r.Summary.Text, want)
	}
	if d := r.Versions[0].Decisions[0]; d.Status != "pending" || len(d.BlockedBy) == 0 || d.Required != 1 {
		t.Errorf("pending decision %+v", d)
	}

	// Promoted with bob's approval.
	r = reports["promoted"]
	if want := "Model credit-risk is in production at version 1 since " + today + ", approved by bob. 5 of 6 pillars have passing evidence for version 1; missing: drift monitoring."; r.Summary.Text != want {
		t.Errorf("promoted summary:\n got %q\nwant %q", r.Summary.Text, want)
	}
	wantStatus(t, r.Assessments[0], Passing, Passing, Passing, Passing, Passing, Missing)
	if r.Assessments[0].Role != "production and latest" {
		t.Errorf("role %q", r.Assessments[0].Role)
	}
	// The scan is the registry's own; the signature was posted unsigned.
	if p := r.Assessments[0].Pillars; p[0].Evidence[0].Trust != "first-party" || p[1].Evidence[0].Trust != "unsigned" || p[3].Evidence[0].Producer != "evalkit 2.1" {
		t.Errorf("evidence refs %+v / %+v / %+v", p[0].Evidence, p[1].Evidence, p[3].Evidence)
	}

	// v2 promoted, then rolled back to v1 by carol.
	r = reports["rolled back"]
	if want := "Model credit-risk is in production at version 1 since " + today + ", restored by a rollback by carol. 5 of 6 pillars have passing evidence for version 1; missing: drift monitoring."; r.Summary.Text != want {
		t.Errorf("rollback summary:\n got %q\nwant %q", r.Summary.Text, want)
	}
	if len(r.Assessments) != 2 || r.Assessments[1].Version != 2 || r.Assessments[1].Role != "latest" {
		t.Fatalf("assessments %+v", r.Assessments)
	}
	wantStatus(t, r.Assessments[1], Passing, Passing, Passing, Failing, Passing, Failing)
	if !strings.Contains(r.Assessments[1].Pillars[3].Detail, "equal_opportunity") {
		t.Errorf("fairness detail %q", r.Assessments[1].Pillars[3].Detail)
	}
	// The decision trail: v1 promote (approved by bob), v1 rollback (carol),
	// v2 promote (executed, then superseded by the rollback's stage move).
	var trail []string
	for _, v := range r.Versions {
		for _, d := range v.Decisions {
			trail = append(trail, d.Action+" v"+strconv.Itoa(v.Number)+" "+d.Status+" by "+d.RequestedBy)
		}
	}
	if got, want := strings.Join(trail, "; "), "promote v1 executed by alice; rollback v1 executed by carol; promote v2 executed by alice"; got != want {
		t.Errorf("trail:\n got %s\nwant %s", got, want)
	}
	if d := r.Versions[0].Decisions[0]; d.Rationale != "Beats the baseline by 4 points of AUC." || len(d.Approvals) != 1 || d.Approvals[0].Principal != "bob" || d.Policy == nil || !d.Policy.Allowed {
		t.Errorf("v1 decision %+v", d)
	}
	if rb := r.Versions[0].Decisions[1]; rb.Rationale != "Version 2 drifted on live traffic." {
		t.Errorf("rollback rationale %q", rb.Rationale)
	}
	if r.Versions[1].Stage != "deprecated" || r.Versions[0].Stage != "production" {
		t.Errorf("stages %s %s", r.Versions[0].Stage, r.Versions[1].Stage)
	}
	if len(r.Records) != 1 || r.Records[0].Author != "alice" || r.Records[0].Title != "Excluded applicants under 18" {
		t.Errorf("records %+v", r.Records)
	}
	if r.Owners[1].Responsibility != "approve" || strings.Join(r.Owners[1].Principals, ",") != "bob" {
		t.Errorf("owners %+v", r.Owners)
	}
	if !strings.HasPrefix(r.Exceptions.Note, "None recorded") || len(r.Exceptions.Items) != 0 {
		t.Errorf("exceptions %+v", r.Exceptions)
	}
	if a := r.Audit; !a.Available || a.TreeSize == 0 || a.Origin != "report.test/log" || !strings.Contains(a.Note, "\n\n\u2014 report.test/log ") {
		t.Errorf("audit %+v", a)
	}

	// A token that may not read the audit log still gets a report.
	rv := must(BuildAt(t.Context(), ts.client(t, "viewer"), "credit-risk", fixed))(t)
	if rv.Audit.Available || !strings.Contains(rv.Audit.Reason, "auditor") {
		t.Errorf("viewer audit %+v", rv.Audit)
	}
	var out bytes.Buffer
	if err := WriteHTML(&out, rv); err != nil || !strings.Contains(out.String(), "Audit log not available: the token used") {
		t.Errorf("viewer html: %v", err)
	}

	checkHTML(t, r)

	// Lineage and the denied version's findings.
	r = reports["denied"]
	checkLineageAndDenial(t, r)
	checkHTML(t, r)
	golden(t, normalise(t, r))
}

// checkLineageAndDenial: every version says where it came from (dataset
// by name and digest, base model, run), and the denied version says which
// rules denied it and what the scan found.
func checkLineageAndDenial(t *testing.T, r *Report) {
	t.Helper()
	if len(r.Versions) != 3 {
		t.Fatalf("versions %d, want 3", len(r.Versions))
	}
	l1, l2 := r.Versions[0].Lineage, r.Versions[1].Lineage
	if l1 == nil || len(l1.Datasets) != 2 || len(l1.Runs) != 1 || l1.Runs[0].URL != "https://ci.example/runs/4711" {
		t.Fatalf("v1 lineage %+v", l1)
	}
	if l2 == nil || len(l2.Datasets) != 2 || len(l2.BaseModels) != 1 || l2.BaseModels[0].Version != 1 ||
		l2.BaseModels[0].Digest != r.Versions[0].Digest {
		t.Fatalf("v2 lineage %+v", l2)
	}
	checkTrainingData(t, l1, l2)
	if r.Versions[2].Lineage != nil || r.Versions[0].Denial != nil || r.Versions[1].Denial != nil {
		t.Errorf("v3 lineage %+v, v1/v2 denial %+v %+v", r.Versions[2].Lineage, r.Versions[0].Denial, r.Versions[1].Denial)
	}
	dn := r.Versions[2].Denial
	if dn == nil || len(dn.Rules) == 0 || !strings.HasPrefix(dn.Rules[0].ID, "MLSEC-SCAN-") || len(dn.Findings) == 0 ||
		dn.Findings[0].Severity != "critical" || dn.Findings[0].File != "model.pkl" || len(dn.Problems) == 0 || dn.Problems[0].ID != "supply_chain" {
		t.Fatalf("v3 denial %+v", dn)
	}
	if len(r.DriftTrend) != 1 || r.DriftTrend[0].Version != 2 || r.DriftTrend[0].Metric != "psi" || !r.DriftTrend[0].Drifted {
		t.Errorf("drift trend %+v", r.DriftTrend)
	}
	var b bytes.Buffer
	if err := WriteHTML(&b, r); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"Has the data drifted between versions?", "psi by version", "Trained on dataset <strong>loans-2025</strong>", "Derived from version 1 of this model", "Produced by the run <span class=\"mono\">https://ci.example/runs/4711</span>",
		"a dataset not registered here", "What data is it built on, and who approved it?",
		`<td><strong>applicants</strong> version 1`, "approved by bob on ", "EMAIL_ADDRESS (3 values); sensitive attributes: &lt;i&gt;sex&lt;/i&gt;",
		"Needs attention</span> Not approved: the approval of this data version is still pending.",
		"Needs attention</span> Not registered: nobody", "Why the policy denied it</strong> (decision", "<strong>" + dn.Rules[0].ID + "</strong>", "<td>critical</td><td>" + dn.Findings[0].Rule + "</td><td>model.pkl</td>"} {
		if !strings.Contains(b.String(), s) {
			t.Errorf("html lacks %q", s)
		}
	}
}

// checkTrainingData: each dataset a version was trained on says its
// registration, classification, approval (who, when) and PII, and what
// is not registered or not approved carries a concern.
func checkTrainingData(t *testing.T, l1, l2 *Lineage) {
	t.Helper()
	byName := map[string]LineageDataset{}
	for _, d := range append(slices.Clone(l1.Datasets), l2.Datasets...) {
		if d.Data == nil {
			t.Fatalf("dataset %s: no training data (note %q %q)", d.Digest, l1.DataNote, l2.DataNote)
		}
		key := d.Data.Name + "@" + strconv.Itoa(d.Data.Version)
		if len(d.Names) > 0 && d.Names[0] != d.Data.Name {
			t.Errorf("dataset %s: names %v, data %s", d.Digest, d.Names, key)
		}
		byName[key] = d
	}
	if d := byName["loans-2025@0"]; d.Commit != "9f1c2e7" || d.Data.Approval != "none" || !strings.HasPrefix(d.Concern, "Not approved: the dataset was recorded without a version") {
		t.Errorf("loans-2025: %+v %+v", d, d.Data)
	}
	a1 := byName["applicants@1"]
	if a1.Concern != "" || a1.Data.Approval != "approved" || a1.Data.ApprovedBy != "bob" || a1.Data.ApprovedAt == nil ||
		a1.Data.Classification != "confidential" || !a1.Data.PIIScanned || a1.Data.Entities["EMAIL_ADDRESS"] != 3 {
		t.Errorf("applicants@1: %+v %+v", a1, a1.Data)
	}
	if a2 := byName["applicants@2"]; a2.Data.Approval != "pending" || a2.Data.ApprovedBy != "" || !strings.HasPrefix(a2.Concern, "Not approved: the approval") {
		t.Errorf("applicants@2: %+v %+v", a2, a2.Data)
	}
	if u := byName["@0"]; u.Data.Registered || len(u.Names) != 0 || !strings.HasPrefix(u.Concern, "Not registered") {
		t.Errorf("unregistered: %+v %+v", u, u.Data)
	}
}

func wantStatus(t *testing.T, a Assessment, want ...Status) {
	t.Helper()
	for i, p := range a.Pillars {
		if p.Status != want[i] {
			t.Errorf("version %d pillar %s: %s (%s), want %s", a.Version, p.ID, p.Status, p.Detail, want[i])
		}
	}
}

// checkHTML: the page is well-formed XHTML-compatible markup, has no
// script, and shows user strings escaped.
func checkHTML(t *testing.T, r *Report) {
	t.Helper()
	var b bytes.Buffer
	if err := WriteHTML(&b, r); err != nil {
		t.Fatal(err)
	}
	page := b.Bytes()
	if bytes.Contains(bytes.ToLower(page), []byte("<script")) {
		t.Error("the page contains a <script> element")
	}
	if !bytes.Contains(page, []byte(`Scores loan applications &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; more`)) {
		t.Error("the description is not escaped")
	}
	if !bytes.Contains(page, []byte(`&lt;b&gt;40&lt;/b&gt;`)) {
		t.Error("the record body is not escaped")
	}
	d := xml.NewDecoder(bytes.NewReader(page))
	d.Strict = true
	for {
		_, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed: %v", err)
		}
	}
	doc, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && (n.Data == "script" || n.Data == "iframe" || n.Data == "link" || n.Data == "img") {
			t.Errorf("element <%s> in the page", n.Data)
		}
		for _, a := range n.Attr {
			if strings.HasPrefix(a.Key, "on") || (strings.Contains(a.Val, "http") && a.Key != "xmlns") { // a namespace is not a link
				t.Errorf("attribute %s=%q", a.Key, a.Val)
			}
		}
		if n.Type == html.TextNode {
			texts = append(texts, n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	all := strings.Join(texts, "")
	for _, s := range []string{`<script>alert("x")</script>`, r.Summary.Text, "Approves promotion", "Version 2 drifted on live traffic.", "Passing", "Failing", "Missing"} {
		if !strings.Contains(all, s) {
			t.Errorf("page text lacks %q", s)
		}
	}
}

var (
	rfc3339   = regexp.MustCompile(`"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)"`)
	evalTimes = regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z`)
)

// normalise pins what changes between runs (times, the audit key's
// signature and root) so the golden files are stable.
func normalise(t *testing.T, r *Report) *Report {
	t.Helper()
	raw, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	raw = rfc3339.ReplaceAll(raw, []byte(`"2026-03-14T09:00:00Z"`))
	raw = evalTimes.ReplaceAll(raw, []byte(`2026-03-14T09:00:00Z`))
	var n Report
	if err := json.Unmarshal(raw, &n); err != nil {
		t.Fatal(err)
	}
	n.Audit.RootHash = "ROOT-HASH"
	n.Audit.Note = "report.test/log\n42\nROOT-HASH\n\n\u2014 report.test/log SIGNATURE\n"
	n.Audit.TreeSize = 42
	n.Summary.Text = summaryText(&n)
	return &n
}

func golden(t *testing.T, r *Report) {
	t.Helper()
	var h, j bytes.Buffer
	if err := WriteHTML(&h, r); err != nil {
		t.Fatal(err)
	}
	if err := WriteJSON(&j, r); err != nil {
		t.Fatal(err)
	}
	for name, got := range map[string][]byte{"golden.html": h.Bytes(), "golden.json": j.Bytes()} {
		path := filepath.Join("testdata", name)
		if *update {
			if err := os.WriteFile(path, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run with -update to create it)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from the golden file (run go test ./report -update and review the diff)", name)
		}
	}
}

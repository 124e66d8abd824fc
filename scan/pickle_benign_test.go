package scan

import (
	"strings"
	"testing"
)

// TestPickleBenignFixtures: every pickle-bearing fixture made by the real
// libraries yields no pickle finding at medium or above.
func TestPickleBenignFixtures(t *testing.T) {
	rep := scanPaths(t, benignDir(t))
	pickles := 0
	for _, f := range rep.Files {
		for _, fm := range append([]Format{f.Format}, f.Formats...) {
			if fm == FormatPickle || fm == FormatJoblib || fm == FormatPyTorchLegacy {
				pickles++
			}
		}
	}
	for _, f := range rep.Findings {
		if (strings.HasPrefix(f.RuleID, "PKL") || strings.HasPrefix(f.RuleID, "TORCH001")) && f.Severity >= SeverityMedium {
			t.Errorf("%s: %s %s %s: %s", f.Location(), f.RuleID, f.Severity, f.Callable, f.Message)
		}
		if f.Format == FormatPickle || f.Format == FormatJoblib || f.Format == FormatPyTorchLegacy {
			if f.Severity >= SeverityMedium {
				t.Errorf("%s: %s %s: %s", f.Location(), f.RuleID, f.Severity, f.Message)
			}
		}
	}
	if pickles < 5 {
		t.Errorf("only %d pickle files recognised among the fixtures", pickles)
	}
	t.Logf("%d pickle-bearing files", pickles)
}

// TestRealLibraryFixtures: models written by torchvision, torchaudio,
// torch, scikit-learn, statsmodels, gensim, xgboost, pandas and the
// standard library (testdata/benign/libs) get no finding above info: the
// false alarms of issue 12 stay gone, at every severity.
func TestRealLibraryFixtures(t *testing.T) {
	dir := benignDir(t, "libs")
	rep := scanPaths(t, dir)
	if len(rep.Files) < 30 {
		t.Fatalf("only %d fixture files", len(rep.Files))
	}
	for _, f := range rep.Findings {
		if f.Severity > SeverityInfo {
			t.Errorf("%s: %s %s %s: %s", f.Path, f.RuleID, f.Severity, f.Callable, f.Message)
		}
	}
	for _, f := range rep.Files {
		if f.Status != StatusScanned && !strings.HasSuffix(f.Path, "README.md") {
			t.Errorf("%s: %s %s", f.Path, f.Status, f.Reason)
		}
	}
}

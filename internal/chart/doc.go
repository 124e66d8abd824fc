// Package chart renders mlsec's charts as server-side SVG: bar charts with
// confidence-interval whiskers and threshold lines (fairness metrics per
// group), histograms comparing shares per bin (drift: reference against
// current, numeric bins or categories) and line charts (a metric's trend
// over versions, with gaps where a value is missing).
//
// Every chart is returned as template.HTML ready for html/template, and
// every chart is:
//
//   - self-contained and static: inline SVG, no script, no external font,
//     stylesheet or image, so it works in the offline HTML reports and
//     prints;
//   - deterministic: the same input gives the same bytes (coordinates are
//     rounded to one decimal, ids derive from the content), so pages can be
//     compared with golden files;
//   - accessible: role="img" with a <title> and a <desc> that spells out
//     every value (a screen reader gets what the picture shows), a hover
//     <title> on each bar and point, text colours with at least 4.5:1
//     contrast on white (WCAG AA), and series told apart without colour
//     (hatching, dashes, marker shapes, legends and labels);
//   - safe: every caller string (titles, labels, series names, notes) is
//     escaped, control characters XML forbids are dropped and invalid UTF-8
//     is repaired, so a label such as "<script>" stays text and the output
//     is always well-formed XML;
//   - honest about missing values: a NaN value is drawn as "n/a" (bars),
//     no bar (histograms) or a gap (lines), never as zero.
//
// The look follows report/templates/report.css: the report's font stack,
// its dark blue (#1f4e79) for the first series and its failing red
// (#8a1010) for thresholds. Charts scale down with the page
// (max-width: 100%).
//
// Limits: labels longer than their space are cut with "…" (the full text
// is in the hover title and the description); histogram category labels
// are rotated and thinned when they do not fit; a histogram series value
// past the last bin is ignored. Num formats values the way the charts do,
// for tables printed beside them.
package chart

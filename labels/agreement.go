package labels

import (
	"context"
	"fmt"
	"sort"
)

// PairAgreement is how two analysts agree on the documents both labelled,
// each by their own latest live label.
type PairAgreement struct {
	A    string `json:"a"`
	B    string `json:"b"`
	Docs int    `json:"docs"`
	// Observed is the share of those documents given the same severity.
	Observed float64 `json:"observed"`
	// Kappa is Cohen's κ; nil when undefined (no shared documents, or both
	// analysts used one and the same severity throughout).
	Kappa *float64 `json:"kappa"`
}

// Agreement is inter-analyst reliability over the label store.
type Agreement struct {
	Analysts []string        `json:"analysts"`
	Pairs    []PairAgreement `json:"pairs"`
	// Alpha is Krippendorff's α (nominal) over all analysts; nil when
	// undefined (fewer than two labels on any document, or one severity
	// used throughout).
	Alpha *float64 `json:"alpha"`
	// Units is the number of documents labelled by two or more analysts,
	// the ones α is computed over.
	Units int `json:"units"`
}

// Agreement computes Cohen's κ for every pair of analysts and Krippendorff's
// α over all of them, from each analyst's latest live label per document.
// Severities are nominal categories here: the ordinal distance between
// "high" and "medium" is not credited.
func (s *Store) Agreement(ctx context.Context) (Agreement, error) {
	rows, err := s.db.QueryContext(ctx, `
		SELECT doc_id, analyst, severity FROM (
			SELECT doc_id, analyst, severity, row_number() OVER (PARTITION BY doc_id, analyst
				ORDER BY created_at DESC, id DESC) AS latest
			FROM live_labels)
		WHERE latest = 1 ORDER BY doc_id, analyst`)
	if err != nil {
		return Agreement{}, fmt.Errorf("label agreement: %w", err)
	}
	defer rows.Close()
	byDoc := map[string]map[string]int{}
	var docs []string
	analystSet := map[string]bool{}
	for rows.Next() {
		var doc, analyst, sev string
		if err := rows.Scan(&doc, &analyst, &sev); err != nil {
			return Agreement{}, fmt.Errorf("label agreement: %w", err)
		}
		if byDoc[doc] == nil {
			byDoc[doc] = map[string]int{}
			docs = append(docs, doc)
		}
		byDoc[doc][analyst] = severityRank(sev)
		analystSet[analyst] = true
	}
	if err := rows.Err(); err != nil {
		return Agreement{}, fmt.Errorf("label agreement: %w", err)
	}
	var ag Agreement
	for a := range analystSet {
		ag.Analysts = append(ag.Analysts, a)
	}
	sort.Strings(ag.Analysts)
	for i, a := range ag.Analysts {
		for _, b := range ag.Analysts[i+1:] {
			var x, y []int
			for _, d := range docs {
				va, okA := byDoc[d][a]
				vb, okB := byDoc[d][b]
				if okA && okB {
					x, y = append(x, va), append(y, vb)
				}
			}
			if len(x) == 0 {
				continue
			}
			p := PairAgreement{A: a, B: b, Docs: len(x), Observed: observedAgreement(x, y)}
			if k, ok := cohenKappa(x, y, len(Severities)); ok {
				p.Kappa = &k
			}
			ag.Pairs = append(ag.Pairs, p)
		}
	}
	units := make([][]int, 0, len(docs))
	for _, d := range docs {
		if len(byDoc[d]) < 2 {
			continue
		}
		unit := make([]int, 0, len(byDoc[d]))
		for _, v := range byDoc[d] {
			unit = append(unit, v)
		}
		sort.Ints(unit) // α does not depend on order; sorting keeps sums deterministic
		units = append(units, unit)
	}
	ag.Units = len(units)
	if a, ok := krippendorffAlpha(units); ok {
		ag.Alpha = &a
	}
	return ag, nil
}

func severityRank(s string) int {
	for i, v := range Severities {
		if v == s {
			return i
		}
	}
	return -1
}

func observedAgreement(a, b []int) float64 {
	same := 0
	for i := range a {
		if a[i] == b[i] {
			same++
		}
	}
	return float64(same) / float64(len(a))
}

// cohenKappa is Cohen's (1960) chance-corrected agreement between two
// raters over the same n items in k nominal categories ("A coefficient of
// agreement for nominal scales", Educ. Psychol. Meas. 20(1)):
//
//	κ = (p_o − p_e) / (1 − p_e),  p_e = Σ_c a_c·b_c / n²
//
// where a_c, b_c are the raters' marginal counts. It is undefined (false)
// for no items or p_e = 1. (ml/metrics has the same statistic; labels may
// not import ml, and the formula is a dozen lines.)
func cohenKappa(a, b []int, k int) (float64, bool) {
	n := len(a)
	if n == 0 || len(b) != n {
		return 0, false
	}
	ma, mb := make([]int, k), make([]int, k)
	agree := 0
	for i := range a {
		ma[a[i]]++
		mb[b[i]]++
		if a[i] == b[i] {
			agree++
		}
	}
	nf := float64(n)
	po := float64(agree) / nf
	var pe float64
	for c := range k {
		pe += float64(ma[c]) * float64(mb[c])
	}
	pe /= nf * nf
	if pe >= 1 {
		return 0, false
	}
	return (po - pe) / (1 - pe), true
}

// krippendorffAlpha is Krippendorff's α for nominal data with any number of
// coders and missing values (Krippendorff 2011, "Computing Krippendorff's
// Alpha-Reliability", section C). units[u] lists the values (category
// indices ≥ 0) that unit u received; a unit with fewer than two values is
// not pairable and is skipped. Each ordered pair of values in a unit with
// m_u values adds 1/(m_u − 1) to the coincidence matrix o_ck; with
// n_c = Σ_k o_ck and n = Σ_c n_c,
//
//	α = 1 − (n − 1) · Σ_{c≠k} o_ck / Σ_{c≠k} n_c·n_k
//
// It is undefined (false) with no pairable values or no expected
// disagreement (a single category throughout).
func krippendorffAlpha(units [][]int) (float64, bool) {
	k := 0
	for _, u := range units {
		for _, v := range u {
			k = max(k, v+1)
		}
	}
	o := make([][]float64, k)
	for c := range o {
		o[c] = make([]float64, k)
	}
	for _, u := range units {
		m := len(u)
		if m < 2 {
			continue
		}
		w := 1 / float64(m-1)
		for i, c := range u {
			for j, d := range u {
				if i != j {
					o[c][d] += w
				}
			}
		}
	}
	nc := make([]float64, k)
	var n float64
	for c := range k {
		for d := range k {
			nc[c] += o[c][d]
		}
		n += nc[c]
	}
	var observed, expected float64
	for c := range k {
		for d := range k {
			if c != d {
				observed += o[c][d]
				expected += nc[c] * nc[d]
			}
		}
	}
	if n < 2 || expected == 0 {
		return 0, false
	}
	return 1 - (n-1)*observed/expected, true
}

package novelty

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cyberstreams/cyberstreams/core/document"
	"github.com/cyberstreams/cyberstreams/core/extract"
	"github.com/cyberstreams/cyberstreams/core/features"
	"github.com/cyberstreams/cyberstreams/ml/iforest"
)

var (
	flaws   = []string{"remote code execution", "cross-site scripting", "sql injection", "denial of service", "path traversal", "information disclosure"}
	parts   = []string{"parser", "upload handler", "login form", "template engine", "api endpoint", "image decoder"}
	reports = []string{"The actor sent spearphishing emails with a malicious attachment to the victims.",
		"Once executed, the loader decrypts its payload and injects it into a legitimate process.",
		"The group used Mimikatz to dump credentials and moved laterally over RDP.",
		"Persistence is achieved through a scheduled task that runs the backdoor at logon.",
		"The ransomware deletes shadow copies before encrypting files on network shares.",
		"Command and control traffic was tunnelled over DNS to attacker infrastructure."}
)

// advisories makes n advisory-like documents, one a day from start.
func advisories(n int, seed uint64, start time.Time) []document.Document {
	rng := rand.New(rand.NewPCG(seed, 2))
	ex := extract.New(extract.Options{})
	docs := make([]document.Document, n)
	for i := range docs {
		flaw, part := flaws[rng.IntN(len(flaws))], parts[rng.IntN(len(parts))]
		cve := fmt.Sprintf("CVE-2024-%05d", 1000+i)
		d := document.Document{ID: cve, Title: fmt.Sprintf("%s in %s of package%d", flaw, part, rng.IntN(50)),
			Body: fmt.Sprintf("A %s vulnerability in the %s of package%d before 1.%d.0 allows attackers to cause %s (%s).",
				flaw, part, rng.IntN(50), rng.IntN(9), flaw, cve),
			Published: start.Add(time.Duration(i) * 24 * time.Hour), Severity: document.Severities[rng.IntN(4)],
			Packages: []string{fmt.Sprintf("package%d", rng.IntN(50))}, References: []string{"https://example.org/" + cve}}
		d.Entities = ex.Extract(d.Text())
		docs[i] = d
	}
	return docs
}

// reportChunks makes n chunks of threat-report prose, with no title or
// structured fields.
func reportChunks(n int, seed uint64) []document.Document {
	rng := rand.New(rand.NewPCG(seed, 3))
	ex := extract.New(extract.Options{})
	docs := make([]document.Document, n)
	for i := range docs {
		var s []string
		for range 8 {
			s = append(s, reports[rng.IntN(len(reports))])
		}
		docs[i] = document.Document{ID: fmt.Sprintf("report-%d", i), Body: strings.Join(s, " ")}
		docs[i].Entities = ex.Extract(docs[i].Text())
	}
	return docs
}

func fitted(t *testing.T, opts Options) (*Model, *features.Featurizer, []document.Document) {
	t.Helper()
	docs := advisories(700, 1, time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC))
	train, valid := docs[:500], docs[500:]
	spec, err := features.Fit(context.Background(), train, features.FitOptions{MinDF: 2, MinCategory: 1, EntityTypes: extract.Types})
	if err != nil {
		t.Fatal(err)
	}
	fz := features.New(spec)
	opts.Autoencoder.Epochs = 20
	m, err := Fit(context.Background(), fz, train, valid, opts)
	if err != nil {
		t.Fatal(err)
	}
	return m, fz, valid
}

// Report prose stands out from advisories; the flag marks at most the
// target share of validation advisories, and more of the reports than of
// new advisories, with either way of combining the two detectors.
func TestFlagSeparatesReportsFromAdvisories(t *testing.T) {
	for _, combine := range []string{CombineRank, CombineSum} {
		t.Run(combine, func(t *testing.T) {
			m, fz, valid := fitted(t, Options{Seed: 3, Combine: combine})
			sc, err := m.Scorer(fz.Spec(), fz.Width())
			if err != nil {
				t.Fatal(err)
			}
			if m.ValidFPR > m.TargetFPR || m.ValidDocs != len(valid) || !sc.Calibrated() {
				t.Fatalf("validation flagged %.3f of %d (target %.2f), calibrated %v", m.ValidFPR, m.ValidDocs, m.TargetFPR, sc.Calibrated())
			}
			share := func(docs []document.Document) float64 {
				n := 0
				for i := range docs {
					s := sc.Score(fz.Transform(&docs[i]))
					if s < 0 || s > 1 {
						t.Fatalf("score %v outside [0, 1]", s)
					}
					if sc.Novel(s) {
						n++
					}
				}
				return float64(n) / float64(len(docs))
			}
			fresh := advisories(300, 9, time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))
			if r, a := share(reportChunks(100, 4)), share(fresh); r < 0.9 || a > 0.1 {
				t.Fatalf("flagged %.2f of report chunks and %.2f of new advisories; want ≥ 0.9 and ≤ 0.1", r, a)
			}
		})
	}
}

// A saved model loads and scores exactly as before; a model loaded
// beside a feature spec that lacks one of its inputs is refused.
func TestSavedModelScoresTheSame(t *testing.T) {
	m, fz, valid := fitted(t, Options{Seed: 5})
	data, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	back, err := Parse(data, fz.Spec())
	if err != nil {
		t.Fatal(err)
	}
	a, _ := m.Scorer(fz.Spec(), fz.Width())
	b, err := back.Scorer(fz.Spec(), fz.Width())
	if err != nil {
		t.Fatal(err)
	}
	for i := range valid {
		row := fz.Transform(&valid[i])
		if x, y := a.Score(row), b.Score(row); x != y {
			t.Fatalf("doc %d: %v before saving, %v after", i, x, y)
		}
	}
	spec := *fz.Spec()
	spec.Numeric = slices.DeleteFunc(slices.Clone(spec.Numeric), func(n string) bool { return n == "doc:reference_count" })
	if _, err := back.Scorer(&spec, spec.NumFeatures()); err == nil || !strings.Contains(err.Error(), "doc:reference_count") {
		t.Fatalf("a spec without doc:reference_count: error %v, want one naming it", err)
	}
}

// The novelty.json of bundles written before FormatVersion 2 (a bare
// forest over the numeric features) loads, scores as the forest does, has
// no flag, and is written back in its own format.
func TestLegacyForestLoads(t *testing.T) {
	_, fz, valid := fitted(t, Options{Seed: 1})
	spec := fz.Spec()
	x := make([][]float64, 50)
	for i := range x {
		x[i] = make([]float64, len(spec.Numeric))
		x[i][0] = float64(i)
	}
	forest := iforest.Fit(x, iforest.Params{Trees: 10, Seed: 1})
	data, _ := json.Marshal(forest)
	m, err := Parse(data, spec)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := m.Scorer(spec, fz.Width())
	if err != nil {
		t.Fatal(err)
	}
	row := fz.Transform(&valid[0])
	dense := make([]float64, fz.Width())
	fz.Dense(row, dense)
	if got, want := sc.Score(row), forest.Score(dense[fz.Width()-len(spec.Numeric):]); got != want || sc.Calibrated() || sc.Novel(got) {
		t.Fatalf("legacy score %v, the forest's %v; calibrated %v", got, want, sc.Calibrated())
	}
	again, _ := json.Marshal(m)
	if string(again) != string(data) {
		t.Fatal("a legacy model is not written back as the bare forest it was")
	}
}

func TestCalibrate(t *testing.T) {
	ramp := func(n int) []float64 {
		s := make([]float64, n)
		for i := range s {
			s[i] = float64(i) / float64(n)
		}
		return s
	}
	tests := []struct {
		name        string
		scores      []float64
		target      float64
		wantFlagged int
	}{
		// P(Binomial(1000, 0.05) ≤ 38) ≈ 0.043 and ≤ 39 ≈ 0.062.
		{"1000 scores at 5%", ramp(1000), 0.05, 38},
		{"too few scores to promise anything", ramp(20), 0.05, 0},
		// The cut falls among 981 scores of 0.5: flagging them would flag
		// far more than allowed, so only the 9 above them are.
		{"ties at the cut are not flagged", append(slices.Repeat([]float64{0.5}, 980), ramp(20)...), 0.05, 9},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			th := Calibrate(tt.scores, tt.target)
			n := 0
			for _, s := range tt.scores {
				if s >= th {
					n++
				}
			}
			if n != tt.wantFlagged {
				t.Fatalf("threshold %v flags %d, want %d", th, n, tt.wantFlagged)
			}
		})
	}
}

// allowedFlags is the one-sided binomial bound it says, checked against a
// direct sum of the binomial probabilities.
func TestAllowedFlagsIsTheBinomialBound(t *testing.T) {
	cdf := func(k, n int, p float64) float64 {
		var s float64
		for j := 0; j <= k; j++ {
			c, _ := math.Lgamma(float64(n + 1))
			a, _ := math.Lgamma(float64(j + 1))
			b, _ := math.Lgamma(float64(n - j + 1))
			s += math.Exp(c - a - b + float64(j)*math.Log(p) + float64(n-j)*math.Log(1-p))
		}
		return s
	}
	for _, n := range []int{100, 500, 5000} {
		for _, p := range []float64{0.01, 0.05, 0.2} {
			k := allowedFlags(n, p, 0.05)
			if k > 0 && cdf(k, n, p) > 0.05 || cdf(k+1, n, p) <= 0.05 {
				t.Fatalf("n %d p %v: k %d, cdf(k) %.4f cdf(k+1) %.4f", n, p, k, cdf(k, n, p), cdf(k+1, n, p))
			}
		}
	}
}

func TestRankIsMonotoneInZeroOne(t *testing.T) {
	ref := quantiles([]float64{1, 2, 2, 3, 5, 8, 13}, 11)
	prev := -1.0
	for v := 0.0; v < 40; v += 0.25 {
		r := rank(ref, v)
		if r < prev || r < 0 || r > 1 {
			t.Fatalf("rank(%v) = %v after %v", v, r, prev)
		}
		prev = r
	}
	if rank(ref, 30) <= rank(ref, 14) {
		t.Fatal("beyond the reference, a farther score ranks no higher")
	}
}

// Every driver's words name its value and the usual one.
func TestDriverWords(t *testing.T) {
	m, fz, _ := fitted(t, Options{Seed: 2})
	sc, _ := m.Scorer(fz.Spec(), fz.Width())
	r := reportChunks(1, 7)[0]
	_, drivers := sc.Explain(fz.Transform(&r), 3)
	if len(drivers) == 0 {
		t.Fatal("no drivers for report prose")
	}
	for _, d := range drivers {
		if w := d.Words(); !strings.Contains(w, "usually") && !strings.Contains(w, "it ") {
			t.Errorf("%s: %q says nothing of the usual", d.Input, w)
		}
	}
}

// Equal documents, options and seed give a byte-identical novelty.json,
// as the embedded default model's reproducible build needs.
func TestFitIsReproducible(t *testing.T) {
	a, _, _ := fitted(t, Options{Seed: 11})
	b, _, _ := fitted(t, Options{Seed: 11})
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if string(ja) != string(jb) {
		t.Fatal("two fits with the same seed differ")
	}
}

package techniques

import (
	"context"
	"fmt"
	"slices"

	"github.com/cyberstreams/cyberstreams/ml/multilabel"
)

// Evaluation is the quality of the technique model on reports it never
// saw, over the techniques it models.
type Evaluation struct {
	Folds int `json:"folds"`
	// HeldOut is how many of the folds were held out and judged (the
	// first ones): all of them is cross-validation, one is a single
	// report-level hold-out of 1/Folds of the reports.
	HeldOut   int               `json:"held_out"`
	Reports   int               `json:"reports"`
	Sentences int               `json:"sentences"`
	Document  multilabel.Scores `json:"document"`
	Sentence  multilabel.Scores `json:"sentence"`
	// ModelDocument and ModelSentence judge the model's own tags, without
	// those of technique ids written in the text. TRAM's annotators
	// labelled the prose that describes a technique, not the ATT&CK tables
	// that list ids: of the 1168 ids written in its sentences, 49 are among
	// the techniques annotated on that sentence and 312 among those of the
	// report, so an exact id counts mostly as a false positive there.
	ModelDocument multilabel.Scores `json:"model_document"`
	ModelSentence multilabel.Scores `json:"model_sentence"`
}

// judged collects true and predicted technique sets, each item restricted
// to the techniques the model that tagged it models.
type judged struct {
	truth, pred [][]int
	labels      map[string]int
}

func newJudged() *judged { return &judged{labels: map[string]int{}} }

func (j *judged) scores() multilabel.Scores { return multilabel.Evaluate(j.truth, j.pred, nil) }

// judges are the four tallies of an evaluation: per sentence and per
// document, with the exact ids' tags and without them.
type judges struct{ sent, doc, modelSent, modelDoc *judged }

func newJudges() judges { return judges{newJudged(), newJudged(), newJudged(), newJudged()} }

func (j *judged) label(id string) int {
	if l, ok := j.labels[id]; ok {
		return l
	}
	j.labels[id] = len(j.labels)
	return j.labels[id]
}

func (j *judged) add(truth, pred []string, modelled []string) {
	keep := func(ids []string) []int {
		var out []int
		for _, id := range uniq(ids) {
			if slices.Contains(modelled, id) {
				out = append(out, j.label(id))
			}
		}
		return out
	}
	j.truth = append(j.truth, keep(truth))
	j.pred = append(j.pred, keep(pred))
}

// CrossValidate estimates the quality of Train with report-level folds:
// each of the first heldOut folds' reports are tagged by a model
// (calibration included) trained on the other folds only, and the
// decisions are pooled. Reports and Sentences count those judged.
func CrossValidate(ctx context.Context, c Corpus, opts Options, folds, heldOut int, seed uint64) (Evaluation, error) {
	if folds < 2 || heldOut < 1 || heldOut > folds {
		return Evaluation{}, fmt.Errorf("techniques: %d of %d folds held out (want 1..folds, folds ≥ 2)", heldOut, folds)
	}
	fold := ReportFolds(c.Sentences, folds, seed)
	ev := Evaluation{Folds: folds, HeldOut: heldOut}
	judgedReports := map[string]bool{}
	j := newJudges()
	for f := 0; f < heldOut; f++ {
		var train, test []Sentence
		for _, s := range c.Sentences {
			if fold[s.DocID] == f {
				test = append(test, s)
				judgedReports[s.DocID] = true
			} else {
				train = append(train, s)
			}
		}
		m, err := Train(ctx, Corpus{Sentences: train, Texts: c.Texts}, opts)
		if err != nil {
			return ev, fmt.Errorf("techniques: outer fold %d: %w", f+1, err)
		}
		m.judge(test, j)
		ev.Sentences += len(test)
	}
	ev.Reports = len(judgedReports)
	ev.Sentence, ev.Document = j.sent.scores(), j.doc.scores()
	ev.ModelSentence, ev.ModelDocument = j.modelSent.scores(), j.modelDoc.scores()
	return ev, nil
}

// judge tags held-out sentences one by one and their reports as wholes,
// adding truth and decisions to j.
func (m *Model) judge(test []Sentence, j judges) {
	type report struct {
		truth []string
		top   topTwo
		exact []string
	}
	var order []string
	reports := map[string]*report{}
	margins := make([]float64, len(m.Techniques))
	for i, s := range test {
		r := reports[s.DocID]
		if r == nil {
			r = &report{top: newTopTwo(len(m.Techniques))}
			reports[s.DocID] = r
			order = append(order, s.DocID)
		}
		sc := m.score(s.Text, margins)
		var pred []string
		for l, p := range sc.prob {
			if p >= m.SentenceCut[l] {
				pred = append(pred, m.Techniques[l])
			}
		}
		r.top.add(i, sc.logit)
		j.modelSent.add(s.Techniques, pred, m.Techniques)
		j.sent.add(s.Techniques, append(pred, sc.exact...), m.Techniques)
		r.truth = append(r.truth, s.Techniques...)
		r.exact = append(r.exact, sc.exact...)
	}
	for _, id := range order {
		r := reports[id]
		var pred []string
		for l := range m.Techniques {
			if m.documentProb(l, r.top.best[l], r.top.second[l]) >= m.DocumentCut[l] {
				pred = append(pred, m.Techniques[l])
			}
		}
		j.modelDoc.add(r.truth, pred, m.Techniques)
		j.doc.add(r.truth, append(pred, r.exact...), m.Techniques)
	}
}

package techniques

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/cyberstreams/cyberstreams/labels"
)

// TestAddCorrections: a verdict on an annotated sentence changes its
// techniques; one on a new sentence adds it under the document's own
// report; a verdict without a sentence adds nothing; the checksum follows
// the labels.
func TestAddCorrections(t *testing.T) {
	base := func() Corpus {
		return Corpus{Sentences: []Sentence{
			{DocID: "r1", Text: "The loader decodes with certutil.", Techniques: []string{"T1140", "T1105"}},
			{DocID: "r2", Text: "Nothing to see.", Techniques: nil},
		}}
	}
	cases := []struct {
		name    string
		labels  []labels.TechniqueLabel
		changed int
		want    []string // doc|text|techniques of every sentence
	}{
		{"absent removes", []labels.TechniqueLabel{{DocID: "d", Technique: "T1105", Sentence: "The loader decodes with certutil."}}, 1,
			[]string{"r1|The loader decodes with certutil.|T1140", "r2|Nothing to see.|"}},
		{"present adds once", []labels.TechniqueLabel{
			{DocID: "d", Technique: "T1027", Present: true, Sentence: "Nothing to see."},
			{DocID: "d", Technique: "T1140", Present: true, Sentence: "The loader decodes with certutil."}}, 2,
			[]string{"r1|The loader decodes with certutil.|T1140,T1105", "r2|Nothing to see.|T1027"}},
		{"new sentence", []labels.TechniqueLabel{
			{DocID: "d7", Technique: "T1547.001", Present: true, Sentence: "It adds a Run key."},
			{DocID: "d7", Technique: "T1112", Sentence: "It adds a Run key."},
			{DocID: "d8", Technique: "T1105", Sentence: "It talks to its server."}}, 2,
			[]string{"r1|The loader decodes with certutil.|T1140,T1105", "r2|Nothing to see.|",
				"label:d7|It adds a Run key.|T1547.001", "label:d8|It talks to its server.|"}},
		{"no sentence", []labels.TechniqueLabel{{DocID: "d", Technique: "T1105", Present: true}}, 0,
			[]string{"r1|The loader decodes with certutil.|T1140,T1105", "r2|Nothing to see.|"}},
	}
	sums := map[string]string{}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			corpus := base()
			n, in := corpus.AddCorrections(c.labels)
			var got []string
			for _, s := range corpus.Sentences {
				got = append(got, s.DocID+"|"+s.Text+"|"+strings.Join(s.Techniques, ","))
			}
			if n != c.changed || !slices.Equal(got, c.want) {
				t.Fatalf("changed %d %q, want %d %q", n, got, c.changed, c.want)
			}
			if !strings.HasPrefix(in.File, fmt.Sprintf("%s (%d)", CorrectionsInput, len(c.labels))) || len(in.SHA256) != 64 {
				t.Fatalf("input %+v", in)
			}
			if prev, ok := sums[in.SHA256]; ok {
				t.Fatalf("same checksum as %s", prev)
			}
			sums[in.SHA256] = c.name
		})
	}
}

func TestFindSentence(t *testing.T) {
	text := "It decodes with certutil. It persists through a Run key. A Run key again."
	cases := []struct {
		part, want, err string
	}{
		{"CERTUTIL", "It decodes with certutil.", ""},
		{"persists", "It persists through a Run key.", ""},
		{"run key", "", "2 sentences contain"},
		{"powershell", "", "no sentence"},
		{"  ", "", "give a few words"},
	}
	for _, c := range cases {
		got, err := FindSentence(text, c.part)
		if got != c.want || (c.err == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), c.err)) {
			t.Errorf("%q: %q, %v; want %q, %q", c.part, got, err, c.want, c.err)
		}
	}
}

func TestEvidenceSentence(t *testing.T) {
	m := trainToy(t)
	text := "The group has been active since 2001. The loader used certutil to decode its payload. See T1059.003 too."
	cases := []struct{ id, want string }{
		{"T1140", "The loader used certutil to decode its payload."},
		{"T1059.003", "See T1059.003 too."}, // written, though the model does not read it
		{"T1001", ""},                       // neither
	}
	for _, c := range cases {
		if got := m.EvidenceSentence(text, c.id); got != c.want {
			t.Errorf("%s: %q, want %q", c.id, got, c.want)
		}
	}
}

// TestCorrectionsTrain: analysts' verdicts are training data: a technique
// only they name is modelled once they give it enough sentences, and the
// model then reads it in new text.
func TestCorrectionsTrain(t *testing.T) {
	c := toyCorpus()
	var ls []labels.TechniqueLabel
	for i := range 10 {
		ls = append(ls, labels.TechniqueLabel{DocID: fmt.Sprintf("d%d", i), Technique: "T1059.001", Present: true,
			Sentence: fmt.Sprintf("It ran an encoded powershell command on host %d.", i)})
	}
	if n, _ := c.AddCorrections(ls); n != 10 {
		t.Fatalf("%d sentences added, want 10", n)
	}
	opts := DefaultOptions()
	opts.MinSentences = 5
	m, err := Train(t.Context(), c, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(m.Techniques, "T1059.001") {
		t.Fatalf("T1059.001 not modelled: %v", m.Techniques)
	}
	got := m.Tag("It ran an encoded powershell command on host 12.", false).Techniques
	if len(got) == 0 || got[0].Technique != "T1059.001" {
		t.Fatalf("tags %+v, want T1059.001", got)
	}
}

func TestVerdictsApply(t *testing.T) {
	tags := []Tag{
		{Technique: "T1140", Confidence: 0.9, Provenance: Inferred, Evidence: &Evidence{Sentence: "s"}},
		{Technique: "T1105", Confidence: 0.2, Provenance: Inferred},
		{Technique: "T1547.001", Confidence: 1, Provenance: Explicit},
	}
	names := map[string]string{"T1027": "Obfuscated Files or Information"}
	v := Verdicts{"d": {"T1105": {Analyst: "ana"}, "T1140": {Present: true}, "T1027": {Present: true}, "T1547.001": {}}}
	cases := []struct {
		doc  string
		want []string
	}{
		{"d", []string{"T1027 analyst 1 Obfuscated Files or Information", "T1140 analyst 1 ", "(evidence kept)"}},
		{"other", []string{"T1140 model 0.9 ", "(evidence kept)", "T1105 model 0.2 ", "T1547.001 explicit 1 "}}, // untouched
	}
	for _, c := range cases {
		var got []string
		for _, tag := range v.Apply(c.doc, slices.Clone(tags), names) {
			got = append(got, fmt.Sprintf("%s %s %g %s", tag.Technique, tag.Provenance, tag.Confidence, tag.Name))
			if tag.Evidence != nil {
				got = append(got, "(evidence kept)")
			}
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: %q, want %q", c.doc, got, c.want)
		}
	}
	var rejected []string
	for _, tag := range v.Rejected("d", tags, names) {
		rejected = append(rejected, fmt.Sprintf("%s %s %g", tag.Technique, tag.Provenance, tag.Confidence))
	}
	if want := []string{"T1105 model 0.2", "T1547.001 explicit 1"}; !slices.Equal(rejected, want) {
		t.Errorf("rejected %q, want %q", rejected, want)
	}
	if got := v.Rejected("other", tags, names); len(got) != 0 {
		t.Errorf("rejected on an unjudged document: %+v", got)
	}
}

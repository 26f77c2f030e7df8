package techniques

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/gob"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/cyberstreams/cyberstreams/kg"
	"github.com/cyberstreams/cyberstreams/kg/attack"
)

func TestSentences(t *testing.T) {
	for _, tc := range []struct {
		text string
		want []string
	}{
		{"One. Two!", []string{"One.", "Two!"}},
		{"Version 1.2 was used. Then it ran.", []string{"Version 1.2 was used.", "Then it ran."}},
		{"e.g. this stays. Next one", []string{"e.g. this stays.", "Next one"}},
		{"line one\n\n  line two  \n", []string{"line one", "line two"}},
		{"It ran cmd.exe. Ça marche? Oui.", []string{"It ran cmd.exe.", "Ça marche?", "Oui."}},
		{"", nil},
		{" \n\t", nil},
	} {
		var got []string
		for _, s := range Sentences(tc.text) {
			got = append(got, tc.text[s.Start:s.End])
		}
		if fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("Sentences(%q) = %q, want %q", tc.text, got, tc.want)
		}
	}
}

func FuzzSentences(f *testing.F) {
	for _, s := range []string{"One. Two!", "a\nb", "x. Ã", ". A", "?\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		prev := 0
		for _, s := range Sentences(text) {
			if s.Start < prev || s.End <= s.Start || s.End > len(text) {
				t.Fatalf("span %+v after %d in %d bytes", s, prev, len(text))
			}
			prev = s.End
		}
	})
}

func TestVocabularyVector(t *testing.T) {
	v := FitVocabulary([]string{"the loader decodes payload", "loader decodes strings", "other text"}, 2)
	if got := strings.Join(v.Terms, ","); got != "decodes,loader,loader decodes" {
		t.Fatalf("terms %s", got)
	}
	x := v.Vector("The LOADER decodes it")
	if len(x.Idx) != 3 {
		t.Fatalf("vector %+v", x)
	}
	norm := 0.0
	for _, val := range x.Val {
		norm += float64(val) * float64(val)
	}
	if norm < 0.999 || norm > 1.001 {
		t.Errorf("norm² %.4f, want 1", norm)
	}
	if x := v.Vector("nothing known"); len(x.Idx) != 0 {
		t.Errorf("unknown words gave %+v", x)
	}
}

func TestReadSentencesNamesLine(t *testing.T) {
	for _, tc := range []struct {
		name, input, want string
	}{
		{"bad json", `{"doc_id":"a","text":"x"}` + "\n{oops\n", "f.jsonl:2:"},
		{"no doc", `{"text":"x"}`, "f.jsonl:1: no doc_id"},
		{"bad id", `{"doc_id":"a","text":"x","techniques":["X1"]}`, `f.jsonl:1: technique "X1"`},
	} {
		_, err := ReadSentences(strings.NewReader(tc.input), "f.jsonl")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
	}
	ss, err := ReadSentences(strings.NewReader(`{"doc_id":"a","text":"x","techniques":["t1059.003"]}`+"\n\n"), "f")
	if err != nil || len(ss) != 1 || ss[0].Techniques[0] != "T1059.003" {
		t.Fatalf("%+v %v", ss, err)
	}
}

// toyCorpus has two techniques whose sentences name their tell-tale
// words, among neutral sentences, in 12 reports; the last two reports have
// neither technique, so that the document threshold has reports to tell
// apart (when every report has every technique, the threshold can only
// sit on the least of the out-of-fold scores).
func toyCorpus() Corpus {
	var c Corpus
	for d := range 12 {
		doc := fmt.Sprintf("r%02d", d)
		add := func(text string, ids ...string) {
			c.Sentences = append(c.Sentences, Sentence{DocID: doc, Text: text, Techniques: ids})
		}
		if d < 10 {
			add(fmt.Sprintf("The loader used certutil to decode the payload number %d.", d), "T1140")
			add(fmt.Sprintf("Persistence was set with a Run registry key %d.", d), "T1547.001")
		}
		add(fmt.Sprintf("The group has been active since %d.", 2000+d))
		add("Researchers published the report on their blog.")
		add(fmt.Sprintf("Victims in sector %d were contacted.", d))
	}
	c.Texts = []attack.TechniqueText{{Technique: "T1140", Kind: attack.TextProcedure, Text: "Malware decodes payloads with certutil."}}
	c.Names = map[string]string{"T1140": "Deobfuscate/Decode Files or Information", "T1547.001": "Registry Run Keys / Startup Folder"}
	return c
}

func trainToy(t *testing.T) *Model {
	t.Helper()
	opts := DefaultOptions()
	opts.MinSentences = 5
	opts.Folds = 3
	m, err := Train(context.Background(), toyCorpus(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestTagFindsTechniquesWithEvidence(t *testing.T) {
	m := trainToy(t)
	text := "Überblick.\nThe loader used certutil to decode its payload. Persistence was set with a Run registry key. See T1059.003 too."
	got := m.Tag(text, true)
	found := map[string]Tag{}
	for _, tag := range got.Techniques {
		found[tag.Technique] = tag
	}
	for _, tc := range []struct {
		id, provenance, sentence, word string
	}{
		{"T1140", Inferred, "The loader used certutil to decode its payload.", "certutil"},
		{"T1547.001", Inferred, "Persistence was set with a Run registry key.", "registry"},
		{"T1059.003", Explicit, "See T1059.003 too.", ""},
	} {
		tag, ok := found[tc.id]
		if !ok {
			t.Errorf("%s not found in %+v", tc.id, got.Techniques)
			continue
		}
		if tag.Provenance != tc.provenance || tag.Evidence == nil || tag.Evidence.Sentence != tc.sentence {
			t.Errorf("%s: %+v", tc.id, tag)
			continue
		}
		// The span counts characters: Ü is one.
		runes := []rune(text)
		if s := string(runes[tag.Evidence.Span[0]:tag.Evidence.Span[1]]); s != tc.sentence {
			t.Errorf("%s: span %v is %q", tc.id, tag.Evidence.Span, s)
		}
		if tc.word != "" && !strings.Contains(fmt.Sprint(tag.Evidence.Words), tc.word) {
			t.Errorf("%s: words %+v lack %q", tc.id, tag.Evidence.Words, tc.word)
		}
	}
	if found["T1140"].Name != "Deobfuscate/Decode Files or Information" {
		t.Errorf("name %q", found["T1140"].Name)
	}
	if len(got.Sentences) == 0 {
		t.Fatal("no sentence tags")
	}
	// Every sentence tag carries its sentence and span, as a document tag does.
	for _, st := range got.Sentences {
		if s := string([]rune(text)[st.Span[0]:st.Span[1]]); s != st.Text {
			t.Errorf("sentence %d: span %v is %q, text %q", st.Index, st.Span, s, st.Text)
		}
		for _, tag := range st.Techniques {
			if tag.Evidence == nil || tag.Evidence.Sentence != st.Text || tag.Evidence.Span != st.Span {
				t.Errorf("sentence %d, %s: evidence %+v, want sentence %q span %v", st.Index, tag.Technique, tag.Evidence, st.Text, st.Span)
			}
		}
	}
	if neutral := m.Tag("Researchers published the report on their blog.", false); len(neutral.Techniques) != 0 {
		t.Errorf("neutral sentence tagged %+v", neutral.Techniques)
	}
}

func TestModelRoundTrip(t *testing.T) {
	m := trainToy(t)
	var buf bytes.Buffer
	if err := m.Write(&buf); err != nil {
		t.Fatal(err)
	}
	back, err := Read(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	text := "The loader used certutil to decode the payload. A Run registry key was set."
	a, _ := json.Marshal(m.Tag(text, true))
	b, _ := json.Marshal(back.Tag(text, true))
	if !bytes.Equal(a, b) {
		t.Errorf("tags differ after a round trip:\n%s\n%s", a, b)
	}
	for _, bad := range [][]byte{nil, []byte("not gzip"), buf.Bytes()[:buf.Len()/2]} {
		if _, err := Read(bytes.NewReader(bad)); err == nil {
			t.Errorf("Read(%d bytes) accepted", len(bad))
		}
	}
}

// A format-1 model (no stacks) still reads and tags as it did: a
// sentence's probability is its Platt probability and a document's its
// best sentence's; a format-2 model without its stacks is refused.
func TestFormatOneModelStillReads(t *testing.T) {
	m := trainToy(t)
	encode := func(version int, stacks bool) []byte {
		e := encoded{Version: version, Techniques: m.Techniques, Names: m.Names, Terms: m.Vocab.Terms, IDF: m.Vocab.IDF,
			Linear: *m.Linear, Platt: m.Platt, SentenceCut: m.SentenceCut, DocumentCut: m.DocumentCut}
		if stacks {
			e.SentenceStack, e.DocumentStack, e.Prior = m.SentenceStack, m.DocumentStack, m.Prior
		} else {
			e.DocumentCut = make([]float64, len(m.Techniques)) // every technique, to read its confidence
		}
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		if err := gob.NewEncoder(zw).Encode(&e); err != nil {
			t.Fatal(err)
		}
		zw.Close()
		return buf.Bytes()
	}
	for _, tc := range []struct {
		name    string
		version int
		stacks  bool
		ok      bool
	}{
		{"format 1", 1, false, true},
		{"format 1 with stacks", 1, true, false},
		{"format 2", 2, true, true},
		{"format 2 without stacks", 2, false, false},
		{"format 3", 3, true, false},
	} {
		back, err := Read(bytes.NewReader(encode(tc.version, tc.stacks)))
		if (err == nil) != tc.ok {
			t.Errorf("%s: error %v, want ok=%v", tc.name, err, tc.ok)
			continue
		}
		if err != nil || tc.version != 1 {
			continue
		}
		text := "The loader used certutil to decode the payload. The group has been active since 2001."
		l := slices.Index(back.Techniques, "T1140")
		best := 0.0
		margins := make([]float64, len(back.Techniques))
		for _, sp := range Sentences(text) {
			x := back.Vocab.Vector(text[sp.Start:sp.End])
			back.Linear.Margins(x, margins)
			best = math.Max(best, back.Platt[l].Prob(margins[l]))
		}
		found := false
		for _, tag := range back.Tag(text, false).Techniques {
			if tag.Technique == "T1140" {
				found = true
				if math.Abs(tag.Confidence-best) > 1e-12 {
					t.Errorf("%s: confidence %v, want the best sentence's Platt probability %v", tc.name, tag.Confidence, best)
				}
			}
		}
		if !found {
			t.Errorf("%s: T1140 not tagged", tc.name)
		}
	}
}

func FuzzRead(f *testing.F) {
	f.Add([]byte("x"))
	f.Add([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Read(bytes.NewReader(b))
		if err == nil {
			m.Tag("The loader used certutil. T1140", true)
		}
	})
}

func TestEmbeddedModelLoads(t *testing.T) {
	m, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Techniques) < 50 {
		t.Errorf("embedded model has %d techniques", len(m.Techniques))
	}
	if len(m.SentenceStack.W) == 0 || len(m.DocumentStack.W) == 0 {
		t.Error("embedded model has no stacks: it predates format 2; retrain it (MODEL_CARD.md has the command)")
	}
	tags := m.Tag("The malware decodes its payload with certutil -decode before execution.", false)
	if len(tags.Techniques) == 0 || tags.Techniques[0].Technique != "T1140" {
		t.Errorf("certutil decode: %+v", tags.Techniques)
	}
}

func TestTechniqueTextsOnSharedData(t *testing.T) {
	path := filepath.Join("..", "..", "..", "shared", "data", BundleFile)
	f, err := os.Open(path)
	if err != nil {
		t.Skipf("shared data not beside the repository (%v)", err)
	}
	defer f.Close()
	texts, err := attack.TechniqueTexts(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(texts) < 10000 {
		t.Fatalf("%d texts", len(texts))
	}
	for _, x := range texts {
		if strings.Contains(x.Text, "(Citation:") || !utf8.ValidString(x.Text) {
			t.Fatalf("uncleaned text %q", x.Text)
		}
	}
}

func TestMayHaveID(t *testing.T) {
	for _, tc := range []struct {
		text string
		want bool
	}{
		{"uses T1059.003", true}, {"The Tool", false}, {"T", false}, {"ends with T", false},
		{"Tx then T9", true}, {"", false},
	} {
		if got := mayHaveID(tc.text); got != tc.want {
			t.Errorf("mayHaveID(%q) = %v", tc.text, got)
		}
	}
}

// FuzzReadSentences: any input gives sentences with a report and
// canonical technique ids, or an error naming the file and line.
func FuzzReadSentences(f *testing.F) {
	f.Add([]byte(`{"doc_id":"r1","text":"It decodes.","techniques":["t1140"]}` + "\n\n" + `{"doc_id":"r2","text":"x","techniques":[]}`))
	f.Add([]byte(`{"doc_id":"r1","techniques":["TA0002"]}`))
	f.Add([]byte("{broken\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ss, err := ReadSentences(bytes.NewReader(data), "s.jsonl")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "s.jsonl") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		for _, s := range ss {
			if s.DocID == "" {
				t.Fatalf("sentence without a report: %+v", s)
			}
			for _, id := range s.Techniques {
				if kg.TechniqueKey(id) != id {
					t.Fatalf("technique %q not canonical", id)
				}
			}
		}
	})
}

// FuzzReadNames: any CSV gives names or an error naming the file.
func FuzzReadNames(f *testing.F) {
	f.Add([]byte("technique_id,name\nT1140,Deobfuscate/Decode Files or Information\n"))
	f.Add([]byte("name,technique_id\n\"a,b\",T1\n"))
	f.Add([]byte("x\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if _, err := ReadNames(bytes.NewReader(data), "n.csv"); err != nil && !strings.HasPrefix(err.Error(), "n.csv") {
			t.Fatalf("error does not name the file: %v", err)
		}
	})
}

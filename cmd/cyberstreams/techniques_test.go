package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/cyberstreams/cyberstreams/core/techniques"
)

const tagReport = "The loader decodes its payload with certutil -decode before running it.\nThe report also cites T1566.001 by id."

func TestTagCommand(t *testing.T) {
	ws := t.TempDir()
	r := runCLI(t, ws, tagReport, "tag", "--sentences", "--format", "text", "-")
	if r.Code != 0 {
		t.Fatalf("exit %d: %s", r.Code, r.Err)
	}
	var got techniques.Tagged
	if err := json.Unmarshal([]byte(r.Out), &got); err != nil {
		t.Fatalf("%v: %s", err, r.Out)
	}
	byID := map[string]techniques.Tag{}
	for _, tag := range got.Techniques {
		byID[tag.Technique] = tag
	}
	if tag, ok := byID["T1140"]; !ok || tag.Provenance != techniques.Inferred || tag.Evidence == nil || len(tag.Evidence.Words) == 0 {
		t.Errorf("T1140: %+v in %s", tag, r.Out)
	}
	if tag, ok := byID["T1566.001"]; !ok || tag.Provenance != techniques.Explicit || tag.Confidence != 1 {
		t.Errorf("T1566.001: %+v", tag)
	}
	if len(got.Sentences) == 0 || got.Sentences[0].Span != [2]int{0, 71} {
		t.Errorf("sentences %+v", got.Sentences)
	}
	for _, st := range got.Sentences {
		for _, tag := range st.Techniques {
			if tag.Evidence == nil || tag.Evidence.Sentence != st.Text || tag.Evidence.Span != st.Span {
				t.Errorf("sentence %d, %s: evidence %+v lacks its sentence %q and span %v", st.Index, tag.Technique, tag.Evidence, st.Text, st.Span)
			}
		}
	}

	for _, tc := range []struct {
		format, want string
	}{
		{"csv", "id,sentence,start,end,technique,name,confidence,provenance,evidence,words\n"},
		{"table", "TECHNIQUE"},
	} {
		r := runCLI(t, ws, tagReport, "tag", "--output", tc.format, "--format", "text", "-")
		if r.Code != 0 || !strings.Contains(r.Out, tc.want) || !strings.Contains(r.Out, "T1140") {
			t.Errorf("--format %s: exit %d\n%s%s", tc.format, r.Code, r.Out, r.Err)
		}
	}
}

// TestTagSentenceRows: with --sentences every sentence row carries its
// text and character span, in each output format.
func TestTagSentenceRows(t *testing.T) {
	ws := t.TempDir()
	first := "The loader decodes its payload with certutil -decode before running it."
	for _, tc := range []struct {
		format string
		want   []string
	}{
		{"jsonl", []string{`"index":0,"span":[0,71],"text":"` + first + `"`, `"evidence":{"sentence":"` + first + `","span":[0,71]`}},
		{"csv", []string{",0,0,71,T1140,", "," + first + ","}},
		{"table", []string{"[0:71]", first}},
	} {
		r := runCLI(t, ws, tagReport, "tag", "--sentences", "--output", tc.format, "--format", "text", "-")
		if r.Code != 0 {
			t.Fatalf("%s: exit %d: %s", tc.format, r.Code, r.Err)
		}
		for _, w := range tc.want {
			if !strings.Contains(r.Out, w) {
				t.Errorf("%s: no %q in\n%s", tc.format, w, r.Out)
			}
		}
	}
}

func TestTagBadInput(t *testing.T) {
	ws := t.TempDir()
	for _, tc := range []struct {
		name  string
		stdin string
		args  []string
		code  int
		err   string
	}{
		{"bad output", "x", []string{"tag", "--output", "xml", "-"}, exitUsage, "--output"},
		{"missing file", "", []string{"tag", "/nonexistent/report.txt"}, exitError, "report.txt"},
		{"one bad line", `{"id":"a","text":"It used certutil to decode the payload."}` + "\n{broken\n" + `{"id":"c","text":"nothing"}` + "\n",
			[]string{"tag", "--format", "jsonl", "-"}, exitError, "<stdin>:2"},
		{"train without data", "", []string{"train-techniques"}, exitUsage, "--data"},
		{"train with one fold", "", []string{"train-techniques", "--data", ".", "--cv", "1"}, exitUsage, "--cv"},
	} {
		r := runCLI(t, ws, tc.stdin, tc.args...)
		if r.Code != tc.code || !strings.Contains(r.Err, tc.err) {
			t.Errorf("%s: exit %d, stderr %q; want %d and %q", tc.name, r.Code, r.Err, tc.code, tc.err)
		}
		if tc.name == "one bad line" && (!strings.Contains(r.Out, `"id":"a"`) || !strings.Contains(r.Out, `"id":"c"`)) {
			t.Errorf("the good records were not tagged: %s", r.Out)
		}
	}
}

// TestLabelTechniques: an analyst's technique verdicts go through the CLI
// into the workspace (evidence picked by the model, or named), are listed,
// exported and undone.
func TestLabelTechniques(t *testing.T) {
	t.Setenv("USER", "tester")
	ws := labelWorkspace(t)
	steps := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"label", "techniques", "add", "doc-3f2a9c0011", "t1566.001"}, 0, "labelled doc-3f2a9c0011 T1566.001 present"},
		{[]string{"label", "techniques", "add", "CVE-2024-0001", "T1190", "--absent", "--sentence", "crafted"}, 0, "T1190 absent (event 2 by tester) in: crafted input"},
		{[]string{"label", "techniques", "add", "CVE-2024-0001", "T1190", "--sentence", "powershell"}, exitUsage, "no sentence of the document contains"},
		{[]string{"label", "techniques", "add", "CVE-2024-0001", "certutil", "--sentence", "crafted"}, exitUsage, "not an ATT&CK technique id"},
		{[]string{"label", "techniques", "add", "CVE-2024-0001", "t1566.002"}, exitUsage, "no sentence writes T1566.002"},
		{[]string{"label", "techniques", "add", "nosuchdoc", "T1190"}, exitError, "no document nosuchdoc"},
		{[]string{"label", "techniques", "list"}, 0, "T1190      absent   tester"},
		{[]string{"label", "techniques", "export", "--format", "csv"}, 0, "CVE-2024-0001,T1190,false,crafted input,tester,"},
		{[]string{"label", "techniques", "undo"}, 0, "undid CVE-2024-0001 T1190 absent (event 2 by tester)"},
		{[]string{"label", "techniques", "export", "--all"}, 0, `"retracts":2`},
		{[]string{"label", "techniques", "list", "CVE-2024-0001"}, 0, "DOC"},
	}
	for _, s := range steps {
		r := runCLI(t, ws, "", s.args...)
		if r.Code != s.code || !strings.Contains(r.Out+r.Err, s.want) {
			t.Fatalf("%v: exit %d, want %d with %q:\n%s%s", s.args, r.Code, s.code, s.want, r.Out, r.Err)
		}
	}
	if r := runCLI(t, ws, "", "label", "techniques", "list", "CVE-2024-0001"); strings.Contains(r.Out, "T1190") {
		t.Fatalf("undone verdict still listed:\n%s", r.Out)
	}
}

package workspace

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/cyberstreams/cyberstreams/core/document"
)

// TestPutDocumentsOutcomes: documents are keyed by id. Per document the
// multi-row upsert must tell new from updated from unchanged, also when the
// batch repeats an id or a text, within one statement, across statements,
// and against what is already stored; and what the workspace holds after
// is the last version of every id.
func TestPutDocumentsOutcomes(t *testing.T) {
	doc := func(id, body string) document.Document {
		return document.Document{ID: id, Title: "t", Body: body,
			Entities: map[string][]string{"cve": {"CVE-2024-" + body}, "ipv4": {"192.0.2.1"}}}
	}
	idless := func(body string) document.Document {
		d := document.Document{Title: "t", Body: body}
		d.Finish()
		return d
	}
	many := func(prefix string, n int) []document.Document {
		var out []document.Document
		for i := range n {
			out = append(out, doc(fmt.Sprintf("%s-%d", prefix, i), fmt.Sprintf("%s%05d", prefix, i)))
		}
		return out
	}
	const N, U, S = Added, Updated, Unchanged
	repeat := func(o Outcome, n int) []Outcome { return slices.Repeat([]Outcome{o}, n) }
	tests := []struct {
		name   string
		stored []document.Document
		batch  []document.Document
		want   []Outcome
		// bodies: id → body the workspace holds after the batch
		bodies map[string]string
	}{
		{"all new", nil, []document.Document{doc("a", "1"), doc("b", "2")}, []Outcome{N, N}, map[string]string{"a": "1", "b": "2"}},
		{"same id twice, new text", nil, []document.Document{doc("a", "1"), doc("a", "2")}, []Outcome{N, U}, map[string]string{"a": "2"}},
		{"same text, different ids", nil, []document.Document{doc("a", "1"), doc("b", "1")}, []Outcome{N, N},
			map[string]string{"a": "1", "b": "1"}},
		{"same document twice", nil, []document.Document{doc("a", "1"), doc("a", "1")}, []Outcome{N, S}, map[string]string{"a": "1"}},
		{"id-less copies of one text merge", nil, []document.Document{idless("x"), idless("x"), idless("y")}, []Outcome{N, S, N}, nil},
		{"stored text then same id with new text", []document.Document{doc("x", "1")},
			[]document.Document{doc("a", "1"), doc("a", "2")}, []Outcome{N, U}, map[string]string{"x": "1", "a": "2"}},
		{"stored ids: changed, unchanged, new", []document.Document{doc("a", "1"), doc("b", "2")},
			[]document.Document{doc("b", "3"), doc("c", "2"), doc("a", "1")}, []Outcome{U, N, S},
			map[string]string{"a": "1", "b": "3", "c": "2"}},
		// An earlier version is not applied again (docUpsert), so that an
		// input naming one id twice is idempotent.
		{"changed, then back to an earlier version", []document.Document{doc("a", "1")},
			[]document.Document{doc("a", "2"), doc("a", "1"), doc("a", "1")}, []Outcome{U, S, S}, map[string]string{"a": "2"}},
		{"one id twice, ingested again", []document.Document{doc("a", "1"), doc("a", "2")},
			[]document.Document{doc("a", "1"), doc("a", "2")}, []Outcome{S, S}, map[string]string{"a": "2"}},
		{"one id twice, then a third text", []document.Document{doc("a", "1"), doc("a", "2")},
			[]document.Document{doc("a", "1"), doc("a", "3")}, []Outcome{S, U}, map[string]string{"a": "3"}},
		{"several statements", nil, append(many("m", 3*docRowsPerInsert+5), many("m", 10)...),
			append(repeat(N, 3*docRowsPerInsert+5), repeat(S, 10)...), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			ws := openTemp(t)
			if len(tt.stored) > 0 {
				if _, err := ws.PutDocuments(ctx, tt.stored); err != nil {
					t.Fatal(err)
				}
			}
			res, err := ws.PutDocuments(ctx, tt.batch)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(res.Outcomes, tt.want) {
				t.Fatalf("outcomes %v, want %v", res.Outcomes, tt.want)
			}
			count := map[Outcome]int{}
			for _, o := range tt.want {
				count[o]++
			}
			if res.New != count[N] || res.Updated != count[U] || res.Unchanged != count[S] {
				t.Fatalf("counted %d new, %d updated, %d unchanged; want %v", res.New, res.Updated, res.Unchanged, count)
			}
			for id, body := range tt.bodies {
				got, err := ws.Document(ctx, id)
				if err != nil || got.Body != body {
					t.Fatalf("%s holds %q (%v), want %q", id, got.Body, err, body)
				}
			}
			// Every stored document's entities are indexed under its id,
			// and only those of its current text.
			var rows int
			if err := ws.DB().QueryRowContext(ctx, `SELECT count(*) FROM entities`).Scan(&rows); err != nil {
				t.Fatal(err)
			}
			want := 0
			err = ws.EachDocument(ctx, ListOptions{}, func(d document.Document) error {
				for typ, vals := range d.Entities {
					want += len(vals)
					for _, v := range vals {
						hits, err := ws.DocumentsWithEntity(ctx, typ, v, 0)
						if err != nil || !slices.Contains(hits, d.ID) {
							return fmt.Errorf("entity %s %s of %s not indexed: %v %v", typ, v, d.ID, hits, err)
						}
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if rows != want {
				t.Fatalf("entities table holds %d rows, the documents %d", rows, want)
			}
		})
	}
}

func ids(docs []document.Document) []string {
	out := make([]string, len(docs))
	for i, d := range docs {
		out[i] = d.ID
	}
	return out
}

// TestPutDocumentsManyEntities: a batch whose entity rows span several
// multi-row statements stores every row once.
func TestPutDocumentsManyEntities(t *testing.T) {
	ctx := context.Background()
	ws := openTemp(t)
	var docs []document.Document
	want := 0
	for i := range 40 {
		ents := map[string][]string{}
		for j := range 20 {
			ents["domain"] = append(ents["domain"], fmt.Sprintf("host%d.example.com", j))
			ents["cve"] = append(ents["cve"], fmt.Sprintf("CVE-2024-%04d", i*20+j))
			want += 2
		}
		docs = append(docs, document.Document{ID: fmt.Sprintf("d%d", i), Body: fmt.Sprintf("text %d", i), Entities: ents})
	}
	if _, err := ws.PutDocuments(ctx, docs); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := ws.DB().QueryRow(`SELECT count(*) FROM entities`).Scan(&n); err != nil || n != want {
		t.Fatalf("entities table holds %d rows (%v), want %d", n, err, want)
	}
	hits, err := ws.DocumentsWithEntity(ctx, "domain", "host7.example.com", 0)
	if err != nil || len(hits) != 40 {
		t.Fatalf("host7.example.com in %d documents (%v), want 40", len(hits), err)
	}
}

// TestDocumentColumnsMatchEncodingJSON: the fields and entities columns are
// written byte for byte as json.Marshal wrote them before, so rows stored
// by either read back alike.
func TestDocumentColumnsMatchEncodingJSON(t *testing.T) {
	docs := []document.Document{
		{},
		{Aliases: []string{"GHSA-1", "CVE-2024-1"}, CWEs: []string{"CWE-79"}, Ecosystem: "npm",
			Packages: []string{"left-pad"}, Vendors: []string{"Acme <Corp> & \"Sons\""},
			References: []string{"https://example.com/a?b=1&c=2"}, Assigner: "mitre",
			Entities: map[string][]string{"url": {"https://example.com/\u2028x"}, "cve": {"CVE-2024-1"}, "empty": {}, "nil": nil}},
		{Packages: []string{}, Assigner: "caf\xe9 \t\n\x01"},
	}
	for _, d := range docs {
		wantF, _ := json.Marshal(fields{d.Aliases, d.CWEs, d.Ecosystem, d.Packages, d.Vendors, d.References, d.Assigner})
		if got := appendFields(nil, &d); string(got) != string(wantF) {
			t.Errorf("fields %s, want %s", got, wantF)
		}
		ents := d.Entities
		if ents == nil {
			ents = map[string][]string{}
		}
		wantE, _ := json.Marshal(ents)
		if got := appendEntities(nil, d.Entities); string(got) != string(wantE) {
			t.Errorf("entities %s, want %s", got, wantE)
		}
	}
}

func FuzzAppendString(f *testing.F) {
	f.Add("plain")
	f.Add("<tag> & \"quote\" \\ \u2028 \xff \x7f")
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		if got := appendString(nil, s); string(got) != string(want) {
			t.Fatalf("appendString(%q) = %s, want %s", s, got, want)
		}
	})
}

// TestDeletingADocumentDropsItsEntities: without the entities-by-document
// index (migration 2) the cascade still removes a document's entity rows.
func TestDeletingADocumentDropsItsEntities(t *testing.T) {
	ctx := context.Background()
	ws := openTemp(t)
	docs := []document.Document{
		{ID: "a", Body: "first", Entities: map[string][]string{"cve": {"CVE-2024-0001"}, "ipv4": {"192.0.2.1"}}},
		{ID: "b", Body: "second", Entities: map[string][]string{"cve": {"CVE-2024-0001"}}},
	}
	if _, err := ws.PutDocuments(ctx, docs); err != nil {
		t.Fatal(err)
	}
	var idx int
	if err := ws.DB().QueryRow(`SELECT count(*) FROM sqlite_master WHERE name = 'entities_doc'`).Scan(&idx); err != nil || idx != 0 {
		t.Fatalf("entities_doc index still there (%d, %v)", idx, err)
	}
	if _, err := ws.DB().ExecContext(ctx, `DELETE FROM documents WHERE id = 'a'`); err != nil {
		t.Fatal(err)
	}
	var left []string
	rows, err := ws.DB().QueryContext(ctx, `SELECT doc_id || ' ' || value FROM entities ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		left = append(left, s)
	}
	if !slices.Equal(left, []string{"b CVE-2024-0001"}) {
		t.Fatalf("entity rows after deleting a: %v", left)
	}
}

// TestDocumentByAlias: an analyst types the CVE id; the workspace finds the
// advisory that lists it as an alias, or names every document that does.
func TestDocumentByAlias(t *testing.T) {
	ctx := context.Background()
	ws, err := Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	docs := []document.Document{
		{ID: "GHSA-aaaa-bbbb-cccc", Title: "Log injection", Aliases: []string{"CVE-2099-0001", "CVE-2099-0002"},
			Entities: map[string][]string{"cve": {"CVE-2099-0001", "CVE-2099-0002"}}},
		{ID: "KEV-CVE-2099-0002", Title: "Known exploited", Aliases: []string{"CVE-2099-0002"}, Entities: map[string][]string{"cve": {"CVE-2099-0002"}}},
		{ID: "KEV-CVE-2099-0003", Title: "Known exploited too"},
		{ID: "NOTE-1", Title: "Mentions CVE-2099-0001 in passing", Entities: map[string][]string{"cve": {"CVE-2099-0001"}}},
	}
	for i := range docs {
		docs[i].Finish()
	}
	if _, err := ws.PutDocuments(ctx, docs); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		id, want, err string
	}{
		{"CVE-2099-0001", "GHSA-aaaa-bbbb-cccc", ""}, // NOTE-1 only mentions it
		{"cve-2099-0001", "GHSA-aaaa-bbbb-cccc", ""},
		{"CVE-2099-0002", "", "GHSA-aaaa-bbbb-cccc, KEV-CVE-2099-0002 carry it as an alias"},
		{"KEV-CVE-2099", "", "ambiguous prefix of KEV-CVE-2099-0002, KEV-CVE-2099-0003"},
		{"KEV-CVE-2099-0003", "KEV-CVE-2099-0003", ""},
		{"GHSA-AAAA-BBBB-CCCC", "GHSA-aaaa-bbbb-cccc", ""},
		{"CVE-2099-0003", "", "not found"},
		{"NOTE-1", "NOTE-1", ""},
		{"note-1", "NOTE-1", ""},
		{"kev-cve-2099-0003", "KEV-CVE-2099-0003", ""},
	}
	for _, tt := range tests {
		d, err := ws.Document(ctx, tt.id)
		switch {
		case tt.err == "" && (err != nil || d.ID != tt.want):
			t.Errorf("%s: got %q, %v; want %s", tt.id, d.ID, err, tt.want)
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("%s: error %v, want one saying %q", tt.id, err, tt.err)
		}
	}
	if _, err := ws.Document(ctx, "CVE-2099-0003"); !errors.Is(err, ErrNotFound) {
		t.Errorf("an unknown id must wrap ErrNotFound: %v", err)
	}
}

package ingest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync/atomic"
	"testing"
)

// TestMapDeliversWhatReadDoes: Map runs fn on every record Read would
// deliver (failures included, skipped records not), and delivers fn's
// results in input order, on the test data's every format, with one
// worker, several, or inline on the caller's goroutine; inline Read
// delivers what the pipeline's does.
func TestMapDeliversWhatReadDoes(t *testing.T) {
	paths := []string{td("")}
	var want []string
	err := Read(context.Background(), paths, Options{Extract: fakeExtract, Workers: 1}, func(r Record) error {
		want = append(want, describe(&r))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(want) < 10 {
		t.Fatalf("the test data gave only %d records", len(want))
	}
	for _, tc := range []struct {
		name string
		opts Options
	}{
		{"one worker", Options{Extract: fakeExtract, Workers: 1}},
		{"three workers", Options{Extract: fakeExtract, Workers: 3}},
		{"inline", Options{Extract: fakeExtract, Inline: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var read []string
			err := Read(context.Background(), paths, tc.opts, func(r Record) error {
				read = append(read, describe(&r))
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(read, want) {
				t.Fatalf("Read delivered\n%q\nwant\n%q", read, want)
			}
			var calls atomic.Int64
			var got []string
			err = Map(context.Background(), paths, tc.opts, func(r *Record) string {
				calls.Add(1)
				return describe(r)
			}, func(s string) error {
				got = append(got, s)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("Map delivered\n%q\nRead\n%q", got, want)
			}
			if int(calls.Load()) != len(want) {
				t.Fatalf("fn ran %d times for %d records", calls.Load(), len(want))
			}
		})
	}
}

func describe(r *Record) string {
	if r.Err != nil {
		return fmt.Sprintf("%s:%d failed: %v", r.File, r.Line, r.Err)
	}
	return fmt.Sprintf("%s:%d %s %q %s", r.File, r.Line, r.Doc.ID, r.Doc.Title, r.Doc.ContentHash)
}

// TestMapStopsOnDeliverError: deliver's error ends the stream with it,
// through the pipeline or inline.
func TestMapStopsOnDeliverError(t *testing.T) {
	stop := errors.New("downstream closed")
	for _, inline := range []bool{false, true} {
		n := 0
		err := Map(context.Background(), []string{td("")}, Options{Extract: fakeExtract, Inline: inline}, func(r *Record) int { return r.Line },
			func(int) error {
				n++
				if n == 3 {
					return stop
				}
				return nil
			})
		if !errors.Is(err, stop) || n != 3 {
			t.Fatalf("inline %v: got %v after %d records, want the deliver error after 3", inline, err, n)
		}
	}
}

// TestSkipHash: documents with an id are read alike but for their content
// hash; a document without one is still hashed, its id coming from the
// hash.
func TestSkipHash(t *testing.T) {
	paths := []string{td("")}
	want := collect(t, paths, Options{})
	got := collect(t, paths, Options{SkipHash: true})
	if len(got.docs) != len(want.docs) || len(got.failures) != len(want.failures) || len(want.docs) < 10 {
		t.Fatalf("SkipHash: %d docs, %d failures; without %d, %d", len(got.docs), len(got.failures), len(want.docs), len(want.failures))
	}
	hashed := 0
	for i := range want.docs {
		g, w := got.docs[i], want.docs[i]
		if g.ContentHash != "" {
			hashed++
			if g.ContentHash != w.ContentHash || g.ID != "doc-"+g.ContentHash[:16] {
				t.Errorf("%s: hashed %s, want %s (an id-less document's id comes from its hash)", g.ID, g.ContentHash, w.ContentHash)
			}
		} else if w.ID == "doc-"+w.ContentHash[:16] {
			t.Errorf("%s: the document had no id but was not hashed", w.ID)
		}
		g.ContentHash = w.ContentHash
		if !reflect.DeepEqual(g, w) {
			t.Errorf("SkipHash:\n got %#v\nwant %#v", g, w)
		}
	}
	if hashed == 0 || hashed == len(want.docs) {
		t.Fatalf("%d of %d documents hashed with SkipHash: the test data should have documents with and without ids", hashed, len(want.docs))
	}
}

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
// results in input order, on the test data's every format and with one
// worker or several.
func TestMapDeliversWhatReadDoes(t *testing.T) {
	paths := []string{td("")}
	for _, workers := range []int{1, 3} {
		opts := Options{Extract: fakeExtract, Workers: workers}
		var want []string
		err := Read(context.Background(), paths, opts, func(r Record) error {
			want = append(want, describe(&r))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		var calls atomic.Int64
		var got []string
		err = Map(context.Background(), paths, opts, func(r *Record) string {
			calls.Add(1)
			return describe(r)
		}, func(s string) error {
			got = append(got, s)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(want) < 10 || !reflect.DeepEqual(got, want) {
			t.Fatalf("%d workers: Map delivered\n%q\nRead\n%q", workers, got, want)
		}
		if int(calls.Load()) != len(want) {
			t.Fatalf("%d workers: fn ran %d times for %d records", workers, calls.Load(), len(want))
		}
	}
}

func describe(r *Record) string {
	if r.Err != nil {
		return fmt.Sprintf("%s:%d failed: %v", r.File, r.Line, r.Err)
	}
	return fmt.Sprintf("%s:%d %s %q %s", r.File, r.Line, r.Doc.ID, r.Doc.Title, r.Doc.ContentHash)
}

// TestMapStopsOnDeliverError: deliver's error ends the stream with it.
func TestMapStopsOnDeliverError(t *testing.T) {
	stop := errors.New("downstream closed")
	n := 0
	err := Map(context.Background(), []string{td("")}, Options{Extract: fakeExtract}, func(r *Record) int { return r.Line },
		func(int) error {
			n++
			if n == 3 {
				return stop
			}
			return nil
		})
	if !errors.Is(err, stop) || n != 3 {
		t.Fatalf("got %v after %d records, want the deliver error after 3", err, n)
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

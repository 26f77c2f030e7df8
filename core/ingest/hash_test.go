package ingest

import (
	"testing"

	"github.com/cyberstreams/cyberstreams/core/document"
)

// TestContentHashIsDocumentHash: ingest's hash is the document package's,
// for the white space analysts' files actually contain.
func TestContentHashIsDocumentHash(t *testing.T) {
	tests := []struct{ title, body string }{
		{"", ""},
		{"Title", ""},
		{"", "body"},
		{"  Padded\ttitle \n", "\r\nline one\n\n  line two\t\t"},
		{"non\u00a0breaking", "next\u0085line \u2028sep\u3000ideographic"},
		{"only white", " \t\n\v\f\r "},
		{"invalid \xff utf-8", "\xe2\x80 cut rune"},
		{"eight bytes at a time", "abcdefg  hijklmn opqrstu\tvwxyz012 3456789 abcdefgh  ijklmnop qrstuvw  "},
		{"1234567 ", " 1234567  1234567\u00a01234567 \u00a0 1234567é 1234567 é\n"},
	}
	for _, tt := range tests {
		if got, want := contentHash(tt.title, tt.body), document.Hash(tt.title, tt.body); got != want {
			t.Errorf("contentHash(%q, %q) = %s, document.Hash = %s", tt.title, tt.body, got, want)
		}
	}
	d := document.Document{Title: "t", Body: "b"}
	finish(&d)
	want := document.Document{Title: "t", Body: "b"}
	want.Finish()
	if d.ID != want.ID || d.ContentHash != want.ContentHash {
		t.Errorf("finish = %+v, Document.Finish = %+v", d, want)
	}
}

func FuzzContentHash(f *testing.F) {
	f.Add("title", "body text")
	f.Add(" a\u00a0b ", "\u2028\t\xff")
	f.Add("a run of already folded words", "abcdefg  hijklmn opqrstu\tvwxyz012 3456789 é abcdefgh  ijklmnop\u00a0qrstuvw  ")
	f.Fuzz(func(t *testing.T, title, body string) {
		if got, want := contentHash(title, body), document.Hash(title, body); got != want {
			t.Fatalf("contentHash(%q, %q) = %s, document.Hash = %s", title, body, got, want)
		}
	})
}

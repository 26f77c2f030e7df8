package ingest

import "testing"

// FuzzPlainRun: the word-at-a-time scan stops exactly where the
// byte-at-a-time one does, whatever borrows the words' flags carry.
func FuzzPlainRun(f *testing.F) {
	f.Add([]byte(`abcdefgh"ijk`), 0)
	f.Add([]byte("abc\x1f\x20\"\\\x80defghijklmn"), 1)
	f.Add([]byte("\x00\x01!!!!!!!!!!!!!!!!\\"), 2)
	f.Fuzz(func(t *testing.T, data []byte, j int) {
		if j < 0 || j > len(data) {
			return
		}
		want := j
		for want < len(data) && plainString[data[want]] {
			want++
		}
		if got := plainRun(data, j); got != want {
			t.Fatalf("plainRun(%q, %d) = %d, want %d", data, j, got, want)
		}
	})
}

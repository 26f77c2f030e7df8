package main

import (
	"strings"
	"testing"
)

func TestParseLibsvm(t *testing.T) {
	cases := []struct {
		in      string
		rows    int
		cols    int
		wantErr bool
	}{
		{"1 0:0.5 3:2\n0 1:1\n", 2, 4, false},
		{"# comment\n\n2 4:1e-3 # trailing\n", 1, 5, false},
		{"1.5 0:1\n", 0, 0, true},
		{"1 a:1\n", 0, 0, true},
		{"1 0-1\n", 0, 0, true},
		{"1 -2:1\n", 0, 0, true},
	}
	for _, tc := range cases {
		m, y, err := parseLibsvm(strings.NewReader(tc.in))
		if (err != nil) != tc.wantErr {
			t.Errorf("%q: error %v, want error %v", tc.in, err, tc.wantErr)
			continue
		}
		if err == nil && (m.NumRows() != tc.rows || len(y) != tc.rows || m.NumCols != tc.cols) {
			t.Errorf("%q: %d rows, %d labels, %d cols; want %d rows, %d cols", tc.in, m.NumRows(), len(y), m.NumCols, tc.rows, tc.cols)
		}
	}
}

func FuzzParseLibsvm(f *testing.F) {
	f.Add("1 0:0.5 3:2\n0 1:1\n")
	f.Add("# x\n2 4:1e-3 # c\n")
	f.Fuzz(func(t *testing.T, in string) {
		m, y, err := parseLibsvm(strings.NewReader(in))
		if err != nil {
			return
		}
		if m.NumRows() != len(y) || m.Indptr[len(m.Indptr)-1] != len(m.Indices) || len(m.Indices) != len(m.Values) {
			t.Fatalf("inconsistent matrix: %d rows, %d labels, %d indices, %d values", m.NumRows(), len(y), len(m.Indices), len(m.Values))
		}
		for _, c := range m.Indices {
			if int(c) >= m.NumCols || c < 0 {
				t.Fatalf("index %d outside %d columns", c, m.NumCols)
			}
		}
	})
}

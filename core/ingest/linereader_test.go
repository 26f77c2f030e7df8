package ingest

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"testing"
	"testing/iotest"
)

// readLineRef is how lines were read before lineReader, one bufio
// ReadSlice at a time, with limit for maxLine: the reference the block
// reader must agree with.
func readLineRef(br *bufio.Reader, limit int) ([]byte, error) {
	var buf []byte
	tooLong := false
	for {
		frag, err := br.ReadSlice('\n')
		if !tooLong {
			if len(buf)+len(frag) > limit {
				tooLong, buf = true, nil
			} else {
				buf = append(buf, frag...)
			}
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if tooLong {
			return nil, errLineTooLong
		}
		buf = bytes.TrimSuffix(buf, []byte{'\n'})
		buf = bytes.TrimSuffix(buf, []byte{'\r'})
		return buf, err
	}
}

// checkLineReader reads data both ways, through each of the testing
// readers that split reads oddly, and compares every line and error.
func checkLineReader(t *testing.T, data []byte, limit int) {
	t.Helper()
	for name, wrap := range map[string]func(io.Reader) io.Reader{
		"plain":    func(r io.Reader) io.Reader { return r },
		"one byte": iotest.OneByteReader,
		"half":     iotest.HalfReader,
		"data err": iotest.DataErrReader,
	} {
		ref := bufio.NewReaderSize(bytes.NewReader(data), 16)
		lr := lineReader{r: wrap(bytes.NewReader(data)), limit: limit}
		for k := 0; ; k++ {
			want, werr := readLineRef(ref, limit)
			got, gerr := lr.next()
			if !bytes.Equal(got, want) || !errors.Is(gerr, werr) && gerr != werr {
				t.Fatalf("%s limit %d line %d of %q: got %q %v, want %q %v", name, limit, k, data, got, gerr, want, werr)
			}
			if errors.Is(werr, io.EOF) && len(want) == 0 {
				break
			}
		}
	}
}

func TestLineReaderMatchesReadSlice(t *testing.T) {
	long := bytes.Repeat([]byte("x"), lineBlock+17)
	for _, in := range []string{
		"", "\n", "a", "a\n", "a\r\nb\n\nc", "a\r", "\r\n\r\n", "abcdefgh\nabcdefghi\nabcdefg\n",
		"abcdefghijklmnop\nshort\n" + string(long) + "\nend",
		string(long) + "\n" + string(long[:lineBlock/2-1]) + "\r\n" + string(long[:lineBlock/2]),
	} {
		for _, limit := range []int{1, 8, 9, 10, lineBlock / 2, lineBlock + 18, 2 * lineBlock} {
			checkLineReader(t, []byte(in), limit)
		}
	}
}

func FuzzLineReader(f *testing.F) {
	f.Add([]byte("a\r\nb\n\nc"), uint8(4))
	f.Add([]byte("abcdefgh\nabcdefghi\n"), uint8(9))
	f.Fuzz(func(t *testing.T, data []byte, limit uint8) {
		checkLineReader(t, data, int(limit)+1)
	})
}

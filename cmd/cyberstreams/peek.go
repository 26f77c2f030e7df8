package main

import (
	"bufio"
	"io"
)

// peekReader lets a command look at the first bytes of a stream.
type peekReader struct{ *bufio.Reader }

func newPeekReader(r io.Reader) peekReader { return peekReader{bufio.NewReaderSize(r, 64<<10)} }

// isGzip reports whether the stream starts with the gzip magic bytes.
func (p peekReader) isGzip() bool {
	b, err := p.Peek(2)
	return err == nil && b[0] == 0x1f && b[1] == 0x8b
}

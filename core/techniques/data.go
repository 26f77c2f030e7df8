package techniques

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/cyberstreams/cyberstreams/kg"
)

// Sentence is one annotated report sentence (a line of
// tram_sentences.jsonl).
type Sentence struct {
	DocID      string   `json:"doc_id"`
	Title      string   `json:"doc_title"`
	Index      int      `json:"sentence_index"`
	Text       string   `json:"text"`
	Techniques []string `json:"techniques"`
	Span       [2]int   `json:"char_span"`
}

// ReadSentences reads annotated sentences, one JSON object a line. A line
// that is not such an object, or names a malformed technique id, is an
// error naming the file and line.
func ReadSentences(r io.Reader, name string) ([]Sentence, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<16), 1<<24)
	var out []Sentence
	for line := 1; sc.Scan(); line++ {
		b := sc.Bytes()
		if len(strings.TrimSpace(string(b))) == 0 {
			continue
		}
		var s Sentence
		if err := json.Unmarshal(b, &s); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, line, err)
		}
		if s.DocID == "" {
			return nil, fmt.Errorf("%s:%d: no doc_id", name, line)
		}
		for i, t := range s.Techniques {
			k := kg.TechniqueKey(t)
			if k == "" {
				return nil, fmt.Errorf("%s:%d: technique %q is not an ATT&CK technique id", name, line, t)
			}
			s.Techniques[i] = k
		}
		out = append(out, s)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return out, nil
}

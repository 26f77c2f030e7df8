package scoring

import (
	"testing"

	"github.com/cyberstreams/cyberstreams/core/document"
)

func TestPhraseChecker(t *testing.T) {
	d := &document.Document{Title: "Remote Code injection in Widget", Body: "It leads to code execution. The remote side is trusted."}
	has := phraseChecker(d)
	for _, tc := range []struct {
		words []string
		want  bool
	}{
		{[]string{"remote", "code", "injection"}, true},
		{[]string{"code", "execution"}, true},
		{[]string{"remote", "code", "execution"}, false},
		{[]string{"widget", "leads"}, false},           // title and text are not one run
		{[]string{"leads", "code", "execution"}, true}, // "to" is a stop word, as in the bigrams
	} {
		if got := has(tc.words); got != tc.want {
			t.Errorf("has(%q) = %v, want %v", tc.words, got, tc.want)
		}
	}
}

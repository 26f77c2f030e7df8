package prompt

import (
	"testing"

	tea "github.com/charmbracelet/bubbletea"
)

func TestUpdate(t *testing.T) {
	runes := func(s string) tea.KeyMsg { return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)} }
	for _, tc := range []struct {
		name  string
		start string
		limit int
		keys  []tea.KeyMsg
		want  string
	}{
		{"typing appends", "", 0, []tea.KeyMsg{runes("rid"), runes("ge")}, "ridge"},
		{"space", "a", 0, []tea.KeyMsg{{Type: tea.KeySpace, Runes: []rune(" ")}, runes("b")}, "a b"},
		{"control characters in a paste are dropped", "", 0, []tea.KeyMsg{runes("a\x1b[2Jb\x07\x7fc")}, "a[2Jbc"},
		{"the limit holds", "", 3, []tea.KeyMsg{runes("abcdef")}, "abc"},
		{"backspace", "abc", 0, []tea.KeyMsg{{Type: tea.KeyBackspace}}, "ab"},
		{"backspace on empty", "", 0, []tea.KeyMsg{{Type: tea.KeyBackspace}}, ""},
		{"ctrl+u clears", "abc def", 0, []tea.KeyMsg{{Type: tea.KeyCtrlU}}, ""},
		{"ctrl+w deletes a word and the spaces after it", "abc def  ", 0, []tea.KeyMsg{{Type: tea.KeyCtrlW}}, "abc "},
		{"ctrl+w on one word", "abc", 0, []tea.KeyMsg{{Type: tea.KeyCtrlW}}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := New("/", tc.limit)
			m.SetValue(tc.start)
			for _, k := range tc.keys {
				m.Update(k)
			}
			if got := m.Value(); got != tc.want {
				t.Fatalf("value %q, want %q", got, tc.want)
			}
			if v := m.View(); v != "/"+tc.want+"█" {
				t.Fatalf("view %q", v)
			}
		})
	}
}

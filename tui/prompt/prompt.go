// Package prompt is the one-line text entry of the triage screen, used for
// the / filter and for notes. (The bubbles textinput would pull in a
// clipboard module this program does not need for typing a filter.)
package prompt

import (
	tea "github.com/charmbracelet/bubbletea"
)

// Model is a one-line entry with a prompt and an optional length limit.
type Model struct {
	Prompt string
	value  []rune
	limit  int
}

// New returns an empty entry holding at most limit runes (0: no limit).
func New(prompt string, limit int) Model { return Model{Prompt: prompt, limit: limit} }

// SetValue replaces the text.
func (l *Model) SetValue(s string) { l.value = []rune(s) }

// Value is the text.
func (l *Model) Value() string { return string(l.value) }

// Update applies one key: printable runes append, backspace deletes,
// ctrl+u clears, ctrl+w deletes a word.
func (l *Model) Update(msg tea.KeyMsg) {
	switch msg.Type {
	case tea.KeyRunes, tea.KeySpace:
		// Pasted text may carry control characters: keep printable runes.
		for _, r := range msg.Runes {
			if r >= 0x20 && r != 0x7f && (l.limit == 0 || len(l.value) < l.limit) {
				l.value = append(l.value, r)
			}
		}
	case tea.KeyBackspace:
		if len(l.value) > 0 {
			l.value = l.value[:len(l.value)-1]
		}
	case tea.KeyCtrlU:
		l.value = l.value[:0]
	case tea.KeyCtrlW:
		i := len(l.value)
		for i > 0 && l.value[i-1] == ' ' {
			i--
		}
		for i > 0 && l.value[i-1] != ' ' {
			i--
		}
		l.value = l.value[:i]
	}
}

// View is the prompt, the text and a block cursor.
func (l *Model) View() string { return l.Prompt + string(l.value) + "█" }

package common

import (
	"fmt"

	"github.com/charmbracelet/bubbles/key"
)

// KeyMap is every binding of the triage screen. The program matches keys
// against it and the help view is generated from it, so the two never
// disagree.
type KeyMap struct {
	Up, Down, PageUp, PageDown, Top, Bottom key.Binding

	Critical, High, Medium, Low, Informational key.Binding
	Accept, Skip, Undo, Note                   key.Binding

	Filter, CycleFilter, CycleSort, Pivot key.Binding
	DetailUp, DetailDown, Margin          key.Binding
	Help, Back, Quit                      key.Binding

	// Techniques opens the verdicts on the shown document's ATT&CK
	// techniques; inside, Present, Absent, AddTechnique and Undo judge the
	// chosen one (Up and Down choose, Back or Techniques close).
	Techniques, Present, Absent, AddTechnique key.Binding
}

// DefaultKeyMap is the triage key map.
func DefaultKeyMap() KeyMap {
	b := func(keys []string, k, h string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(k, h))
	}
	return KeyMap{
		Up:       b([]string{"k", "up"}, "k/↑", "previous document"),
		Down:     b([]string{"j", "down"}, "j/↓", "next document"),
		PageUp:   b([]string{"pgup", "ctrl+b"}, "pgup", "page up"),
		PageDown: b([]string{"pgdown", "ctrl+f"}, "pgdn", "page down"),
		Top:      b([]string{"g", "home"}, "g", "first document"),
		Bottom:   b([]string{"G", "end"}, "G", "last document"),

		Critical:      b([]string{"1"}, "1", "label critical"),
		High:          b([]string{"2"}, "2", "label high"),
		Medium:        b([]string{"3"}, "3", "label medium"),
		Low:           b([]string{"4"}, "4", "label low"),
		Informational: b([]string{"5"}, "5", "label informational"),
		Accept:        b([]string{"a", "enter"}, "a/enter", "accept the model's class"),
		Skip:          b([]string{"x", " "}, "x/space", "skip"),
		Undo:          b([]string{"u"}, "u", "undo my last label"),
		Note:          b([]string{"n"}, "n", "add a note"),

		Filter:      b([]string{"/"}, "/", "filter by text"),
		CycleFilter: b([]string{"f"}, "f", "cycle filters (novel, severity, source, label, contested)"),
		CycleSort:   b([]string{"s"}, "s", "cycle sort (priority, uncertainty, newest, novelty, patch priority)"),
		Pivot:       b([]string{"p"}, "p", "pivot on an entity"),
		DetailUp:    b([]string{"["}, "[", "scroll detail up"),
		DetailDown:  b([]string{"]"}, "]", "scroll detail down"),
		Margin:      b([]string{"m"}, "m", "show/hide the reasons' log-odds"),

		Techniques:   b([]string{"t"}, "t", "judge techniques"),
		Present:      b([]string{"y"}, "y", "the technique is described (confirm)"),
		Absent:       b([]string{"n"}, "n", "it is not (reject)"),
		AddTechnique: b([]string{"+"}, "+", "add a technique by id"),

		Help: b([]string{"?"}, "?", "help"),
		Back: b([]string{"esc"}, "esc", "back / clear"),
		Quit: b([]string{"q", "ctrl+c"}, "q", "quit"),
	}
}

// ShortHelp is the one-line reminder in the status bar.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Down, k.Critical, k.Accept, k.Skip, k.Undo, k.Filter, k.Pivot, k.Help, k.Quit}
}

// FullHelp is the help screen, one column per group.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom, k.DetailUp, k.DetailDown, k.Techniques},
		{k.Critical, k.High, k.Medium, k.Low, k.Informational, k.Accept, k.Skip, k.Undo, k.Note},
		{k.Filter, k.CycleFilter, k.CycleSort, k.Pivot, k.Margin, k.Help, k.Back, k.Quit},
	}
}

// TechniqueHelp is the reminder of the keys inside t, for the status bar
// and the help screen.
func (k KeyMap) TechniqueHelp() string {
	name := func(b key.Binding) string { return b.Keys()[0] }
	return fmt.Sprintf("techniques: %s/%s choose · %s present · %s absent · %s add by id · %s undo · %s done",
		name(k.Down), name(k.Up), name(k.Present), name(k.Absent), name(k.AddTechnique), name(k.Undo), name(k.Back))
}

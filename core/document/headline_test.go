package document

import (
	"strings"
	"testing"
)

func TestHeadline(t *testing.T) {
	tests := []struct {
		name, title, body, want string
	}{
		{"title wins", "Heap overflow in Foo", "Details.", "Heap overflow in Foo"},
		{"first sentence of the body", "", "Buffer overflow in POP servers allows root. Upgrade now.", "Buffer overflow in POP servers allows root."},
		{"first line of the body", "", "Summary line \r\nmore text", "Summary line"},
		{"long body cut with an ellipsis", "", strings.Repeat("é", 130), strings.Repeat("é", 119) + "…"},
		{"exactly the limit is kept", "", strings.Repeat("a", 120), strings.Repeat("a", 120)},
		{"nothing", "", "", ""},
		{"version dots do not end the sentence", "", "Affects 1.2.3 and later", "Affects 1.2.3 and later"},
	}
	for _, tt := range tests {
		d := Document{Title: tt.title, Body: tt.body}
		if got := d.Headline(); got != tt.want {
			t.Errorf("%s: Headline() = %q, want %q", tt.name, got, tt.want)
		}
	}
}

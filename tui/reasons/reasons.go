// Package reasons renders a score's explanation as signed horizontal bars:
// the reasons that pushed the document toward its class to the right, those
// that pulled it away to the left, with the base value and the margin they
// add up to. The same view serves `cyberstreams explain` and the TUI.
package reasons

import (
	"fmt"
	"math"
	"strings"

	"github.com/charmbracelet/lipgloss"

	"github.com/cyberstreams/cyberstreams/core/document"
	"github.com/cyberstreams/cyberstreams/core/scoring"
	"github.com/cyberstreams/cyberstreams/core/termsafe"
)

// Style colours the bars; the zero value renders plain text. Colour never
// carries meaning alone: every bar also has its sign and number.
type Style struct {
	Up, Down, Dim lipgloss.Style
}

// Colored returns the default colour style.
func Colored() Style {
	return Style{
		Up:   lipgloss.NewStyle().Foreground(lipgloss.Color("203")),
		Down: lipgloss.NewStyle().Foreground(lipgloss.Color("75")),
		Dim:  lipgloss.NewStyle().Foreground(lipgloss.Color("245")),
	}
}

// Bars renders the contributions in width columns.
func Bars(ex *scoring.Explanation, width int, st Style) string {
	if ex == nil || len(ex.Contributions) == 0 {
		return st.Dim.Render("no reasons: every feature is at its usual value") + "\n"
	}
	nameW := 0
	for _, c := range ex.Contributions {
		nameW = max(nameW, lipgloss.Width(label(c)))
	}
	nameW = min(nameW, max(width/2-4, 12))
	barW := max(width-nameW-12, 6) / 2
	maxAbs := 0.0
	for _, c := range ex.Contributions {
		maxAbs = math.Max(maxAbs, math.Abs(c.SHAP))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n", st.Dim.Render(fmt.Sprintf("why %s: base %+.3f  →  margin %+.3f (log-odds)", ex.Class, ex.Base, ex.Margin)))
	for _, c := range ex.Contributions {
		n := int(math.Round(math.Abs(c.SHAP) / maxAbs * float64(barW)))
		n = max(n, 1)
		name := termsafe.Line(label(c), nameW)
		pad := strings.Repeat(" ", nameW-lipgloss.Width(name))
		var left, right string
		if c.SHAP >= 0 {
			left = strings.Repeat(" ", barW)
			right = st.Up.Render(strings.Repeat("█", n)) + strings.Repeat(" ", barW-n)
		} else {
			left = strings.Repeat(" ", barW-n) + st.Down.Render(strings.Repeat("█", n))
			right = strings.Repeat(" ", barW)
		}
		fmt.Fprintf(&b, "%s%s %s│%s %+.3f\n", name, pad, left, right, c.SHAP)
	}
	if ex.Omitted != 0 {
		fmt.Fprintf(&b, "%s\n", st.Dim.Render(fmt.Sprintf("(other features together %+.3f)", ex.Omitted)))
	}
	return b.String()
}

// label names a reason the way an analyst reads it: a measured feature
// (counts, time, reputation, KEV, graph) with its value, "text:remote code
// execution" or "cwe:CWE-79" as is when the document has it, and with
// "· absent" when it does not — an absent term or CWE can push a score as
// much as a present one, and the bar alone would read as if it were there.
func label(c scoring.Contribution) string {
	f := c.Feature
	if measured(f) {
		if c.Value == math.Trunc(c.Value) && math.Abs(c.Value) < 1e15 {
			return fmt.Sprintf("%s = %d", f, int64(c.Value))
		}
		return fmt.Sprintf("%s = %.2f", f, c.Value)
	}
	if c.Value == 0 {
		return f + " · absent"
	}
	return f
}

// measured reports whether feature is a quantity (as opposed to a term or a
// category the document has or lacks).
func measured(feature string) bool {
	for _, p := range []string{"doc:", "time:", "entities:", "graph:"} {
		if strings.HasPrefix(feature, p) {
			return true
		}
	}
	return feature == "source:reputation" || feature == "kev:listed"
}

// Probabilities renders the five class probabilities as a compact line with
// small bars, the chosen class marked.
func Probabilities(p scoring.Probabilities, chosen string, st Style) string {
	var parts []string
	for i, name := range document.Severities {
		mark := " "
		if name == chosen {
			mark = "▸"
		}
		parts = append(parts, fmt.Sprintf("%s%s %3.0f%%", mark, name, 100*p[i]))
	}
	return strings.Join(parts, "  ")
}

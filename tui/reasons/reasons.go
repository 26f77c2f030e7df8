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
		nameW = max(nameW, lipgloss.Width(label(c.Feature)))
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
		name := termsafe.Line(label(c.Feature), nameW)
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

// label shows a feature with the value that made it fire where that helps.
func label(feature string) string { return feature }

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

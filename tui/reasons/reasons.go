// Package reasons renders a score's explanation as signed horizontal bars:
// a plain header ("critical (72 %) — mainly because it …; against: it …"),
// the reasons in words that pushed the document toward its class to the
// right, those that pulled it away to the left, and what share of the
// evidence they carry; the log-odds base and margin on request. The words
// come from core/explain, so `cyberstreams explain`, the TUI, `score` and
// the API say the same thing.
package reasons

import (
	"fmt"
	"math"
	"strings"

	"github.com/charmbracelet/lipgloss"

	"github.com/cyberstreams/cyberstreams/core/document"
	"github.com/cyberstreams/cyberstreams/core/explain"
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

// View says how to render: the width in columns, the colours, and
// whether to show the log-odds base and margin the reasons add up to.
type View struct {
	Width  int
	Style  Style
	Margin bool
}

// Bars renders the explanation of a class decided with probability prob.
func Bars(ex *scoring.Explanation, prob float64, v View) string {
	st := v.Style
	if ex == nil || len(ex.Contributions) == 0 {
		return st.Dim.Render("no reasons: every feature is at its usual value") + "\n"
	}
	rs := ex.Reasons
	if len(rs) == 0 {
		rs = explain.Reasons(ex.Contributions)
	}
	width := max(v.Width, 40)
	nameW := 0
	for _, r := range rs {
		nameW = max(nameW, lipgloss.Width(termsafe.Strip(r.Text)))
	}
	nameW = min(nameW, max(width/2, 12))
	barW := max(width-nameW-12, 6) / 2
	maxAbs := 0.0
	for _, r := range rs {
		maxAbs = math.Max(maxAbs, math.Abs(r.SHAP))
	}
	var b strings.Builder
	for _, line := range Wrap(termsafe.Strip(explain.Header(ex.Class, prob, rs)), width) {
		b.WriteString(line + "\n")
	}
	for _, r := range rs {
		n := 1
		if maxAbs > 0 {
			n = max(int(math.Round(math.Abs(r.SHAP)/maxAbs*float64(barW))), 1)
		}
		name := termsafe.Line(r.Text, nameW)
		pad := strings.Repeat(" ", nameW-lipgloss.Width(name))
		var left, right string
		if r.SHAP >= 0 {
			left = strings.Repeat(" ", barW)
			right = st.Up.Render(strings.Repeat("█", n)) + strings.Repeat(" ", barW-n)
		} else {
			left = strings.Repeat(" ", barW-n) + st.Down.Render(strings.Repeat("█", n))
			right = strings.Repeat(" ", barW)
		}
		fmt.Fprintf(&b, "%s%s %s│%s %+.3f\n", name, pad, left, right, r.SHAP)
	}
	foot := explain.CoverageLine(len(rs), ex.Coverage)
	if ex.Coverage == 0 {
		foot = ""
	}
	if ex.Omitted != 0 {
		if foot != "" {
			foot += "; "
		}
		foot += fmt.Sprintf("the other reasons together %+.3f", ex.Omitted)
	}
	if foot != "" {
		for _, line := range Wrap(foot, width) {
			b.WriteString(st.Dim.Render(line) + "\n")
		}
	}
	if v.Margin {
		line := fmt.Sprintf("log-odds of %s: base %+.3f + reasons %+.3f", ex.Class, ex.Base, ex.Margin-ex.Base-ex.Omitted)
		if ex.Omitted != 0 {
			line += fmt.Sprintf(" + others %+.3f", ex.Omitted)
		}
		line += fmt.Sprintf(" = margin %+.3f", ex.Margin)
		b.WriteString(st.Dim.Render(line) + "\n")
	}
	return b.String()
}

// Wrap breaks text into lines of at most width columns at spaces (a word
// longer than a line is cut).
func Wrap(text string, width int) []string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(text) {
		switch {
		case line == "":
			line = w
		case lipgloss.Width(line)+1+lipgloss.Width(w) <= width:
			line += " " + w
		default:
			lines = append(lines, line)
			line = w
		}
		for r := []rune(line); len(r) > width; r = []rune(line) {
			lines = append(lines, string(r[:width]))
			line = string(r[width:])
		}
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
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

package forecast

import (
	"fmt"
	"math"
	"strings"
)

// PlotWidth caps the chart's columns (one per day, plus the separator).
const PlotWidth = 120

// eighths draws the top of a history bar in eighths of a cell.
var eighths = []rune(" ▁▂▃▄▅▆▇█")

// Plot draws the report's recent history and forecast as a column chart of
// height rows, one column per day: history as solid bars (to an eighth of a
// row), then after a ┊ each forecast day as a stacked bar, ▓ up to the
// band's low end, ▒ up to the forecast, ░ up to the band's high end. The
// scale runs from 0 to the largest value shown, labelled on the left.
// Only numbers, dates and drawing characters are written, so nothing from
// the series' name or source reaches the terminal through it.
func Plot(rep Report, height int) string {
	height = max(height, 2)
	recent := rep.Recent
	fc := rep.Forecast
	if n := PlotWidth - 1 - len(recent); len(fc) > n {
		fc = fc[:max(n, 0)]
	}
	top := 0.0
	for _, p := range recent {
		top = math.Max(top, p.Value)
	}
	for _, r := range fc {
		top = math.Max(top, r.High80)
	}
	if top <= 0 {
		top = 1
	}
	topLabel := fmt.Sprintf("%.4g", top)
	pad := len(topLabel)
	cell := top / float64(height)
	// level is v in cells from the bottom, rounded to an eighth.
	level := func(v float64) float64 { return math.Round(math.Max(v, 0)/cell*8) / 8 }
	var b strings.Builder
	for row := height - 1; row >= 0; row-- {
		label := ""
		switch row {
		case height - 1:
			label = topLabel
		case 0:
			label = "0"
		}
		fmt.Fprintf(&b, "%*s ┤", pad, label)
		for _, p := range recent {
			f := level(p.Value) - float64(row)
			switch {
			case f >= 1:
				b.WriteRune('█')
			case f <= 0:
				b.WriteRune(' ')
			default:
				b.WriteRune(eighths[int(math.Round(f*8))])
			}
		}
		if len(fc) > 0 {
			b.WriteRune('┊')
		}
		mid := float64(row) + 0.5 // a forecast cell is drawn by what covers its middle
		for _, r := range fc {
			switch {
			case level(r.Low80) > mid:
				b.WriteRune('▓')
			case level(r.Forecast) > mid:
				b.WriteRune('▒')
			case level(r.High80) > mid:
				b.WriteRune('░')
			default:
				b.WriteRune(' ')
			}
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "%*s  ", pad, "")
	if len(recent) > 0 {
		fmt.Fprintf(&b, "history %s … %s", recent[0].Date, recent[len(recent)-1].Date)
	}
	if len(fc) > 0 {
		fmt.Fprintf(&b, " ┊ forecast %s … %s", fc[0].Date, fc[len(fc)-1].Date)
	}
	fmt.Fprintf(&b, "\n%*s  █ history  ▓ up to the 80%% band low  ▒ up to the forecast  ░ up to the 80%% band high\n", pad, "")
	return b.String()
}

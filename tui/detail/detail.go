// Package detail is the document pane of the triage screen: the title and
// wrapped text (escape sequences stripped, entities highlighted by type),
// the model's class with all five probabilities and the novelty score, the
// reasons as signed bars, the ATT&CK techniques with their evidence
// sentences, and the entities by type. The rendered text is
// cached per document and width, so scrolling the queue never re-wraps it.
package detail

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/charmbracelet/lipgloss"

	"github.com/cyberstreams/cyberstreams/core/document"
	"github.com/cyberstreams/cyberstreams/core/exploitation"
	"github.com/cyberstreams/cyberstreams/core/termsafe"
	"github.com/cyberstreams/cyberstreams/core/triage"
	"github.com/cyberstreams/cyberstreams/tui/common"
	"github.com/cyberstreams/cyberstreams/tui/reasons"
)

// Model is the detail pane.
type Model struct {
	c             *common.Common
	width, height int

	d      *triage.Detail
	note   string // pending note for this document
	margin bool   // show the reasons' log-odds base and margin
	lines  []string
	offset int
	view   string // cached View; "" when stale

	// judging: the analyst is giving verdicts on the techniques (t); the
	// chosen one, by id so that it stays chosen when a verdict reorders
	// them, and the line each technique starts on.
	judging   bool
	chosen    string
	techLines []int
}

// New returns an empty pane.
func New(c *common.Common) *Model { return &Model{c: c} }

// SetSize sets the pane size and re-renders for the new width.
func (m *Model) SetSize(width, height int) {
	if width != m.width {
		m.width = width
		m.render()
	}
	m.height = max(height, 1)
	m.clampOffset()
}

// SetDetail shows a document; nil clears the pane.
func (m *Model) SetDetail(d *triage.Detail, note string) {
	same := d != nil && m.d != nil && d.Document.ID == m.d.Document.ID
	m.d, m.note = d, note
	if !same {
		m.offset = 0
	}
	m.keepChoice()
	m.render()
}

// Judge starts (true) or ends the choice of a technique to give a verdict
// on; starting shows the techniques and chooses the first.
func (m *Model) Judge(on bool) {
	m.judging = on
	m.keepChoice()
	m.render()
}

// keepChoice chooses the first technique while judging when the chosen one
// is not the shown document's.
func (m *Model) keepChoice() {
	if ts := m.techniques(); m.judging && len(ts) > 0 && !slices.ContainsFunc(ts, func(t techniqueRow) bool { return t.Technique == m.chosen }) {
		m.chosen = ts[0].Technique
	}
}

// ChooseTechnique moves the choice n techniques down (up when negative).
func (m *Model) ChooseTechnique(n int) {
	ts := m.techniques()
	if len(ts) == 0 {
		return
	}
	i := slices.IndexFunc(ts, func(t techniqueRow) bool { return t.Technique == m.chosen })
	m.chosen = ts[max(min(i+n, len(ts)-1), 0)].Technique
	m.render()
}

// ChosenTechnique is the id of the technique chosen for a verdict.
func (m *Model) ChosenTechnique() (string, bool) {
	if !m.judging || !slices.ContainsFunc(m.techniques(), func(t techniqueRow) bool { return t.Technique == m.chosen }) {
		return "", false
	}
	return m.chosen, true
}

// Choose chooses a technique by id (one just added).
func (m *Model) Choose(id string) {
	m.chosen = id
	m.render()
}

// techniqueRow is a technique as the pane lists it, with the verdict in
// force on it (judged false: none).
type techniqueRow struct {
	triage.Tag
	verdict triage.TechniqueVerdict
	judged  bool
}

// techniques lists the document's techniques: the ones it describes, as
// verdicts correct them, then the ones analysts rejected.
func (m *Model) techniques() []techniqueRow {
	if m.d == nil {
		return nil
	}
	out := make([]techniqueRow, 0, len(m.d.Techniques)+len(m.d.Rejected))
	for _, t := range append(slices.Clone(m.d.Techniques), m.d.Rejected...) {
		v, ok := m.d.Verdicts[t.Technique]
		out = append(out, techniqueRow{Tag: t, verdict: v, judged: ok})
	}
	return out
}

// ToggleMargin shows or hides the log-odds base and margin under the
// reasons (they are for the statistician; the reasons read without them).
func (m *Model) ToggleMargin() {
	m.margin = !m.margin
	m.render()
}

// DocID is the shown document's id.
func (m *Model) DocID() string {
	if m.d == nil {
		return ""
	}
	return m.d.Document.ID
}

// Scroll moves the text by n lines.
func (m *Model) Scroll(n int) {
	m.offset += n
	m.clampOffset()
}

func (m *Model) clampOffset() {
	m.offset = max(min(m.offset, len(m.lines)-m.height), 0)
	m.view = ""
}

// View renders the visible lines.
func (m *Model) View() string {
	if m.view != "" {
		return m.view
	}
	out := make([]string, m.height)
	for i := range out {
		if j := m.offset + i; j < len(m.lines) {
			out[i] = m.lines[j]
		}
	}
	m.view = lipgloss.NewStyle().Width(m.width).MaxWidth(m.width).Render(strings.Join(out, "\n"))
	return m.view
}

func (m *Model) render() {
	m.lines, m.view = nil, ""
	if m.d == nil || m.width <= 0 {
		m.lines = []string{m.c.Styles.Dim.Render("loading…")}
		return
	}
	st := m.c.Styles
	d := &m.d.Document
	r := &m.d.Score
	w := m.width
	var b strings.Builder
	wrap := func(s string) string { return lipgloss.NewStyle().Width(w).Render(s) }
	b.WriteString(wrap(st.Title.Render(termsafe.Strip(d.Title))))
	b.WriteByte('\n')
	meta := []string{termsafe.Line(d.ID, 40), termsafe.Line(d.Source, 40)}
	if !d.Published.IsZero() {
		meta = append(meta, d.Published.Format("2006-01-02"))
	}
	b.WriteString(wrap(st.Dim.Render(strings.Join(meta, " · "))))
	b.WriteByte('\n')

	// The score.
	if i := document.SeverityIndex(r.Severity); i >= 0 {
		b.WriteString(st.Badge[i].Render(fmt.Sprintf("[%s] %s", common.SeverityLetters[i], r.Severity)))
		fmt.Fprintf(&b, "  confidence %.0f%%  novelty %.2f", 100*r.Confidence, r.Novelty)
		if r.Novel {
			b.WriteString(" ✦ novel")
		}
		b.WriteString(st.Dim.Render("  model " + termsafe.Line(r.Model, 30)))
		b.WriteByte('\n')
		b.WriteString(wrap(reasons.Probabilities(r.Probabilities, r.Severity, st.Reasons)))
		b.WriteByte('\n')
		if ex := r.Explanation; ex != nil && r.Novel && len(ex.NoveltyDrivers) > 0 {
			// What makes it unlike the training documents, beside what made
			// its class: in words where the score has them.
			why := ex.NoveltyReasons
			if len(why) == 0 {
				why = ex.NoveltyDrivers
			}
			b.WriteString(wrap(st.Dim.Render("✦ unlike the model's training documents: " + termsafe.Line(strings.Join(why, "; "), 400))))
			b.WriteByte('\n')
		}
	}
	if m.d.Labelled {
		fmt.Fprintf(&b, "label: %s by %s", m.d.Label.Severity, termsafe.Line(m.d.Label.Analyst, 30))
		if m.d.Label.Note != "" {
			b.WriteString(" — " + termsafe.Line(m.d.Label.Note, 80))
		}
		b.WriteByte('\n')
	}
	if m.note != "" {
		b.WriteString(st.Dim.Render("note to save with the next label: " + termsafe.Line(m.note, 80)))
		b.WriteByte('\n')
	}

	// The text with entities highlighted.
	b.WriteByte('\n')
	b.WriteString(wrap(highlight(termsafe.Strip(d.Body), d.Entities, st)))
	b.WriteString("\n\n")

	// Reasons.
	b.WriteString(st.Section.Render("Reasons"))
	b.WriteByte('\n')
	b.WriteString(strings.TrimRight(reasons.Bars(r.Explanation, r.Confidence, reasons.View{Width: w, Style: st.Reasons, Margin: m.margin}), "\n"))
	b.WriteString("\n")
	b.WriteByte('\n')

	// The exploitation likelihood over its horizon, with its top reasons.
	if e := r.Exploitation; e != nil {
		b.WriteString(st.Section.Render("Exploitation"))
		b.WriteByte('\n')
		b.WriteString(wrap(termsafe.Line(e.Summary, 600)))
		b.WriteByte('\n')
		if e.NoCVE {
			b.WriteString(wrap(st.Dim.Render(fmt.Sprintf("patch priority: none; after the documents with a likelihood, by expected severity (%.2f CVSS points)",
				exploitation.ExpectedSeverity(r.Probabilities)))))
		} else {
			b.WriteString(wrap(st.Dim.Render(fmt.Sprintf("patch priority %.3f of 10 (expected severity in CVSS points × the likelihood)", e.Priority))))
		}
		b.WriteString("\n\n")
	}

	// Techniques, each with its verdict and the sentence that shows it
	// best.
	m.techLines = m.techLines[:0]
	if ts := m.techniques(); len(ts) > 0 || m.judging {
		b.WriteString(st.Section.Render("Techniques"))
		b.WriteByte('\n')
		if len(ts) == 0 {
			b.WriteString(wrap(st.Dim.Render("none found; + adds one by id")))
			b.WriteByte('\n')
		}
		for _, t := range ts {
			m.techLines = append(m.techLines, strings.Count(b.String(), "\n"))
			b.WriteString(wrap(techniqueLine(t, m.judging, t.Technique == m.chosen, st)))
			b.WriteByte('\n')
			if e := t.Evidence; e != nil {
				b.WriteString(lipgloss.NewStyle().Width(w).PaddingLeft(4).Render(st.Dim.Render("“" + termsafe.Line(e.Sentence, 300) + "”")))
				b.WriteByte('\n')
			}
		}
		b.WriteByte('\n')
	}

	// Entities.
	if len(d.Entities) > 0 {
		b.WriteString(st.Section.Render("Entities"))
		b.WriteByte('\n')
		for _, typ := range sortedTypes(d.Entities) {
			vals := make([]string, 0, len(d.Entities[typ]))
			for _, v := range d.Entities[typ] {
				vals = append(vals, st.Entity[common.EntityGroup(typ)].Render(termsafe.Line(v, 80)))
			}
			b.WriteString(wrap(fmt.Sprintf("%s: %s", typ, strings.Join(vals, ", "))))
			b.WriteByte('\n')
		}
	}
	m.lines = strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
	m.showChosen()
	m.clampOffset()
}

// showChosen scrolls the chosen technique, with a line of its evidence,
// into view while the analyst judges.
func (m *Model) showChosen() {
	if !m.judging {
		return
	}
	i := slices.IndexFunc(m.techniques(), func(t techniqueRow) bool { return t.Technique == m.chosen })
	if i < 0 || i >= len(m.techLines) {
		return
	}
	line := m.techLines[i]
	if line < m.offset {
		m.offset = line
	}
	if line+1 >= m.offset+m.height {
		m.offset = line + 2 - m.height
	}
}

// techniqueLine is one technique of the pane: the verdict in force on it
// (✓ described, ✗ not, · no verdict yet) and who gave it, the id, name,
// confidence and provenance; while judging, ▸ marks the chosen one.
func techniqueLine(t techniqueRow, judging, chosen bool, st common.Styles) string {
	mark, said := "·", ""
	if t.judged {
		mark, said = "✗", "rejected by "
		if t.verdict.Present {
			mark, said = "✓", "confirmed by "
		}
		said += termsafe.Line(t.verdict.Analyst, 30)
	}
	line := fmt.Sprintf("%s %s %s", mark, st.Entity[common.EntityGroup("attack_technique")].Render(t.Technique), termsafe.Line(t.Name, 50))
	switch {
	case said != "":
		line += "  " + st.Dim.Render(said)
	default:
		line += fmt.Sprintf("  %.0f%% %s", 100*t.Confidence, st.Dim.Render(t.Provenance))
	}
	if judging {
		cursor := "  "
		if chosen {
			cursor = "▸ "
		}
		line = cursor + line
	}
	return line
}

func sortedTypes(m map[string][]string) []string {
	out := make([]string, 0, len(m))
	for k, v := range m {
		if len(v) > 0 {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// highlight styles every entity value found literally in the text (longest
// first, so a URL wins over the domain inside it). Refanged values that
// appear defanged in the text stay plain; the Entities list shows them.
func highlight(text string, ents map[string][]string, st common.Styles) string {
	type pair struct{ v, typ string }
	var ps []pair
	for typ, vals := range ents {
		for _, v := range vals {
			if len(v) >= 3 && strings.Contains(text, v) {
				ps = append(ps, pair{termsafe.Strip(v), typ})
			}
		}
	}
	if len(ps) == 0 {
		return text
	}
	slices.SortFunc(ps, func(a, b pair) int { return len(b.v) - len(a.v) })
	args := make([]string, 0, 2*len(ps))
	for _, p := range ps {
		args = append(args, p.v, st.Entity[common.EntityGroup(p.typ)].Render(p.v))
	}
	return strings.NewReplacer(args...).Replace(text)
}

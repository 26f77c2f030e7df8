// Package tui is the triage screen: a bubbletea program over a
// triage.Session. The root model here owns the layout and the key handling;
// each part of the screen is a component in its own package (queue,
// detail, statusbar, help, pivot) sharing one common.Common. Everything
// slow — database writes, loading a document, retraining — runs as a
// tea.Cmd and reports back with a message, so Update never waits.
package tui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/cyberstreams/cyberstreams/core/document"
	"github.com/cyberstreams/cyberstreams/core/learner"
	"github.com/cyberstreams/cyberstreams/core/termsafe"
	"github.com/cyberstreams/cyberstreams/core/triage"
	"github.com/cyberstreams/cyberstreams/labels"
	"github.com/cyberstreams/cyberstreams/tui/common"
	"github.com/cyberstreams/cyberstreams/tui/detail"
	"github.com/cyberstreams/cyberstreams/tui/help"
	"github.com/cyberstreams/cyberstreams/tui/pivot"
	"github.com/cyberstreams/cyberstreams/tui/queue"
	"github.com/cyberstreams/cyberstreams/tui/statusbar"
)

// Options configure the screen.
type Options struct {
	// Session is labeling-session mode: active-learning order, progress
	// toward the next retraining, background retraining when a trigger
	// fires.
	Session bool
	Color   bool
	Mouse   bool
	// Width and Height are the size before the terminal reports its own.
	Width, Height int
	// Now is the clock (tests fix it); nil means time.Now.
	Now func() time.Time
	// Seed drives the active-learning jitter.
	Seed uint64
	// Learner overrides the workspace's learner settings (tests); nil
	// reads config.json.
	Learner *learner.Config
}

type mode int

const (
	modeQueue mode = iota
	modeFilter
	modeNote
	modeHelp
	modePivot
)

// WideAt is the width from which queue and detail sit side by side.
const WideAt = 120

// Model is the root of the triage program.
type Model struct {
	ctx  context.Context
	s    *triage.Session
	opts Options
	c    *common.Common

	queue  *queue.Model
	detail *detail.Model
	status *statusbar.Model
	help   *help.Model
	pivot  *pivot.Model
	input  lineInput
	mode   mode

	q       *triage.Queue // as loaded; keeps its sort orders
	sorts   []triage.Sort
	sortIdx int
	presets []preset
	preset  int
	text    string // the / filter

	details map[string]*triage.Detail
	notes   map[string]string

	// busy: a label or undo is being written; keys that write wait in
	// pending and run, in order, once it is on disk.
	busy    bool
	pending []tea.KeyMsg

	banner string

	learnCfg    learner.Config
	learnErr    error
	checking    bool
	retraining  bool
	retrainedAt int // session label count at the last automatic retrain, -1 never
	progress    chan tea.Msg

	quitting bool
}

type preset struct {
	name string
	f    triage.Filter
}

// New builds the screen and loads the queue (one query; sorting and
// filtering then happen in memory).
func New(ctx context.Context, s *triage.Session, opts Options) (*Model, error) {
	items, err := s.Items(ctx)
	if err != nil {
		return nil, err
	}
	return NewWithItems(ctx, s, items, opts), nil
}

// NewWithItems builds the screen over items already loaded.
func NewWithItems(ctx context.Context, s *triage.Session, items []triage.Item, opts Options) *Model {
	if opts.Width == 0 {
		opts.Width, opts.Height = 80, 24
	}
	c := common.New(opts.Width, opts.Height, opts.Color, opts.Now)
	m := &Model{ctx: ctx, s: s, opts: opts, c: c,
		queue: queue.New(c), detail: detail.New(c), status: statusbar.New(c), help: help.New(c), pivot: pivot.New(c),
		details: map[string]*triage.Detail{}, notes: map[string]string{}, retrainedAt: -1}
	m.sorts = []triage.Sort{triage.ByPriority, triage.ByUncertainty, triage.ByNewest}
	if opts.Session {
		m.sorts = append([]triage.Sort{triage.ByActiveLearning}, m.sorts...)
	}
	m.input = lineInput{Prompt: "/", limit: 200}
	m.status.Model = s.Model()
	m.setItems(items)
	m.layout()
	return m
}

// Run shows the screen until the analyst quits.
func Run(ctx context.Context, s *triage.Session, opts Options, in io.Reader, out io.Writer) error {
	m, err := New(ctx, s, opts)
	if err != nil {
		return err
	}
	popts := []tea.ProgramOption{tea.WithAltScreen(), tea.WithContext(ctx), tea.WithInput(in), tea.WithOutput(out)}
	if opts.Mouse {
		popts = append(popts, tea.WithMouseCellMotion())
	}
	_, err = tea.NewProgram(m, popts...).Run()
	if errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil {
		return nil
	}
	return err
}

// setItems holds a freshly loaded queue; the screen keeps its items and
// updates them in place as labels land.
func (m *Model) setItems(items []triage.Item) {
	m.q = triage.NewQueue(items, m.opts.Seed)
	m.presets = presets(m.q.Sources())
	m.preset = min(m.preset, len(m.presets)-1)
	m.queue.SetQueue(m.q, m.sorts[m.sortIdx], m.filter())
	m.refreshStatus()
}

// prepareOrders sorts the queue by the orders `s` cycles to, in the
// background, so that the first press of `s` at 100,000 documents shows an
// order already made instead of sorting (tens of milliseconds) in Update.
// An order made before a label moved an item is refused and made on
// demand instead.
func (m *Model) prepareOrders() tea.Cmd {
	if len(m.sorts) < 2 {
		return nil
	}
	from := m.q.Sorter()
	shown := m.sorts[m.sortIdx]
	sorts := slices.Clone(m.sorts)
	return func() tea.Msg {
		orders := map[triage.Sort][]int32{}
		for _, by := range sorts {
			if by != shown {
				orders[by] = from.Order(by)
			}
		}
		return ordersMsg{from, orders}
	}
}

// presets are the filters `f` cycles through.
func presets(sources []string) []preset {
	ps := []preset{{"", triage.Filter{}}, {"unlabelled", triage.Filter{Label: triage.OnlyUnlabelled}}}
	for _, sev := range document.Severities {
		ps = append(ps, preset{"model " + sev, triage.Filter{Severity: sev}})
	}
	if len(sources) > 12 { // a big workspace: the text filter finds the rest
		sources = sources[:12]
	}
	for _, src := range sources {
		ps = append(ps, preset{"source " + src, triage.Filter{Source: src}})
	}
	ps = append(ps, preset{"confirmed", triage.Filter{Label: triage.OnlyConfirmed}}, preset{"corrected", triage.Filter{Label: triage.OnlyCorrected}})
	return ps
}

func (m *Model) filter() triage.Filter {
	f := m.presets[m.preset].f
	f.Text = m.text
	return f
}

func (m *Model) refreshStatus() {
	st := m.status
	st.Position, st.Total = m.queue.Cursor()+1, m.queue.Len()
	if m.queue.Len() == 0 {
		st.Position = 0
	}
	st.Sort = m.sorts[m.sortIdx].String()
	var f []string
	if p := m.presets[m.preset].name; p != "" {
		f = append(f, p)
	}
	if m.text != "" {
		f = append(f, fmt.Sprintf("%q", m.text))
	}
	st.Filter = strings.Join(f, " + ")
}

// layout sizes the components: side by side when wide, stacked when narrow.
func (m *Model) layout() {
	w, h := m.c.Width, m.c.Height
	body := max(h-3, 4) // header line + two status lines
	if m.mode == modeFilter || m.mode == modeNote {
		body--
	}
	if w >= WideAt {
		qw := w * 45 / 100
		m.queue.SetSize(qw, body)
		m.detail.SetSize(w-qw-1, body)
	} else {
		qh := max(body*2/5, 3)
		m.queue.SetSize(w, qh)
		m.detail.SetSize(w, max(body-qh-1, 1))
	}
	m.status.SetSize(w, 2)
	m.help.SetSize(w, body)
	m.pivot.SetSize(w, body)
}

// Init loads the first document and, in a session, checks the retraining
// triggers.
func (m *Model) Init() tea.Cmd {
	cmds := []tea.Cmd{m.syncDetail(), m.prepareOrders()}
	if m.opts.Session {
		cmds = append(cmds, m.checkLearning())
	}
	return tea.Batch(cmds...)
}

// Messages from background work.
type (
	detailMsg struct {
		id  string
		d   *triage.Detail
		err error
	}
	labelledMsg struct {
		item  triage.Item
		event labels.Event
		err   error
		note  bool // a note added to an existing label: no advance, no count
	}
	undoneMsg struct {
		item  triage.Item
		event labels.Event
		err   error
	}
	itemsMsg struct {
		items []triage.Item
		err   error
	}
	ordersMsg struct {
		from   *triage.Sorter
		orders map[triage.Sort][]int32
	}
	pivotMsg struct {
		r   pivot.Result
		err error
	}
	learningMsg struct {
		st  triage.LearningStatus
		err error
	}
	retrainProgressMsg struct{ p triage.RetrainProgress }
	retrainDoneMsg     struct {
		r   triage.RetrainResult
		err error
	}
)

// Update handles one message.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.c.Width, m.c.Height = msg.Width, msg.Height
		m.layout()
		return m, nil
	case tea.KeyMsg:
		if msg.Type == tea.KeyRunes && len(msg.Runes) > 1 && !msg.Paste {
			// Keys typed faster than the terminal is read arrive as one
			// message ("/glimmer"); each is a key press of its own.
			var cmds []tea.Cmd
			for _, r := range msg.Runes {
				cmds = append(cmds, m.key(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}, Alt: msg.Alt}))
			}
			return m, tea.Batch(cmds...)
		}
		return m, m.key(msg)
	case tea.MouseMsg:
		if m.mode == modeQueue && msg.Action == tea.MouseActionPress {
			switch msg.Button {
			case tea.MouseButtonWheelUp:
				return m, m.move(func() { m.queue.Move(-3) })
			case tea.MouseButtonWheelDown:
				return m, m.move(func() { m.queue.Move(3) })
			}
		}
		return m, nil
	case detailMsg:
		if msg.err != nil {
			if msg.id == m.queue.CurrentID() {
				m.status.Fail(msg.err)
			}
			return m, nil
		}
		m.details[msg.id] = msg.d
		if msg.id == m.queue.CurrentID() {
			m.detail.SetDetail(msg.d, m.notes[msg.id])
		}
		return m, nil
	case labelledMsg:
		return m, m.labelled(msg)
	case undoneMsg:
		return m, m.undone(msg)
	case itemsMsg:
		if msg.err != nil {
			m.status.Fail(msg.err)
			return m, nil
		}
		m.details = map[string]*triage.Detail{}
		m.setItems(msg.items)
		return m, tea.Batch(m.syncDetail(), m.prepareOrders())
	case ordersMsg:
		for by, o := range msg.orders {
			m.q.Adopt(by, o, msg.from)
		}
		return m, nil
	case pivotMsg:
		if msg.err != nil {
			m.status.Fail(msg.err)
			return m, nil
		}
		m.pivot.SetResult(msg.r)
		return m, nil
	case pivot.ChooseMsg:
		return m, m.lookUp(msg.Entity)
	case pivot.JumpMsg:
		m.mode = modeQueue
		if !m.queue.Select(msg.DocID) {
			// Clear the filters so that the document is in the list.
			m.preset, m.text = 0, ""
			m.queue.SetFilter(m.filter())
			m.queue.Select(msg.DocID)
		}
		m.refreshStatus()
		return m, m.syncDetail()
	case pivot.CloseMsg:
		m.mode = modeQueue
		return m, nil
	case learningMsg:
		return m, m.learned(msg)
	case retrainProgressMsg:
		m.status.Task = "retraining: " + msg.p.Stage + " — " + msg.p.Message
		return m, m.waitProgress()
	case retrainDoneMsg:
		return m, m.retrained(msg)
	}
	return m, nil
}

func (m *Model) key(msg tea.KeyMsg) tea.Cmd {
	k := m.c.Keys
	switch m.mode {
	case modeHelp:
		if key.Matches(msg, k.Quit) {
			m.quitting = true
			return tea.Quit
		}
		if key.Matches(msg, k.Help, k.Back) {
			m.mode = modeQueue
		}
		return nil
	case modePivot:
		return m.pivot.Update(msg)
	case modeFilter:
		switch msg.Type {
		case tea.KeyEnter:
			m.mode = modeQueue
			m.layout()
			return m.syncDetail()
		case tea.KeyEsc:
			m.text = ""
			m.mode = modeQueue
			m.layout()
			m.queue.SetFilter(m.filter())
			m.refreshStatus()
			return m.syncDetail()
		}
		m.input.Update(msg)
		if v := m.input.Value(); v != m.text {
			m.text = v
			m.queue.SetFilter(m.filter())
			m.refreshStatus()
		}
		return m.syncDetail()
	case modeNote:
		switch msg.Type {
		case tea.KeyEnter:
			m.mode = modeQueue
			m.layout()
			return m.saveNote(strings.TrimSpace(m.input.Value()))
		case tea.KeyEsc:
			m.mode = modeQueue
			m.layout()
			return nil
		}
		m.input.Update(msg)
		return nil
	}

	// The queue.
	if m.busy && key.Matches(msg, k.Quit) {
		// Quit once the label in flight is on disk, never before.
		m.pending = append(m.pending, msg)
		return nil
	}
	if m.busy && writes(k, msg) {
		m.pending = append(m.pending, msg)
		return nil
	}
	switch {
	case key.Matches(msg, k.Quit):
		m.quitting = true
		return tea.Quit
	case key.Matches(msg, k.Up):
		return m.move(func() { m.queue.Move(-1) })
	case key.Matches(msg, k.Down):
		return m.move(func() { m.queue.Move(1) })
	case key.Matches(msg, k.PageUp):
		return m.move(func() { m.queue.Page(-1) })
	case key.Matches(msg, k.PageDown):
		return m.move(func() { m.queue.Page(1) })
	case key.Matches(msg, k.Top):
		return m.move(m.queue.Top)
	case key.Matches(msg, k.Bottom):
		return m.move(m.queue.Bottom)
	case key.Matches(msg, k.Skip):
		return m.move(func() { m.queue.Move(1) })
	case key.Matches(msg, k.DetailUp):
		m.detail.Scroll(-5)
	case key.Matches(msg, k.DetailDown):
		m.detail.Scroll(5)
	case key.Matches(msg, k.Critical, k.High, k.Medium, k.Low, k.Informational):
		return m.label(document.Severities[msg.Runes[0]-'1'])
	case key.Matches(msg, k.Accept):
		if it, ok := m.queue.Current(); ok && it.Scored() {
			return m.label(it.Severity)
		}
	case key.Matches(msg, k.Undo):
		m.busy = true
		return m.undo()
	case key.Matches(msg, k.Note):
		if _, ok := m.queue.Current(); ok {
			m.mode = modeNote
			m.input.Prompt = "note: "
			m.input.SetValue(m.notes[m.queue.CurrentID()])
			m.layout()
			return nil
		}
	case key.Matches(msg, k.Filter):
		m.mode = modeFilter
		m.input.Prompt = "/"
		m.input.SetValue(m.text)
		m.layout()
		return nil
	case key.Matches(msg, k.Back):
		m.banner = ""
		if m.text != "" || m.preset != 0 {
			m.text, m.preset = "", 0
			m.queue.SetFilter(m.filter())
			m.refreshStatus()
			return m.syncDetail()
		}
	case key.Matches(msg, k.CycleFilter):
		m.preset = (m.preset + 1) % len(m.presets)
		m.queue.SetFilter(m.filter())
		m.refreshStatus()
		return m.syncDetail()
	case key.Matches(msg, k.CycleSort):
		m.sortIdx = (m.sortIdx + 1) % len(m.sorts)
		m.queue.SetSort(m.sorts[m.sortIdx])
		m.queue.Top()
		m.refreshStatus()
		return m.syncDetail()
	case key.Matches(msg, k.Pivot):
		if id := m.queue.CurrentID(); id != "" {
			if d, ok := m.details[id]; ok {
				m.pivot.Open(id, d.Document.Entities)
				m.mode = modePivot
			}
		}
	case key.Matches(msg, k.Help):
		m.mode = modeHelp
	}
	return nil
}

// writes reports whether a key writes to the label store (and so must wait
// for the write before it).
func writes(k common.KeyMap, msg tea.KeyMsg) bool {
	return key.Matches(msg, k.Critical, k.High, k.Medium, k.Low, k.Informational, k.Accept, k.Undo, k.Skip, k.Up, k.Down)
}

func (m *Model) move(f func()) tea.Cmd {
	f()
	m.refreshStatus()
	return m.syncDetail()
}

// syncDetail shows the current document's detail from the cache, or starts
// loading it; the next document is prefetched so that labeling never waits.
func (m *Model) syncDetail() tea.Cmd {
	id := m.queue.CurrentID()
	if id == "" {
		m.detail.SetDetail(nil, "")
		return nil
	}
	var cmds []tea.Cmd
	if d, ok := m.details[id]; ok {
		if m.detail.DocID() != id {
			m.detail.SetDetail(d, m.notes[id])
		}
	} else {
		m.detail.SetDetail(nil, "")
		cmds = append(cmds, m.loadDetail(id))
	}
	if next, ok := m.queue.Peek(1); ok {
		if _, cached := m.details[next.DocID]; !cached {
			cmds = append(cmds, m.loadDetail(next.DocID))
		}
	}
	if len(m.details) > 512 { // bound the cache; the current one reloads if needed
		m.details = map[string]*triage.Detail{}
	}
	return tea.Batch(cmds...)
}

func (m *Model) loadDetail(id string) tea.Cmd {
	s, ctx := m.s, m.ctx
	return func() tea.Msg {
		d, err := s.Detail(ctx, id)
		if err != nil {
			return detailMsg{id: id, err: err}
		}
		return detailMsg{id: id, d: &d}
	}
}

// label writes a label; the cursor moves when it is on disk.
func (m *Model) label(severity string) tea.Cmd {
	it, ok := m.queue.Current()
	if !ok {
		return nil
	}
	m.busy = true
	s, ctx, note := m.s, m.ctx, m.notes[it.DocID]
	return func() tea.Msg {
		ev, err := s.Label(ctx, it.DocID, severity, note)
		if err != nil {
			return labelledMsg{err: err}
		}
		fresh, err := s.Item(ctx, it.DocID)
		return labelledMsg{item: fresh, event: ev, err: err}
	}
}

func (m *Model) labelled(msg labelledMsg) tea.Cmd {
	m.busy = false
	if msg.err != nil {
		m.pending = nil
		m.status.Fail(msg.err)
		return nil
	}
	m.queue.Update(msg.item)
	delete(m.details, msg.item.DocID)
	delete(m.notes, msg.item.DocID)
	var cmds []tea.Cmd
	if msg.note {
		m.status.Say("note saved on %s", msg.item.DocID)
		cmds = append(cmds, m.syncDetailForce())
	} else {
		m.status.Labels++
		m.status.Say("%s labelled %s", msg.item.DocID, msg.event.Severity)
		if m.queue.CurrentID() == msg.item.DocID {
			m.queue.Move(1)
		}
		m.refreshStatus()
		cmds = append(cmds, m.syncDetail())
		if m.opts.Session && m.status.Labels%10 == 0 {
			cmds = append(cmds, m.checkLearning())
		}
	}
	return tea.Batch(append(cmds, m.replay())...)
}

// syncDetailForce reloads the shown document.
func (m *Model) syncDetailForce() tea.Cmd {
	m.detail.SetDetail(nil, "")
	return m.syncDetail()
}

// replay runs the keys pressed while a write was in flight.
func (m *Model) replay() tea.Cmd {
	var cmds []tea.Cmd
	for len(m.pending) > 0 && !m.busy {
		k := m.pending[0]
		m.pending = m.pending[1:]
		cmds = append(cmds, m.key(k))
	}
	return tea.Batch(cmds...)
}

func (m *Model) undo() tea.Cmd {
	s, ctx := m.s, m.ctx
	return func() tea.Msg {
		ev, err := s.Undo(ctx)
		if err != nil {
			return undoneMsg{err: err}
		}
		fresh, err := s.Item(ctx, ev.DocID)
		return undoneMsg{item: fresh, event: ev, err: err}
	}
}

func (m *Model) undone(msg undoneMsg) tea.Cmd {
	m.busy = false
	if errors.Is(msg.err, labels.ErrNothingToUndo) {
		m.status.Say("nothing to undo")
		return m.replay()
	}
	if msg.err != nil {
		m.pending = nil
		m.status.Fail(msg.err)
		return nil
	}
	m.queue.Update(msg.item)
	delete(m.details, msg.item.DocID)
	m.status.Labels = max(m.status.Labels-1, 0)
	m.status.Say("undid %s on %s", msg.event.Severity, msg.item.DocID)
	m.queue.Select(msg.item.DocID)
	m.refreshStatus()
	return tea.Batch(m.syncDetailForce(), m.replay())
}

// saveNote keeps a note for the next label of the document, or, when the
// document already has a label, records that label again with the note.
func (m *Model) saveNote(note string) tea.Cmd {
	it, ok := m.queue.Current()
	if !ok {
		return nil
	}
	if note == "" {
		delete(m.notes, it.DocID)
		m.detail.SetDetail(m.details[it.DocID], "")
		return nil
	}
	if it.LabelState == triage.Unlabelled {
		m.notes[it.DocID] = note
		m.detail.SetDetail(m.details[it.DocID], note)
		m.status.Say("note kept for the label of %s", it.DocID)
		return nil
	}
	m.busy = true
	s, ctx := m.s, m.ctx
	return func() tea.Msg {
		ev, err := s.Label(ctx, it.DocID, it.Label, note)
		if err != nil {
			return labelledMsg{err: err, note: true}
		}
		fresh, err := s.Item(ctx, it.DocID)
		return labelledMsg{item: fresh, event: ev, err: err, note: true}
	}
}

func (m *Model) lookUp(e pivot.Entity) tea.Cmd {
	s, ctx := m.s, m.ctx
	return func() tea.Msg {
		docIDs, err := s.DocsWithEntity(ctx, e.Type, e.Value, 200)
		if err != nil {
			return pivotMsg{err: err}
		}
		ns, err := s.Neighbourhood(ctx, e.Value, 2, 40)
		if err != nil {
			return pivotMsg{err: err}
		}
		r := pivot.Result{Entity: e, Neighbours: ns}
		for _, id := range docIDs {
			it, err := s.Item(ctx, id)
			if err != nil {
				return pivotMsg{err: err}
			}
			r.Docs = append(r.Docs, pivot.Doc{ID: id, Title: it.Title, Severity: it.Severity})
		}
		return pivotMsg{r: r}
	}
}

// checkLearning asks the learner where the triggers stand.
func (m *Model) checkLearning() tea.Cmd {
	if m.checking || m.retraining {
		return nil
	}
	m.checking = true
	s, ctx := m.s, m.ctx
	cfg, err := m.learnerConfig()
	if err != nil {
		m.checking = false
		m.status.Fail(err)
		return nil
	}
	return func() tea.Msg {
		st, err := s.Learning(ctx, cfg)
		return learningMsg{st, err}
	}
}

func (m *Model) learnerConfig() (learner.Config, error) {
	if m.opts.Learner != nil {
		return *m.opts.Learner, nil
	}
	if m.learnErr == nil && m.learnCfg.MinNewLabels == 0 {
		m.learnCfg, m.learnErr = m.s.LearnerConfig()
	}
	return m.learnCfg, m.learnErr
}

func (m *Model) learned(msg learningMsg) tea.Cmd {
	m.checking = false
	if msg.err != nil {
		m.status.Fail(msg.err)
		return nil
	}
	st := msg.st
	m.status.NewLabels, m.status.NeedLabels = st.NewLabels, st.NeedLabels
	if st.Drift {
		m.banner = "drift detected: recent documents differ from the model's training data"
	}
	if st.Needed && !m.retraining && (m.retrainedAt < 0 || m.status.Labels-m.retrainedAt >= max(st.NeedLabels, 1)) {
		return m.startRetrain(st)
	}
	return nil
}

// startRetrain runs the learner in the background; progress comes back
// through a channel one message at a time.
func (m *Model) startRetrain(st triage.LearningStatus) tea.Cmd {
	cfg, err := m.learnerConfig()
	if err != nil {
		m.status.Fail(err)
		return nil
	}
	m.retraining, m.retrainedAt = true, m.status.Labels
	m.status.Task = "retraining (" + strings.Join(st.Fired, ", ") + ")"
	ch := make(chan tea.Msg, 8)
	m.progress = ch
	s, ctx := m.s, m.ctx
	go func() {
		defer close(ch)
		r, err := s.Retrain(ctx, cfg, func(p triage.RetrainProgress) {
			select {
			case ch <- retrainProgressMsg{p}:
			default: // the screen is behind; skip a progress line rather than block training
			}
		})
		ch <- retrainDoneMsg{r, err}
	}()
	return m.waitProgress()
}

func (m *Model) waitProgress() tea.Cmd {
	ch := m.progress
	if ch == nil {
		return nil
	}
	return func() tea.Msg {
		msg, ok := <-ch
		if !ok {
			return nil
		}
		return msg
	}
}

func (m *Model) retrained(msg retrainDoneMsg) tea.Cmd {
	m.retraining, m.status.Task = false, ""
	if msg.err != nil {
		m.status.Fail(msg.err)
		return nil
	}
	o := msg.r.Outcome
	if !msg.r.Switched {
		m.status.Say("candidate %s not promoted: %s", o.Candidate, o.Reason)
		return m.checkLearning()
	}
	m.banner = fmt.Sprintf("new model %s promoted (%s)", o.Candidate, termsafe.Line(o.Reason, 80))
	m.status.Model = m.s.Model()
	m.status.Say("queue rescored with %s (%d documents)", m.s.Model(), msg.r.Rescored)
	s, ctx := m.s, m.ctx
	return tea.Batch(func() tea.Msg {
		items, err := s.Items(ctx)
		return itemsMsg{items, err}
	}, m.checkLearning())
}

// View draws the screen.
func (m *Model) View() string {
	w := m.c.Width
	st := m.c.Styles
	header := fmt.Sprintf(" Cyberstreams triage · %s · %d documents", termsafe.Line(m.s.Analyst(), 24), m.q.Len())
	if m.opts.Session {
		header += " · labeling session"
	}
	var top string
	if m.banner != "" {
		top = st.Banner.Render(fit(" ★ "+m.banner+"  (esc dismisses)", w))
	} else {
		top = st.Header.Render(fit(header, w))
	}
	var body string
	switch m.mode {
	case modeHelp:
		body = m.help.View()
	case modePivot:
		body = m.pivot.View()
	default:
		if w >= WideAt {
			q := m.queue.View() // rendered once: it is most of the frame
			sep := strings.TrimRight(strings.Repeat("│\n", lipgloss.Height(q)), "\n")
			body = lipgloss.JoinHorizontal(lipgloss.Top, q, st.Dim.Render(sep), m.detail.View())
		} else {
			body = m.queue.View() + "\n" + st.Dim.Render(strings.Repeat("─", w)) + "\n" + m.detail.View()
		}
	}
	parts := []string{top, body}
	if m.mode == modeFilter || m.mode == modeNote {
		parts = append(parts, fit(m.input.View(), w))
	}
	parts = append(parts, m.status.View())
	return strings.Join(parts, "\n")
}

func fit(s string, w int) string {
	if lipgloss.Width(s) > w {
		return termsafe.Line(s, max(w, 2))
	}
	return s + strings.Repeat(" ", w-lipgloss.Width(s))
}

// Labels is how many labels the analyst gave this session.
func (m *Model) Labels() int { return m.status.Labels }

// Current is the selected document's id.
func (m *Model) Current() string { return m.queue.CurrentID() }

// Visible is the number of documents passing the filter.
func (m *Model) Visible() int { return m.queue.Len() }

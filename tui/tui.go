// Package tui is the triage screen: a bubbletea program over a
// triage.Session. The root model here owns the layout, the modes and the
// key handling; each part of the screen is a component in its own package
// sharing one common.Common:
//
//	queue      the document list          detail     the document pane (and its loader)
//	statusbar  counters, messages, tasks  help       the key reference
//	pivot      entity lookups             prompt     the filter and note entry
//	labeling   label, undo, note and technique verdict writes
//	learning   retraining triggers and the background retrain
//
// The root itself is tui.go (model, messages, Update), keys.go (the keys
// of each mode), view.go (layout and View), sync.go (the shown document),
// write.go (after a label lands), techniques.go (verdicts on the shown
// document's techniques) and retrain.go (after the learner
// answers). Everything slow — database writes, loading a document,
// retraining — runs as a tea.Cmd and reports back with a message, so
// Update never waits.
package tui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/cyberstreams/cyberstreams/core/learner"
	"github.com/cyberstreams/cyberstreams/core/triage"
	"github.com/cyberstreams/cyberstreams/tui/common"
	"github.com/cyberstreams/cyberstreams/tui/detail"
	"github.com/cyberstreams/cyberstreams/tui/help"
	"github.com/cyberstreams/cyberstreams/tui/labeling"
	"github.com/cyberstreams/cyberstreams/tui/learning"
	"github.com/cyberstreams/cyberstreams/tui/pivot"
	"github.com/cyberstreams/cyberstreams/tui/prompt"
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
	// Banner is shown on top at start (e.g. how the session shares the
	// work with teammates); esc dismisses it.
	Banner string
}

type mode int

const (
	modeQueue mode = iota
	modeFilter
	modeNote
	modeHelp
	modePivot
	modeTechniques   // t: verdicts on the shown document's techniques
	modeTechniqueAdd // + inside t: the id (and words of its sentence)
)

// WideAt is the width from which queue and detail sit side by side.
const WideAt = 120

// Model is the root of the triage program.
type Model struct {
	ctx  context.Context
	s    *triage.Session
	opts Options
	c    *common.Common

	queue    *queue.Model
	detail   *detail.Model
	details  *detail.Cache
	status   *statusbar.Model
	help     *help.Model
	pivot    *pivot.Model
	input    prompt.Model
	writer   *labeling.Writer
	learning *learning.Model
	mode     mode

	q       *triage.Queue // as loaded; keeps its sort orders
	sorts   []triage.Sort
	sortIdx int
	presets []queue.Preset
	preset  int
	text    string // the / filter

	banner   string
	quitting bool
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
		queue: queue.New(c), detail: detail.New(c), details: detail.NewCache(ctx, s), status: statusbar.New(c),
		help: help.New(c), pivot: pivot.New(c), input: prompt.New("/", 200),
		writer: labeling.New(ctx, s), learning: learning.New(ctx, s, opts.Learner)}
	m.sorts = []triage.Sort{triage.ByPriority, triage.ByUncertainty, triage.ByNewest, triage.ByNovelty, triage.ByPatchPriority}
	if opts.Session {
		m.sorts = append([]triage.Sort{triage.ByActiveLearning}, m.sorts...)
	}
	m.status.Model = s.Model()
	m.banner = opts.Banner
	m.setItems(items)
	m.layout()
	return m
}

// Run shows the screen until the analyst quits. It returns once the
// background work the screen started has stopped: quitting cancels a
// running retrain, which then registers nothing half-made.
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
	m.learning.Cancel() // the program may have ended without a quit key (ctx, a signal)
	m.Wait()
	if errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil {
		return nil
	}
	return err
}

// Wait blocks until the screen's background retrain, if one is running,
// has returned. Quitting cancels it; Wait does not.
func (m *Model) Wait() { m.learning.Wait() }

// quit ends the program and cancels the background retrain.
func (m *Model) quit() tea.Cmd {
	m.quitting = true
	m.learning.Cancel()
	return tea.Quit
}

// setItems holds a freshly loaded queue; the screen keeps its items and
// updates them in place as labels land.
func (m *Model) setItems(items []triage.Item) {
	m.q = triage.NewQueue(items, m.opts.Seed)
	m.presets = queue.Presets(m.q.Sources())
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

func (m *Model) filter() triage.Filter {
	f := m.presets[m.preset].Filter
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
	if p := m.presets[m.preset].Name; p != "" {
		f = append(f, p)
	}
	if m.text != "" {
		f = append(f, fmt.Sprintf("%q", m.text))
	}
	st.Filter = strings.Join(f, " + ")
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

// Messages from the root's own background work.
type (
	itemsMsg struct {
		items []triage.Item
		err   error
	}
	ordersMsg struct {
		from   *triage.Sorter
		orders map[triage.Sort][]int32
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
	case detail.LoadedMsg:
		m.loaded(msg)
		return m, nil
	case labeling.LabelledMsg:
		return m, m.labelled(msg)
	case labeling.UndoneMsg:
		return m, m.undone(msg)
	case labeling.TechniqueMsg:
		return m, m.judged(msg)
	case itemsMsg:
		if msg.err != nil {
			m.status.Fail(msg.err)
			return m, nil
		}
		m.details.Clear()
		m.setItems(msg.items)
		return m, tea.Batch(m.syncDetail(), m.prepareOrders())
	case ordersMsg:
		for by, o := range msg.orders {
			m.q.Adopt(by, o, msg.from)
		}
		return m, nil
	case pivot.ResultMsg:
		if msg.Err != nil {
			m.status.Fail(msg.Err)
			return m, nil
		}
		m.pivot.SetResult(msg.Result)
		return m, nil
	case pivot.ChooseMsg:
		return m, pivot.LookUp(m.ctx, m.s, msg.Entity)
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
	case learning.StatusMsg:
		return m, m.learned(msg)
	case learning.ProgressMsg:
		m.status.Task = "retraining: " + msg.Progress.Stage + " — " + msg.Progress.Message
		return m, m.learning.Next()
	case learning.DoneMsg:
		return m, m.retrained(msg)
	}
	return m, nil
}

func (m *Model) move(f func()) tea.Cmd {
	f()
	m.refreshStatus()
	return m.syncDetail()
}

// Labels is how many labels the analyst gave this session.
func (m *Model) Labels() int { return m.status.Labels }

// Current is the selected document's id.
func (m *Model) Current() string { return m.queue.CurrentID() }

// Visible is the number of documents passing the filter.
func (m *Model) Visible() int { return m.queue.Len() }

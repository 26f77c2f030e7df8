// Package common is the state every part of the triage screen shares: the
// terminal size, the styles (colour or none), the key map and the clock.
// One value is made by the root model and handed to each component; there
// are no globals (the gh-dash "program context" pattern).
package common

import (
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/cyberstreams/cyberstreams/tui/reasons"
)

// Common is the shared program context.
type Common struct {
	Width, Height int
	Styles        Styles
	Keys          KeyMap
	// Now is the clock that ages queue rows (tests fix it).
	Now func() time.Time
	// Color says whether styles carry colour.
	Color bool
}

// New returns a context for a terminal of the given size.
func New(width, height int, color bool, now func() time.Time) *Common {
	if now == nil {
		now = time.Now
	}
	return &Common{Width: width, Height: height, Styles: NewStyles(color), Keys: DefaultKeyMap(), Now: now, Color: color}
}

// Component is the contract every screen part follows: a size it is told,
// and a View (soft-serve's common.Component, minus what we do not need).
type Component interface {
	SetSize(width, height int)
	View() string
}

// Styles are every style the screen uses. With colour off they are built
// on an ASCII renderer, so they print no escape sequences at all.
type Styles struct {
	Renderer *lipgloss.Renderer

	Header, Dim, Bold, Selected, Title, Section, Banner, Error, Help lipgloss.Style
	// Severity badges, in class order.
	Badge [5]lipgloss.Style
	// Entity highlight colours by entity type group.
	Entity  map[string]lipgloss.Style
	Reasons reasons.Style
}

// NewStyles builds the styles; color false gives plain text.
func NewStyles(color bool) Styles {
	r := lipgloss.NewRenderer(nil)
	if color {
		r.SetColorProfile(termenv.ANSI256)
	} else {
		r.SetColorProfile(termenv.Ascii)
	}
	n := r.NewStyle
	s := Styles{Renderer: r,
		Header:   n().Bold(true).Foreground(lipgloss.Color("231")).Background(lipgloss.Color("24")),
		Dim:      n().Foreground(lipgloss.Color("245")),
		Bold:     n().Bold(true),
		Selected: n().Background(lipgloss.Color("237")).Bold(true),
		Title:    n().Bold(true).Foreground(lipgloss.Color("230")),
		Section:  n().Bold(true).Foreground(lipgloss.Color("110")),
		Banner:   n().Bold(true).Foreground(lipgloss.Color("16")).Background(lipgloss.Color("214")),
		Error:    n().Bold(true).Foreground(lipgloss.Color("196")),
		Help:     n().Foreground(lipgloss.Color("250")),
	}
	badge := []string{"196", "208", "220", "39", "245"}
	for i, c := range badge {
		s.Badge[i] = n().Bold(true).Foreground(lipgloss.Color(c))
	}
	s.Entity = map[string]lipgloss.Style{
		"network":   n().Foreground(lipgloss.Color("81")).Underline(true),  // ip, domain, url, email
		"hash":      n().Foreground(lipgloss.Color("141")).Underline(true), // md5 … sha512
		"vuln":      n().Foreground(lipgloss.Color("203")).Underline(true), // cve, cwe
		"technique": n().Foreground(lipgloss.Color("114")).Underline(true), // ATT&CK
		"actor":     n().Foreground(lipgloss.Color("214")).Underline(true), // actor, malware, tool
		"other":     n().Foreground(lipgloss.Color("180")).Underline(true),
	}
	if color {
		s.Reasons = reasons.Style{Up: n().Foreground(lipgloss.Color("203")), Down: n().Foreground(lipgloss.Color("75")), Dim: s.Dim}
	} else {
		s.Reasons = reasons.Style{Up: n(), Down: n(), Dim: n()}
	}
	return s
}

// EntityGroup maps an extractor entity type to its highlight group.
func EntityGroup(typ string) string {
	switch typ {
	case "ipv4", "ipv6", "domain", "url", "email", "asn", "mac":
		return "network"
	case "md5", "sha1", "sha256", "sha512", "bitcoin":
		return "hash"
	case "cve", "cwe":
		return "vuln"
	case "attack_technique":
		return "technique"
	case "actor", "malware", "tool":
		return "actor"
	}
	return "other"
}

// SeverityLetters are the badge letters in class order.
var SeverityLetters = [5]string{"C", "H", "M", "L", "I"}

// Package document defines the normalised security document that every
// reader produces and every later stage (extraction, features, scoring,
// labels, graph) consumes.
package document

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"
	"unicode/utf8"
)

// Severities in model class order. The order is part of the model contract:
// class index i of every classifier is Severities[i].
var Severities = [...]string{"critical", "high", "medium", "low", "informational"}

// SeverityIndex returns the class index of a severity name, or -1.
func SeverityIndex(s string) int {
	s = strings.ToLower(strings.TrimSpace(s))
	for i, v := range Severities {
		if v == s {
			return i
		}
	}
	return -1
}

// Document is one advisory, report, feed item or STIX object, normalised.
//
// Fields that a scorer of the source used to set the label (CVSS vector and
// score, severity fields) are never copied into typed fields: they stay in
// Meta, which features do not read. Severity is the source's own label and is
// used only for training and evaluation.
type Document struct {
	ID        string    `json:"id"`
	Title     string    `json:"title,omitempty"`
	Body      string    `json:"text,omitempty"`
	Source    string    `json:"source,omitempty"`
	Published time.Time `json:"published,omitempty"`
	Format    string    `json:"format,omitempty"`

	// Structured facts a document carries on arrival.
	Aliases    []string `json:"aliases,omitempty"`
	CWEs       []string `json:"cwes,omitempty"`
	Ecosystem  string   `json:"ecosystem,omitempty"`
	Packages   []string `json:"packages,omitempty"`
	Vendors    []string `json:"vendors,omitempty"`
	References []string `json:"references,omitempty"`
	Assigner   string   `json:"assigner,omitempty"`

	// Severity is the label the source gave, if any ("" when unlabelled).
	Severity string `json:"severity,omitempty"`

	// Entities found in the text and structured fields, by type.
	Entities map[string][]string `json:"entities,omitempty"`

	// Meta keeps the original record's other fields (stored as JSON).
	Meta map[string]any `json:"meta,omitempty"`

	// ContentHash is the hex SHA-256 of the normalised title and body; two
	// documents with the same hash are duplicates.
	ContentHash string `json:"content_hash,omitempty"`
}

// Hash computes the content hash from the title and body: white space is
// folded so that re-wrapped copies of one text dedupe.
func Hash(title, body string) string {
	h := sha256.New()
	h.Write([]byte(strings.Join(strings.Fields(title), " ")))
	h.Write([]byte{0})
	h.Write([]byte(strings.Join(strings.Fields(body), " ")))
	return hex.EncodeToString(h.Sum(nil))
}

// Finish fills the content hash, and an ID derived from it when the source
// gave none.
func (d *Document) Finish() {
	d.ContentHash = Hash(d.Title, d.Body)
	if d.ID == "" {
		d.ID = "doc-" + d.ContentHash[:16]
	}
}

// Text is the title and body as one string, the input to extraction and text
// features.
func (d *Document) Text() string {
	if d.Title == "" {
		return d.Body
	}
	if d.Body == "" {
		return d.Title
	}
	return d.Title + "\n\n" + d.Body
}

// HeadlineRunes is the longest headline Headline returns, in characters.
const HeadlineRunes = 120

// Headline is what a list shows for the document: its title, or, for the
// many advisories that carry only a description, the description's first
// line up to its first sentence end (". "), at most HeadlineRunes
// characters (longer ones end in "…"). The workspace computes the same in
// SQL for its triage queue (workspace.HeadlineSQL); the two must agree.
func (d *Document) Headline() string {
	if d.Title != "" {
		return d.Title
	}
	line := d.Body
	if i := strings.IndexByte(line, '\n'); i >= 0 {
		line = line[:i]
	}
	line = strings.TrimRight(line, " \r")
	if i := strings.Index(line, ". "); i >= 0 {
		line = line[:i+1]
	}
	h := strings.Trim(line, " ")
	if utf8.RuneCountInString(h) <= HeadlineRunes {
		return h
	}
	n := 0
	for i := range h {
		if n == HeadlineRunes-1 {
			return h[:i] + "…"
		}
		n++
	}
	return h
}

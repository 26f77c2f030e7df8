package api

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// problem is every error the service answers, as a JSON object: what is
// wrong in words (never a Go type or an internal error), and where in the
// body when it is one line or element of it.
type problem struct {
	Error   string `json:"error"`
	Line    int    `json:"line,omitempty"`
	Pointer string `json:"pointer,omitempty"`
	// Status is set on a line of a streamed answer whose error would
	// have been this status had it come first (413 for a line too long).
	Status int `json:"status,omitempty"`
	// Failed counts the documents that failed, when a batch is refused.
	Failed int `json:"failed,omitempty"`
}

// writeError answers status with the problem as JSON.
func writeError(w http.ResponseWriter, status int, p problem) {
	p.Status = 0 // the status line says it
	b := appendProblem(nil, p)
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(b)
}

// appendProblem writes the problem as one JSON line.
func appendProblem(dst []byte, p problem) []byte {
	b, _ := json.Marshal(p) // strings and ints always encode
	return append(append(dst, b...), '\n')
}

// writeJSON answers status with v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeError(w, http.StatusInternalServerError, problem{Error: "the answer could not be written"})
		return
	}
	b = append(b, '\n')
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	w.Write(b)
}

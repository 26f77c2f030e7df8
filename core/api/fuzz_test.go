package api_test

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/cyberstreams/cyberstreams/core/api"
)

// FuzzRequestDecoding: whatever the body and whichever Content-Type, the
// answer is one of the statuses the route declares; an error is one JSON
// object in words; a 200 is one record (single document) or lines each of
// which is a record or an error; nothing names a Go type.
func FuzzRequestDecoding(f *testing.F) {
	for _, seed := range []string{
		goodDoc, goodDoc + "\n" + goodDoc, `{"id":"b","text":`, "{\"id\":\"b\",\"text\":}\n" + goodDoc, "[1,2]", `"x"`, "", "\n\n",
		"plain text naming CVE-2024-3094", "{}", `{"id":"c","summary":"s","details":"d","aliases":"CVE-2024-1","cwes":[79]}`,
		strings.Repeat("z", 300) + "\n" + goodDoc,
	} {
		for kind := range uint8(5) {
			f.Add(kind, []byte(seed))
		}
	}
	types := []string{"application/json", "application/x-ndjson", "text/plain", "", "application/octet-stream"}
	// Small limits, so that the fuzzer reaches them.
	h := api.NewServer(scorer(f, 0), api.Config{MaxDocumentBytes: 256, MaxRequestBytes: 4096})
	f.Fuzz(func(t *testing.T, kind uint8, body []byte) {
		ct := types[int(kind)%len(types)]
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("POST", "/v1/score?explain=2", bytes.NewReader(body))
		if ct != "" {
			req.Header.Set("Content-Type", ct)
		}
		h.ServeHTTP(rec, req)
		if !slices.Contains([]int{200, 400, 413}, rec.Code) {
			t.Fatalf("%s: status %d: %s", ct, rec.Code, rec.Body)
		}
		out := rec.Body.String()
		for _, leak := range leaks {
			if strings.Contains(out, leak) {
				t.Fatalf("%s: answer shows internals (%q): %s", ct, leak, out)
			}
		}
		if rec.Code != 200 {
			var p map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || p["error"] == nil {
				t.Fatalf("%s: error answer %q is not a JSON error (%v)", ct, out, err)
			}
			return
		}
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		if (ct == "application/json" || ct == "text/plain") && len(lines) != 1 {
			t.Fatalf("%s: a single document answered %d lines", ct, len(lines))
		}
		for _, line := range lines {
			if line == "" && len(lines) == 1 {
				continue // a file of no documents
			}
			if !strings.HasPrefix(line, `{"id":`) && !strings.HasPrefix(line, `{"error":`) {
				t.Fatalf("%s: answer line is neither a record nor an error: %q", ct, line)
			}
		}
	})
}

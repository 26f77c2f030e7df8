package api

import (
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestOpenAPIMatchesHandlers: /openapi.json names exactly the routes the
// server answers, each with its method, the request media types it takes
// and every status it can answer (TestStatuses checks the other way: each
// status a handler gave is declared).
func TestOpenAPIMatchesHandlers(t *testing.T) {
	var spec struct {
		OpenAPI string `json:"openapi"`
		Paths   map[string]map[string]struct {
			RequestBody *struct {
				Content map[string]any `json:"content"`
			} `json:"requestBody"`
			Responses map[string]any `json:"responses"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(OpenAPI(), &spec); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	if !strings.HasPrefix(spec.OpenAPI, "3.1.") {
		t.Fatalf("openapi %q, want 3.1.x", spec.OpenAPI)
	}
	s := New(nil)
	var paths []string
	for _, rt := range s.routes {
		paths = append(paths, rt.path)
		ops, ok := spec.Paths[rt.path]
		if !ok {
			t.Errorf("%s is served but not described", rt.path)
			continue
		}
		if got := slices.Sorted(maps.Keys(ops)); !slices.Equal(got, []string{strings.ToLower(rt.method)}) {
			t.Errorf("%s: described methods %v, served %s", rt.path, got, rt.method)
		}
		op := ops[strings.ToLower(rt.method)]
		var types []string
		if op.RequestBody != nil {
			types = slices.Sorted(maps.Keys(op.RequestBody.Content))
		}
		if want := slices.Sorted(slices.Values(rt.accepts)); !slices.Equal(types, want) {
			t.Errorf("%s: described request types %v, taken %v", rt.path, types, want)
		}
		var codes []int
		for k := range op.Responses {
			c, err := strconv.Atoi(k)
			if err != nil {
				t.Fatalf("%s: response %q", rt.path, k)
			}
			codes = append(codes, c)
		}
		slices.Sort(codes)
		if want := slices.Sorted(slices.Values(rt.statuses)); !slices.Equal(codes, want) {
			t.Errorf("%s: described statuses %v, answered %v", rt.path, codes, want)
		}
	}
	for p := range spec.Paths {
		if !slices.Contains(paths, p) {
			t.Errorf("%s is described but not served", p)
		}
	}
}

package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestReportCommand(t *testing.T) {
	dir := seedWorkspace(t)
	if r := runCLI(t, dir, "", "report"); r.Code != 0 || !strings.Contains(r.Out, "no labels or scores yet") {
		t.Fatalf("empty report: exit %d %q", r.Code, r.Out)
	}
	in := `{"doc_id":"doc-00001","severity":"high","analyst":"ana","created_at":"2024-03-05T10:00:00Z"}
{"doc_id":"doc-00002","severity":"low","analyst":"ana","created_at":"2024-03-06T10:00:00Z"}
`
	if r := runCLI(t, dir, in, "label", "import", "-"); r.Code != 0 {
		t.Fatalf("label import: %d %s", r.Code, r.Err)
	}
	r := runCLI(t, dir, "", "report", "--weeks", "2", "--json")
	var got struct {
		Weeks []struct {
			Week   string
			Labels int
		}
	}
	if r.Code != 0 || json.Unmarshal([]byte(r.Out), &got) != nil {
		t.Fatalf("report --json: exit %d %s %s", r.Code, r.Out, r.Err)
	}
	if len(got.Weeks) != 2 || got.Weeks[1].Week != "2024-W10" || got.Weeks[1].Labels != 2 || got.Weeks[0].Labels != 0 {
		t.Fatalf("weeks %+v", got.Weeks)
	}
	if r := runCLI(t, dir, "", "report"); r.Code != 0 || !strings.Contains(r.Out, "2024-W10") {
		t.Fatalf("report table: %d\n%s", r.Code, r.Out)
	}
}

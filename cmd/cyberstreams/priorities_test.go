package main

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
)

const prioritiesInput = `{"id":"CVE-2024-0001","title":"Microsoft Windows remote code execution","text":"A remote code execution vulnerability in Microsoft Windows is exploited in the wild.","vendors":["Microsoft"],"published":"2024-08-01T00:00:00Z","cvss_vector":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H","cvss_score":9.8}
{"id":"GHSA-aaaa-bbbb-cccc","title":"Typo in the help text of a command-line tool","text":"The help text misspells a flag name.","published":"2024-08-01T00:00:00Z"}
{"id":"CVE-2024-0003","title":"Cross-site scripting in a blog plugin","text":"A stored XSS lets an editor inject script into posts.","published":"2024-08-01T00:00:00Z"}
`

// priorities lists documents by patch priority, highest first, each with
// an exploitation likelihood whose reasons add up to its log-odds.
func TestPrioritiesRanksByExpectedHarm(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want int
	}{
		{"all", nil, 3},
		{"top 2", []string{"--top", "2"}, 2},
		{"30 days", []string{"--horizon", "30"}, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"priorities", "-", "--output", "jsonl", "--explain", "3"}, tc.args...)
			r := runCLI(t, t.TempDir(), prioritiesInput, args...)
			if r.Code != 0 {
				t.Fatalf("exit %d: %s", r.Code, r.Err)
			}
			lines := strings.Split(strings.TrimSpace(r.Out), "\n")
			if len(lines) != tc.want {
				t.Fatalf("%d records, want %d:\n%s", len(lines), tc.want, r.Out)
			}
			prev := math.Inf(1)
			for _, l := range lines {
				var rec struct {
					Exploitation struct {
						Probability, Priority, Base, Omitted float64
						HorizonDays                          int `json:"horizon_days"`
						Reasons                              []struct{ SHAP float64 }
					}
				}
				if err := json.Unmarshal([]byte(l), &rec); err != nil {
					t.Fatal(err)
				}
				e := rec.Exploitation
				if e.Priority > prev {
					t.Fatalf("priority %v after %v: not ranked", e.Priority, prev)
				}
				prev = e.Priority
				if e.Probability <= 0 || e.Probability >= 1 || e.Priority < 0 || e.Priority > 10 || e.HorizonDays == 0 {
					t.Fatalf("exploitation %+v", e)
				}
				sum := e.Base + e.Omitted
				for _, c := range e.Reasons {
					sum += c.SHAP
				}
				if logit := math.Log(e.Probability / (1 - e.Probability)); math.Abs(sum-logit) > 1e-6 {
					t.Fatalf("reasons add up to %v, logit %v", sum, logit)
				}
			}
		})
	}
	if r := runCLI(t, t.TempDir(), prioritiesInput, "priorities", "-", "--horizon", "45"); r.Code != 2 {
		t.Fatalf("--horizon 45: exit %d, want 2 (usage): %s", r.Code, r.Err)
	}
}

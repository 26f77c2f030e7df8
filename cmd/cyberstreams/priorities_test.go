package main

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
)

const prioritiesInput = `{"id":"CVE-2024-0001","title":"Microsoft Windows remote code execution","text":"A remote code execution vulnerability in Microsoft Windows is exploited in the wild.","vendors":["Microsoft"],"published":"2024-08-01T00:00:00Z","cvss_vector":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H","cvss_score":9.8}
{"id":"GHSA-aaaa-bbbb-cccc","aliases":["CVE-2024-0002"],"title":"Typo in the help text of a command-line tool","text":"The help text misspells a flag name.","published":"2024-08-01T00:00:00Z"}
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

// A document that names no CVE has no likelihood (KEV lists only CVEs): in
// every output it says so instead of a probability, and priorities lists
// it after the documents with one, whatever its severity.
func TestPrioritiesNoCVE(t *testing.T) {
	const input = `{"id":"GHSA-zzzz-yyyy-xxxx","title":"Remote code execution in a web framework","text":"An unauthenticated remote attacker can execute arbitrary commands as root.","published":"2024-08-01T00:00:00Z"}
{"id":"CVE-2024-0003","title":"Cross-site scripting in a blog plugin","text":"A stored XSS lets an editor inject script into posts.","published":"2024-08-01T00:00:00Z"}
`
	r := runCLI(t, t.TempDir(), input, "priorities", "-", "--output", "jsonl")
	lines := strings.Split(strings.TrimSpace(r.Out), "\n")
	if r.Code != 0 || len(lines) != 2 {
		t.Fatalf("exit %d, %d records: %s%s", r.Code, len(lines), r.Out, r.Err)
	}
	if !strings.Contains(lines[0], `"id":"CVE-2024-0003"`) || !strings.Contains(lines[1], `"no_cve":true`) ||
		strings.Contains(lines[1], `"probability"`) || strings.Contains(lines[1], `"priority"`) {
		t.Fatalf("records:\n%s", r.Out)
	}
	r = runCLI(t, t.TempDir(), input, "priorities", "-", "--output", "csv")
	rows := strings.Split(strings.TrimSpace(r.Out), "\n")
	if r.Code != 0 || len(rows) != 3 || !strings.HasPrefix(rows[2], "GHSA-zzzz-yyyy-xxxx,") || !strings.HasSuffix(rows[2], ",,30,") {
		t.Fatalf("exit %d, csv:\n%s", r.Code, r.Out)
	}
	r = runCLI(t, t.TempDir(), input, "score", "-", "--output", "table")
	for _, l := range strings.Split(r.Out, "\n") {
		if strings.Contains(l, "GHSA-zzzz-yyyy-xxxx") && !strings.Contains(l, "no CVE") {
			t.Fatalf("table row %q does not say it names no CVE", l)
		}
	}
	if r.Code != 0 || !strings.Contains(r.Out, "GHSA-zzzz-yyyy-xxxx") {
		t.Fatalf("exit %d, table:\n%s", r.Code, r.Out)
	}
}

package queue

import (
	"fmt"
	"testing"

	"github.com/cyberstreams/cyberstreams/core/triage"
)

func TestPresets(t *testing.T) {
	many := make([]string, 20)
	for i := range many {
		many[i] = fmt.Sprintf("src%02d", i)
	}
	for _, tc := range []struct {
		name        string
		sources     []string
		wantSources int
	}{
		{"no sources", nil, 0},
		{"a few sources each get one", []string{"nvd", "kev"}, 2},
		{"a big workspace gets the first twelve", many, maxSourcePresets},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ps := Presets(tc.sources)
			if len(ps) != 3+5+tc.wantSources+3 {
				t.Fatalf("%d presets: %+v", len(ps), ps)
			}
			if ps[0].Name != "" || ps[0].Filter != (triage.Filter{}) {
				t.Fatalf("the first preset filters: %+v", ps[0])
			}
			if ps[2].Name != "novel" || ps[2].Filter != (triage.Filter{Novel: true}) {
				t.Fatalf("third preset %+v", ps[2])
			}
			if ps[3].Name != "model critical" || ps[3].Filter.Severity != "critical" {
				t.Fatalf("fourth preset %+v", ps[3])
			}
			if tc.wantSources > 0 && ps[8].Filter.Source != tc.sources[0] {
				t.Fatalf("the first source preset %+v", ps[8])
			}
			if c := ps[len(ps)-2]; c.Filter.Label != triage.OnlyCorrected {
				t.Fatalf("the preset before the last %+v", c)
			}
			if last := ps[len(ps)-1]; last.Name != "contested" || last.Filter != (triage.Filter{Contested: true}) {
				t.Fatalf("last preset %+v", last)
			}
		})
	}
}

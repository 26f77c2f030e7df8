package techniques

import (
	"context"

	"github.com/cyberstreams/cyberstreams/core/ingest"
)

// Tagged is one document's techniques, or why it could not be read.
type Tagged struct {
	ID     string `json:"id"`
	Title  string `json:"title,omitempty"`
	Source string `json:"source,omitempty"`
	DocumentTags
	Failure *ingest.Failure `json:"-"`
}

// TagStream reads documents from paths as ingest reads them and tags each
// one (title and body), in input order, on the ingest workers. A record
// that cannot be read arrives with Failure set; the others continue.
func TagStream(ctx context.Context, m *Model, paths []string, opts ingest.Options, sentences bool, deliver func(Tagged) error) error {
	opts.SkipMeta, opts.SkipHash = true, true
	opts.Extract = func(string) map[string][]string { return nil }
	return ingest.Map(ctx, paths, opts, func(r *ingest.Record) Tagged {
		if r.Err != nil {
			f := r.Failure()
			return Tagged{Failure: &f}
		}
		d := &r.Doc
		return Tagged{ID: d.ID, Title: d.Title, Source: d.Source, DocumentTags: m.Tag(d.Text(), sentences)}
	}, deliver)
}

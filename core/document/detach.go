package document

import "strings"

// Detach returns d without Meta, every string copied out of the memory it
// shares. The readers cut a document's strings out of their read blocks
// (core/ingest), and extracted entities may point into its text, so a
// document kept for long (a training set held in memory) would keep every
// block it came from alive, the records' other fields with it. Meta is
// dropped rather than copied: it is the raw record's remaining fields,
// which what keeps documents never reads.
func (d *Document) Detach() Document {
	out := Document{
		ID: strings.Clone(d.ID), Title: strings.Clone(d.Title), Body: strings.Clone(d.Body),
		Source: strings.Clone(d.Source), Published: d.Published, Format: strings.Clone(d.Format),
		Aliases: cloneStrings(d.Aliases), CWEs: cloneStrings(d.CWEs), Ecosystem: strings.Clone(d.Ecosystem),
		Packages: cloneStrings(d.Packages), Vendors: cloneStrings(d.Vendors), References: cloneStrings(d.References),
		Assigner: strings.Clone(d.Assigner), Severity: strings.Clone(d.Severity), ContentHash: strings.Clone(d.ContentHash),
	}
	if d.Entities != nil {
		out.Entities = make(map[string][]string, len(d.Entities))
		for typ, vals := range d.Entities {
			out.Entities[strings.Clone(typ)] = cloneStrings(vals)
		}
	}
	return out
}

func cloneStrings(s []string) []string {
	if s == nil {
		return nil
	}
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = strings.Clone(v)
	}
	return out
}

package scoring

import (
	"bytes"
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/cyberstreams/cyberstreams/core/document"
)

// AppendJSONL appends r as one compact JSON line with a trailing newline:
// the `score --output jsonl` record. The bytes are exactly what
// encoding/json's Encoder writes with HTML escaping off (field order,
// omitempty, sorted entity keys, ES6 number format, string escapes), but
// without reflection or per-record buffers. A value encoding/json cannot
// write (a non-finite number, a year outside 0–9999) gets encoding/json's
// own error.
func (r *Result) AppendJSONL(dst []byte) ([]byte, error) {
	if !r.encodable() {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(r); err != nil {
			return dst, err
		}
		return append(dst, b.Bytes()...), nil
	}
	b := append(dst, `{"id":`...)
	b = appendString(b, r.ID)
	b = append(b, `,"title":`...)
	b = appendString(b, r.Title)
	b = append(b, `,"source":`...)
	b = appendString(b, r.Source)
	b = append(b, `,"published":`...)
	if r.Published == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '"')
		b = r.Published.AppendFormat(b, time.RFC3339Nano)
		b = append(b, '"')
	}
	b = append(b, `,"severity":`...)
	b = appendString(b, r.Severity)
	b = append(b, `,"probabilities":`...)
	b = r.Probabilities.appendJSON(b)
	b = append(b, `,"confidence":`...)
	b = appendFloat(b, r.Confidence)
	b = append(b, `,"margin":`...)
	b = appendFloat(b, r.Margin)
	b = append(b, `,"novelty":`...)
	b = appendFloat(b, r.Novelty)
	b = append(b, `,"novel":`...)
	b = strconv.AppendBool(b, r.Novel)
	if ex := r.Explanation; ex != nil {
		b = append(b, `,"explanation":{`...)
		if ex.Summary != "" {
			b = append(b, `"summary":`...)
			b = appendString(b, ex.Summary)
			b = append(b, ',')
		}
		b = append(b, `"class":`...)
		b = appendString(b, ex.Class)
		b = append(b, `,"base":`...)
		b = appendFloat(b, ex.Base)
		b = append(b, `,"margin":`...)
		b = appendFloat(b, ex.Margin)
		b = append(b, `,"contributions":`...)
		if ex.Contributions == nil {
			b = append(b, "null"...)
		} else {
			b = append(b, '[')
			for i, c := range ex.Contributions {
				if i > 0 {
					b = append(b, ',')
				}
				b = append(b, `{"feature":`...)
				b = appendString(b, c.Feature)
				b = append(b, `,"value":`...)
				b = appendFloat(b, c.Value)
				b = append(b, `,"shap":`...)
				b = appendFloat(b, c.SHAP)
				b = append(b, '}')
			}
			b = append(b, ']')
		}
		if ex.Omitted != 0 {
			b = append(b, `,"omitted":`...)
			b = appendFloat(b, ex.Omitted)
		}
		if len(ex.Reasons) > 0 {
			b = append(b, `,"reasons":[`...)
			for i, r := range ex.Reasons {
				if i > 0 {
					b = append(b, ',')
				}
				b = append(b, `{"text":`...)
				b = appendString(b, r.Text)
				b = append(b, `,"shap":`...)
				b = appendFloat(b, r.SHAP)
				b = append(b, `,"features":`...)
				if r.Features == nil {
					b = append(b, "null"...)
				} else {
					b = append(b, '[')
					for j, f := range r.Features {
						if j > 0 {
							b = append(b, ',')
						}
						b = appendString(b, f)
					}
					b = append(b, ']')
				}
				b = append(b, '}')
			}
			b = append(b, ']')
		}
		if ex.Coverage != 0 {
			b = append(b, `,"coverage":`...)
			b = appendFloat(b, ex.Coverage)
		}
		b = appendStrings(b, `,"novelty_drivers":[`, ex.NoveltyDrivers)
		b = appendStrings(b, `,"novelty_reasons":[`, ex.NoveltyReasons)
		b = append(b, '}')
	}
	b = append(b, `,"entities":`...)
	b = appendEntities(b, r.Entities)
	b = append(b, `,"model":`...)
	b = appendString(b, r.Model)
	if r.MetaOnly {
		b = append(b, `,"meta_only":true`...)
	}
	var err error
	if r.Exploitation != nil {
		if b, err = appendJSONField(b, "exploitation", r.Exploitation); err != nil {
			return dst, err
		}
	}
	if len(r.Techniques) > 0 {
		if b, err = appendJSONField(b, "techniques", r.Techniques); err != nil {
			return dst, err
		}
	}
	return append(b, '}', '\n'), nil
}

// encodable reports whether every number is finite and the publication
// year fits RFC 3339, the cases where encoding/json succeeds.
func (r *Result) encodable() bool {
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	for _, p := range r.Probabilities {
		// Probabilities are rounded before writing; rounding can overflow.
		if !finite(math.Round(p*1e6) / 1e6) {
			return false
		}
	}
	if !finite(r.Confidence) || !finite(r.Margin) || !finite(r.Novelty) {
		return false
	}
	if r.Published != nil {
		if y := r.Published.Year(); y < 0 || y > 9999 {
			return false
		}
		if _, off := r.Published.Zone(); off <= -24*3600 || off >= 24*3600 {
			return false
		}
	}
	if ex := r.Explanation; ex != nil {
		if !finite(ex.Base) || !finite(ex.Margin) || !finite(ex.Omitted) || !finite(ex.Coverage) {
			return false
		}
		for _, r := range ex.Reasons {
			if !finite(r.SHAP) {
				return false
			}
		}
		for _, c := range ex.Contributions {
			if !finite(c.Value) || !finite(c.SHAP) {
				return false
			}
		}
	}
	return true
}

// appendJSON writes {"critical":…, …} in class order, each probability
// rounded to six decimals.
func (p *Probabilities) appendJSON(b []byte) []byte {
	b = append(b, '{')
	for i, name := range document.Severities {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, name)
		b = append(b, ':')
		b = appendFloat(b, math.Round(p[i]*1e6)/1e6)
	}
	return append(b, '}')
}

// appendEntities writes the entity map with keys sorted, as encoding/json
// writes maps.
func appendEntities(b []byte, m map[string][]string) []byte {
	if m == nil {
		return append(b, "null"...)
	}
	var small [16]string
	keys := small[:0]
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, k)
		b = append(b, ':')
		vs := m[k]
		if vs == nil {
			b = append(b, "null"...)
			continue
		}
		b = append(b, '[')
		for j, v := range vs {
			if j > 0 {
				b = append(b, ',')
			}
			b = appendString(b, v)
		}
		b = append(b, ']')
	}
	return append(b, '}')
}

// appendFloat formats a finite float64 as encoding/json does: the shortest
// representation, as ES6 number-to-string (exponent form below 1e-6 and
// from 1e21 on, exponent without zero padding).
func appendFloat(b []byte, f float64) []byte {
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// clean up e-09 to e-9
		n := len(b)
		if n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

const hexDigits = "0123456789abcdef"

// appendString writes s as a JSON string the way encoding/json does with
// HTML escaping off: control characters escaped (\b \f \n \r \t by name,
// others as \u00XX), invalid UTF-8 replaced by \ufffd, and U+2028/U+2029
// escaped for JSONP safety.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendStrings appends key (which opens the array) and the strings, or
// nothing for none (omitempty).
func appendStrings(b []byte, key string, ss []string) []byte {
	if len(ss) == 0 {
		return b
	}
	b = append(b, key...)
	for i, d := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, d)
	}
	return append(b, ']')
}

// appendJSONField appends ,"name":v to b, v written by encoding/json
// itself (small objects, HTML left unescaped).
func appendJSONField(b []byte, name string, v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return b, err
	}
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, '"', ':')
	return append(b, bytes.TrimSuffix(buf.Bytes(), []byte{'\n'})...), nil
}

package neo4j

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// ParseParams turns --param key=value flags into Cypher parameters, so that
// values reach the server as parameters and never inside the query text.
// The key must be a plain parameter name (letters, digits, underscore; not
// starting with a digit) and may be given once. The value is typed as a
// JSON reader would type it: true and false are booleans; a number written
// as JSON writes numbers is an integer (when it has no fraction or exponent
// and fits 64 bits) or a finite float; anything else is a string, so ids
// such as 007, +1, 0x1f, NaN or Inf keep their text. A value in double
// quotes is a JSON string ("42" is the string 42).
func ParseParams(flags []string) (map[string]any, error) {
	out := make(map[string]any, len(flags))
	for _, p := range flags {
		k, v, ok := strings.Cut(p, "=")
		if !ok {
			return nil, fmt.Errorf("--param %q: want key=value", p)
		}
		if !paramName(k) {
			return nil, fmt.Errorf("--param %q: %q is not a parameter name (letters, digits and _, not starting with a digit; no $)", p, k)
		}
		if _, dup := out[k]; dup {
			return nil, fmt.Errorf("--param %q: %s is given twice", p, k)
		}
		val, err := paramValue(v)
		if err != nil {
			return nil, fmt.Errorf("--param %q: %w", p, err)
		}
		out[k] = val
	}
	return out, nil
}

func paramName(k string) bool {
	if k == "" {
		return false
	}
	for i, r := range k {
		switch {
		case r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z':
		case r >= '0' && r <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

func paramValue(v string) (any, error) {
	switch {
	case v == "true" || v == "false":
		return v == "true", nil
	case len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"':
		var s string
		if err := json.Unmarshal([]byte(v), &s); err != nil {
			return nil, fmt.Errorf("quoted value is not a JSON string: %w", err)
		}
		return s, nil
	}
	integer, ok := jsonNumber(v)
	if !ok {
		return v, nil
	}
	if integer {
		if i, err := strconv.ParseInt(v, 10, 64); err == nil {
			return i, nil
		}
	}
	if f, err := strconv.ParseFloat(v, 64); err == nil && !math.IsInf(f, 0) {
		return f, nil
	}
	return v, nil // a number too large for a float stays its text
}

// jsonNumber reports whether v is a number in JSON's grammar (RFC 8259 §6)
// and whether it is an integer (no fraction, no exponent).
func jsonNumber(v string) (integer, ok bool) {
	i := 0
	if i < len(v) && v[i] == '-' {
		i++
	}
	digits := func() int {
		s := i
		for i < len(v) && v[i] >= '0' && v[i] <= '9' {
			i++
		}
		return i - s
	}
	switch {
	case i < len(v) && v[i] == '0':
		i++
	case digits() == 0:
		return false, false
	}
	integer = true
	if i < len(v) && v[i] == '.' {
		i++
		if digits() == 0 {
			return false, false
		}
		integer = false
	}
	if i < len(v) && (v[i] == 'e' || v[i] == 'E') {
		i++
		if i < len(v) && (v[i] == '+' || v[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false, false
		}
		integer = false
	}
	return integer, i == len(v)
}

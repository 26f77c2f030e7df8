package neo4j

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ErrRefusedCypher is returned for analyst Cypher that a read transaction
// would still let do harm: LOAD CSV reads files and URLs, and procedures
// (apoc.load.*, dbms.*) read files, call out, or change settings whatever
// the transaction's access mode.
var ErrRefusedCypher = errors.New("refused")

// ReadOnlyProcedures are the procedures an analyst's Cypher may CALL: they
// read the graph's schema or its full-text indexes and nothing else.
var ReadOnlyProcedures = []string{
	"db.labels", "db.relationshipTypes", "db.propertyKeys",
	"db.schema.visualization", "db.schema.nodeTypeProperties", "db.schema.relTypeProperties",
	"db.index.fulltext.queryNodes", "db.index.fulltext.queryRelationships",
	"db.info", "db.ping", "dbms.components",
}

// CheckReadOnlyCypher refuses Cypher that holds LOAD CSV, a USE clause, or
// a CALL of a procedure outside ReadOnlyProcedures. It reads the query
// the way Cypher's lexer does — strings, backquoted names and comments
// are skipped, keywords match in any case — and it is conservative: a
// word LOAD or USE anywhere a keyword could stand is refused, and a query
// it cannot read (an unterminated string or comment) is refused too.
// CALL { … } and CALL (…) { … } subqueries are allowed; the read
// transaction refuses their writes.
func CheckReadOnlyCypher(q string) error {
	toks, err := cypherTokens(q)
	if err != nil {
		return fmt.Errorf("cypher %w: %v", ErrRefusedCypher, err)
	}
	for i, t := range toks {
		if t.kind != tokWord || !keywordPosition(toks, i) {
			continue
		}
		switch strings.ToUpper(t.text) {
		case "LOAD":
			return fmt.Errorf("cypher %w: LOAD CSV reads files and URLs; query the graph instead", ErrRefusedCypher)
		case "USE":
			return fmt.Errorf("cypher %w: USE switches databases; queries run on the graph's database", ErrRefusedCypher)
		case "CALL":
			if err := checkCall(toks[i+1:]); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkCall checks what follows a CALL: a subquery, or a procedure name.
func checkCall(rest []token) error {
	if len(rest) == 0 {
		return fmt.Errorf("cypher %w: CALL of nothing", ErrRefusedCypher)
	}
	if rest[0].kind == tokPunct && (rest[0].text == "{" || rest[0].text == "(") {
		return nil
	}
	var parts []string
	for j := 0; j < len(rest); j += 2 {
		if rest[j].kind != tokWord && rest[j].kind != tokQuotedName {
			break
		}
		parts = append(parts, rest[j].text)
		if j+1 >= len(rest) || rest[j+1].kind != tokPunct || rest[j+1].text != "." {
			break
		}
	}
	name := strings.Join(parts, ".")
	for _, p := range ReadOnlyProcedures {
		// Procedure names are case-sensitive in Neo4j; a name that differs
		// only in case is either the same procedure or none.
		if strings.EqualFold(p, name) {
			return nil
		}
	}
	return fmt.Errorf("cypher %w: CALL %s is not a read-only procedure (allowed: %s)",
		ErrRefusedCypher, name, strings.Join(ReadOnlyProcedures, ", "))
}

type tokKind int

const (
	tokWord       tokKind = iota // identifier or keyword
	tokQuotedName                // `backquoted name`
	tokString                    // 'string' or "string"
	tokNumber
	tokPunct // one character
)

type token struct {
	kind tokKind
	text string
}

// keywordPosition reports whether the word at i could be a keyword: not a
// property (after '.'), a label or type (after ':'), a parameter (after
// '$'), or a map key (before ':'; LOAD, USE and CALL never stand there).
func keywordPosition(toks []token, i int) bool {
	if i > 0 && toks[i-1].kind == tokPunct && slices.Contains([]string{".", ":", "$"}, toks[i-1].text) {
		return false
	}
	return i+1 >= len(toks) || toks[i+1].kind != tokPunct || toks[i+1].text != ":"
}

// cypherTokens splits q into tokens, skipping whitespace and comments.
func cypherTokens(q string) ([]token, error) {
	var toks []token
	for i := 0; i < len(q); {
		r, size := utf8.DecodeRuneInString(q[i:])
		switch {
		case unicode.IsSpace(r):
			i += size
		case strings.HasPrefix(q[i:], "//"):
			end := strings.IndexAny(q[i:], "\n\r")
			if end < 0 {
				return toks, nil
			}
			i += end
		case strings.HasPrefix(q[i:], "/*"):
			end := strings.Index(q[i+2:], "*/")
			if end < 0 {
				return nil, errors.New("unterminated /* comment")
			}
			i += 2 + end + 2
		case r == '\'' || r == '"':
			j, err := skipString(q, i)
			if err != nil {
				return nil, err
			}
			toks = append(toks, token{tokString, q[i:j]})
			i = j
		case r == '`':
			name, j, err := quotedName(q, i)
			if err != nil {
				return nil, err
			}
			toks = append(toks, token{tokQuotedName, name})
			i = j
		case r == '_' || unicode.IsLetter(r):
			j := i
			for j < len(q) {
				c, n := utf8.DecodeRuneInString(q[j:])
				if c != '_' && !unicode.IsLetter(c) && !unicode.IsDigit(c) {
					break
				}
				j += n
			}
			toks = append(toks, token{tokWord, q[i:j]})
			i = j
		case unicode.IsDigit(r):
			j := i
			for j < len(q) && (q[j] == '_' || q[j] == '.' && j+1 < len(q) && q[j+1] >= '0' && q[j+1] <= '9' ||
				q[j] >= '0' && q[j] <= '9' || q[j] >= 'a' && q[j] <= 'z' || q[j] >= 'A' && q[j] <= 'Z') {
				j++
			}
			toks = append(toks, token{tokNumber, q[i:j]})
			i = j
		default:
			toks = append(toks, token{tokPunct, q[i : i+size]})
			i += size
		}
	}
	return toks, nil
}

// skipString returns the end of the string literal starting at i; a
// backslash escapes the next character.
func skipString(q string, i int) (int, error) {
	quote := q[i]
	for j := i + 1; j < len(q); j++ {
		switch q[j] {
		case '\\':
			j++
		case quote:
			return j + 1, nil
		}
	}
	return 0, errors.New("unterminated string")
}

// quotedName reads the `backquoted name` starting at i, where “ stands
// for one backquote.
func quotedName(q string, i int) (string, int, error) {
	var b strings.Builder
	for j := i + 1; j < len(q); j++ {
		if q[j] != '`' {
			b.WriteByte(q[j])
			continue
		}
		if j+1 < len(q) && q[j+1] == '`' {
			b.WriteByte('`')
			j++
			continue
		}
		return b.String(), j + 1, nil
	}
	return "", 0, errors.New("unterminated `name`")
}

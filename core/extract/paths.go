package extract

import "strings"

// Windows registry keys and file paths are taken as written: there is nothing
// to refang in them, and their case is not significant to Windows but is
// often significant to the reader.

var registryRoots = []string{
	"HKEY_LOCAL_MACHINE", "HKEY_CURRENT_USER", "HKEY_CLASSES_ROOT", "HKEY_USERS", "HKEY_CURRENT_CONFIG",
	"HKLM", "HKCU", "HKCR", "HKCC", "HKU",
}

// unixRoots are the top-level directories that make "/x/y" a file path
// rather than prose like "and/or" or a URL path.
var unixRoots = []string{
	"etc", "tmp", "var", "usr", "home", "bin", "sbin", "opt", "dev", "proc", "lib", "lib64",
	"root", "mnt", "srv", "boot", "run", "sys", "Library", "Users", "Applications", "System",
	"private", "Volumes",
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && equalFoldASCII(s[:len(prefix)], prefix)
}

// pathStart finds where a file path or registry key begins in text[s:e].
func (r *run) pathStart(s, e int) (int, kind) {
	t := r.text[:e]
	if strings.IndexByte(t[s:], '\\') < 0 {
		return unixPathStart(t, s)
	}
	for p := s; p < e; p++ {
		c := t[p]
		atStart := p == s || t[p-1] == '=' || t[p-1] == ':' || t[p-1] == '('
		switch {
		case isLetter(c) && p+3 < e && t[p+1] == ':' && t[p+2] == '\\' && (p == s || !isAlnum(t[p-1])):
			return p, kFilePath
		case atStart && (c == 'H' || c == 'h'):
			for _, root := range registryRoots {
				if hasPrefixFold(t[p:], root) {
					q := p + len(root)
					if q < e && t[q] == ':' {
						q++
					}
					if q+1 < e && t[q] == '\\' && t[q+1] != '\\' {
						return p, kRegistryKey
					}
					break
				}
			}
		case c == '%' && atStart:
			q := p + 1
			for q < e && (isAlnum(t[q]) || t[q] == '_' || t[q] == '(' || t[q] == ')') {
				q++
			}
			if q > p+1 && q+2 < e && t[q] == '%' && t[q+1] == '\\' {
				return p, kFilePath
			}
		case c == '\\' && p == s:
			// "\\x90\\x90" is escaped shellcode, not a UNC path.
			if p+3 < e && t[p+1] == '\\' && isAlnum(t[p+2]) &&
				!(t[p+2] == 'x' && p+4 < e && isHex(t[p+3]) && isHex(t[p+4])) {
				return p, kFilePath
			}
		case c == '~' && p == s:
			if p+2 < e && t[p+1] == '/' {
				return p, kFilePath
			}
		case c == '/' && atStart && (p == s || t[p-1] != ':' || p+1 >= e || t[p+1] != '/'):
			if unixRootAt(t, p) {
				return p, kFilePath
			}
		}
	}
	return -1, 0
}

// unixPathStart is pathStart for a span t[s:] with no backslash, where only
// "~/" at the start and a Unix root after the start, '=', ':' or '(' can
// begin a path; it visits the slashes only.
func unixPathStart(t string, s int) (int, kind) {
	e := len(t)
	if t[s] == '~' {
		if s+2 < e && t[s+1] == '/' {
			return s, kFilePath
		}
	}
	for p := s; p < e; p++ {
		k := strings.IndexByte(t[p:], '/')
		if k < 0 {
			break
		}
		p += k
		atStart := p == s || t[p-1] == '=' || t[p-1] == ':' || t[p-1] == '('
		if atStart && (p == s || t[p-1] != ':' || p+1 >= e || t[p+1] != '/') && unixRootAt(t, p) {
			return p, kFilePath
		}
	}
	return -1, 0
}

// unixRootAt reports whether the '/' at t[p] begins "/root/…" for one of
// unixRoots.
func unixRootAt(t string, p int) bool {
	e := len(t)
	q := p + 1
	for q < e && t[q] != '/' {
		q++
	}
	if q+1 < e && q > p+1 {
		seg := t[p+1 : q]
		for _, root := range unixRoots {
			if seg == root {
				return true
			}
		}
	}
	return false
}

// extendPath carries a path over single spaces ("C:\Program Files
// (x86)\x.exe", "HKLM\...\Windows NT\CurrentVersion") when one of the
// next three words continues the path with a backslash and none of them
// starts a path of its own.
func (r *run) extendPath(e int) int {
	t := r.text
	for {
		w := e
		next := -1
		for word := 0; word < 3; word++ {
			if w+1 >= len(t) || t[w] != ' ' || cls[t[w+1]]&cBreak != 0 {
				break
			}
			ws := w + 1
			w = ws
			hasBS := false
			for w < len(t) && cls[t[w]]&cBreak == 0 {
				if t[w] == '\\' {
					hasBS = true
				}
				w++
			}
			if p, _ := r.pathStart(ws, w); p >= 0 {
				break
			}
			if hasBS {
				next = w
				break
			}
		}
		if next < 0 {
			return e
		}
		e = next
	}
}

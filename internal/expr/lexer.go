package expr

import (
	"strings"
	"unicode/utf8"
)

// tokKind classifies a token of the expression language.
type tokKind uint8

const (
	tEOF    tokKind = iota
	tIdent          // bare name or keyword: a letter, then letters, digits, _
	tName           // #placeholder
	tValue          // :placeholder
	tNumber         // list index: 0, or digits without a leading zero
	tPunct          // ( ) [ ] , . = <> < <= > >= + -
	tBad            // a quoted string or any other character; never accepted
)

// token is one lexeme with its byte span in the source.
type token struct {
	kind tokKind
	text string
	pos  int
	end  int
}

// eofText is how DynamoDB names the end of input in syntax errors.
const eofText = "<EOF>"

func isIdentStart(c byte) bool {
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

func isIdentPart(c byte) bool {
	return isIdentStart(c) || c == '_' || (c >= '0' && c <= '9')
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// lex splits src into tokens the way DynamoDB's lexer does. It never fails:
// characters outside the language become tBad tokens (one per character, a
// quoted string as one token) so that the parser reports them the way
// DynamoDB does (token: "!", near: "..."). A name starts with a letter, so
// "_a" is the token "_" followed by the name "a"; a list index has no
// leading zero, so "01" is the index 0 followed by the index 1.
func lex(src string) []token {
	toks := make([]token, 0, len(src)/3+2)
	i := 0
	for i < len(src) {
		c := src[i]
		if isSpace(c) {
			i++
			continue
		}
		start := i
		switch {
		case isIdentStart(c):
			for i < len(src) && isIdentPart(src[i]) {
				i++
			}
			toks = append(toks, token{kind: tIdent, text: src[start:i], pos: start, end: i})
		case c >= '0' && c <= '9':
			i++
			if c != '0' {
				for i < len(src) && src[i] >= '0' && src[i] <= '9' {
					i++
				}
			}
			toks = append(toks, token{kind: tNumber, text: src[start:i], pos: start, end: i})
		case (c == '"' || c == '\'') && quotedEnd(src, i) > 0:
			i = quotedEnd(src, i)
			toks = append(toks, token{kind: tBad, text: src[start:i], pos: start, end: i})
		case c == '#' || c == ':':
			i++
			for i < len(src) && isIdentPart(src[i]) {
				i++
			}
			kind := tName
			if c == ':' {
				kind = tValue
			}
			if i == start+1 {
				kind = tBad
			}
			toks = append(toks, token{kind: kind, text: src[start:i], pos: start, end: i})
		case c == '<' || c == '>':
			i++
			if i < len(src) && (src[i] == '=' || (c == '<' && src[i] == '>')) {
				i++
			}
			toks = append(toks, token{kind: tPunct, text: src[start:i], pos: start, end: i})
		case strings.IndexByte("()[],.=+-", c) >= 0:
			i++
			toks = append(toks, token{kind: tPunct, text: src[start:i], pos: start, end: i})
		default:
			_, size := utf8.DecodeRuneInString(src[i:])
			i += size
			toks = append(toks, token{kind: tBad, text: src[start:i], pos: start, end: i})
		}
	}
	end := 0
	if len(toks) > 0 {
		end = toks[len(toks)-1].end
	}
	return append(toks, token{kind: tEOF, text: eofText, pos: end, end: end})
}

// quotedEnd returns the end of the string literal opening at src[i] (a
// backslash escapes the quote), or 0 when it is not closed.
func quotedEnd(src string, i int) int {
	q := src[i]
	for j := i + 1; j < len(src); j++ {
		switch src[j] {
		case '\\':
			if j+1 < len(src) && src[j+1] == q {
				j++
			}
		case q:
			return j + 1
		}
	}
	return 0
}

// syntaxMessage renders DynamoDB's syntax error for the token at index bad:
// the offending token, and the source from the token before it through the
// token after it.
func syntaxMessage(src string, toks []token, bad int) string {
	if bad >= len(toks) {
		bad = len(toks) - 1
	}
	from := toks[bad].pos
	if bad > 0 {
		from = toks[bad-1].pos
	}
	to := toks[bad].end
	if bad+1 < len(toks) && toks[bad+1].kind != tEOF {
		to = toks[bad+1].end
	}
	return `Syntax error; token: "` + toks[bad].text + `", near: "` + src[from:to] + `"`
}

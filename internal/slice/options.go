package slice

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// sizeUnits are the units ParseSize accepts, as the reference's bytesize
// crate spells them (case-insensitive): 'K' and 'KB' are 1000, 'Ki' and
// 'KiB' 1024.
var sizeUnits = map[string]uint64{
	"b": 1,
	"k": 1e3, "kb": 1e3, "m": 1e6, "mb": 1e6, "g": 1e9, "gb": 1e9,
	"t": 1e12, "tb": 1e12, "p": 1e15, "pb": 1e15, "e": 1e18, "eb": 1e18,
	"ki": 1 << 10, "kib": 1 << 10, "mi": 1 << 20, "mib": 1 << 20, "gi": 1 << 30, "gib": 1 << 30,
	"ti": 1 << 40, "tib": 1 << 40, "pi": 1 << 50, "pib": 1 << 50, "ei": 1 << 60, "eib": 1 << 60,
}

// ParseSize parses a byte count as the reference does (bytesize 2): a
// plain integer, or a decimal number ('1.5') and a unit ('1B', '8KB',
// '64KiB', '1 MiB'), saturating at 2^64-1. Zero is refused. The errors are
// the reference's words.
func ParseSize(s string) (uint64, error) {
	n, err := parseBytesize(s)
	if err == nil && n == 0 {
		err = errors.New("0 is not allowed")
	}
	return n, err
}

func parseBytesize(s string) (uint64, error) {
	if n, err := parseU64(s); err == nil {
		return n, nil
	}
	num := s[:len(s)-len(strings.TrimLeft(s, "0123456789."))]
	v, ok := parseDecimal(num)
	if !ok {
		why := "invalid float literal"
		if num == "" {
			why = "cannot parse float from empty string"
		}
		return 0, errors.New("couldn't parse " + rustQuote(s) + " into a ByteSize, " + why)
	}
	suffix := strings.TrimLeftFunc(s[len(num):], unicode.IsSpace)
	mult, ok := sizeUnits[asciiLower(suffix)]
	if !ok {
		return 0, errors.New("couldn't parse " + rustQuote(suffix) + " into a known SI unit, Failed to parse unit " + rustQuote(truncateUnit(suffix)))
	}
	if !strings.Contains(num, ".") {
		if n, err := parseU64(num); err == nil {
			if n > math.MaxUint64/mult {
				return math.MaxUint64, nil
			}
			return n * mult, nil
		}
	}
	f := v * float64(mult)
	if f >= math.MaxUint64 {
		return math.MaxUint64, nil
	}
	return uint64(f), nil
}

// parseDecimal parses digits with at most one '.', as Rust's f64 parser
// takes them ("1.", ".5"; not "." or "1.2.3").
func parseDecimal(s string) (float64, bool) {
	if s == "" || s == "." || strings.Count(s, ".") > 1 {
		return 0, false
	}
	v, err := strconv.ParseFloat(s, 64)
	return v, err == nil || errors.Is(err, strconv.ErrRange)
}

// asciiLower lowers ASCII letters only, like Rust's eq_ignore_ascii_case.
func asciiLower(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'A' && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}, s)
}

// truncateUnit keeps the first three bytes of a long unit (rounded up to a
// character boundary) and adds "...".
func truncateUnit(u string) string {
	if len(u) <= 3 {
		return u
	}
	n := 3
	for n < len(u) && !utf8.RuneStart(u[n]) {
		n++
	}
	return u[:n] + "..."
}

// rustQuote quotes s as Rust's Debug formatting of a string does: printable
// characters as they are, quotes, backslashes and control characters
// escaped.
func rustQuote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteString(`\` + string(r))
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == 0:
			b.WriteString(`\0`)
		case unicode.IsControl(r):
			b.WriteString(`\u{` + strconv.FormatInt(int64(r), 16) + `}`)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// Unescape interprets \t \n \r \0 \\ and \xHH in a delimiter; other bytes
// pass through unchanged. The errors are the reference's, which shows the
// byte after a backslash as the character of that code (Latin-1).
func Unescape(s string) ([]byte, error) {
	var out []byte
	latin1 := func(c byte) string { return string(rune(c)) }
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			out = append(out, c)
			continue
		}
		if i+1 == len(s) {
			return nil, errors.New("trailing backslash in delimiter")
		}
		i++
		switch s[i] {
		case 't':
			out = append(out, '\t')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case '0':
			out = append(out, 0)
		case '\\':
			out = append(out, '\\')
		case 'x':
			if i+2 >= len(s) {
				return nil, errors.New("`\\x` needs two hex digits")
			}
			v, err := strconv.ParseUint(s[i+1:i+3], 16, 8)
			if err != nil {
				return nil, errors.New("invalid hex escape `\\x" + latin1(s[i+1]) + latin1(s[i+2]) + "`")
			}
			out = append(out, byte(v))
			i += 2
		default:
			return nil, errors.New("unknown escape sequence `\\" + latin1(s[i]) + "`")
		}
	}
	return out, nil
}

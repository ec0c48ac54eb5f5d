package slice

import (
	"errors"
	"strconv"
	"strings"
)

// sizeUnits are the suffixes ParseSize accepts, longest first.
var sizeUnits = []struct {
	name string
	mult uint64
}{
	{"kib", 1 << 10}, {"mib", 1 << 20}, {"gib", 1 << 30},
	{"kb", 1e3}, {"mb", 1e6}, {"gb", 1e9},
	{"k", 1 << 10}, {"m", 1 << 20}, {"g", 1 << 30},
	{"b", 1},
}

// ParseSize parses a byte count with an optional unit: '1B', '8KB' (1000),
// '64KiB' or '64K' (1024), '1MiB', '2GB'. Zero is refused.
func ParseSize(s string) (int64, error) {
	low := strings.ToLower(s)
	mult := uint64(1)
	for _, u := range sizeUnits {
		if strings.HasSuffix(low, u.name) {
			low, mult = low[:len(low)-len(u.name)], u.mult
			break
		}
	}
	n, err := parseU64(low)
	if strings.HasPrefix(low, "+") {
		err = errDigit
	}
	if err != nil {
		return 0, errors.New("invalid size '" + s + "' (expected a number with an optional unit: B, KB, KiB, MB, MiB, GB, GiB)")
	}
	if n == 0 {
		return 0, errors.New("size must be greater than zero")
	}
	if n > (1<<62)/mult {
		return 0, errors.New("size '" + s + "' is too large")
	}
	return int64(n * mult), nil
}

// Unescape interprets \t \n \r \0 \\ and \xHH in a delimiter.
func Unescape(s string) ([]byte, error) {
	var out []byte
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
			hex := s[i+1 : min(i+3, len(s))]
			v, err := strconv.ParseUint(hex, 16, 8)
			if len(hex) != 2 || err != nil {
				return nil, errors.New("invalid hex escape `\\x" + hex + "`")
			}
			out = append(out, byte(v))
			i += 2
		default:
			r := s[i:]
			n := 1
			for n < len(r) && r[n]&0xC0 == 0x80 {
				n++
			}
			return nil, errors.New("unknown escape sequence `\\" + r[:n] + "`")
		}
	}
	return out, nil
}

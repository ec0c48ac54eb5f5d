package slice

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// refSelect is a selection pinned by one of the reference's unit tests
// (github.com/ChanTsune/slice, src/main.rs, src/range.rs, src/ext/*.rs;
// src names the module and test), as a command line: args, input, output.
type refSelect struct {
	src  string
	args []string
	in   string
	out  string
}

const (
	fixture = "slice command is simple string slicing command.\nLike a python slice syntax.\n"
	oneLine = "slice command is simple string slicing command.\n"
	kana    = "あいうえお"
	family  = "a👨‍👩‍👧b🇯🇵c"
	l0to4   = "l0\nl1\nl2\nl3\nl4\n"
)

var refSelects = []refSelect{
	// src/main.rs, mod line.
	{"line::empty", []string{"::"}, "", ""},
	{"line::one_line::no_slice", []string{"::"}, oneLine, oneLine},
	{"line::one_line::skip_first", []string{"1:"}, oneLine, ""},
	{"line::one_line::skip_over_input", []string{"2:"}, oneLine, ""},
	{"line::one_line::drop_tail", []string{":0"}, oneLine, ""},
	{"line::one_line::step_two_slice", []string{"::2"}, oneLine, oneLine},
	{"line::multi_line::no_slice", []string{"::"}, fixture, fixture},
	{"line::multi_line::skip_first", []string{"1:"}, fixture, "Like a python slice syntax.\n"},
	{"line::multi_line::drop_last", []string{":1"}, fixture, oneLine},
	{"line::multi_line::step_two_slice", []string{"::2"}, strings.Repeat(fixture, 5), strings.Repeat(oneLine, 5)},
	{"line::multi_line::without_linebreak", []string{"::"}, fixture[:len(fixture)-1], fixture[:len(fixture)-1]},
	{"line::multi_line::binary_stream", []string{"::"}, "slice\xaabinary stream\nslice binary\xaastream", "slice\xaabinary stream\nslice binary\xaastream"},
	{"line::bounded_step", []string{"1:4:2"}, l0to4, "l1\nl3\n"},
	{"line::step_selects_terminal_chunk_without_newline", []string{"::2"}, "a\nb\nc", "a\nc"},
	{"line::step_skips_terminal_chunk", []string{"1::2"}, "a\nb\nc", "b\n"},
	// mod chars.
	{"chars::window", []string{"--chars", "1:3"}, kana, "いう"},
	{"chars::unbounded_window", []string{"--chars", "2:"}, kana, "うえお"},
	{"chars::stepped", []string{"--chars", "::2"}, kana, "あうお"},
	{"chars::tail", []string{"--chars", "-2:"}, kana, "えお"},
	{"chars::lag", []string{"--chars", ":-2"}, kana, "あいう"},
	{"chars::reverse", []string{"--chars", "::-1"}, kana, "おえういあ"},
	{"chars::reverse_window_stepped", []string{"--chars", "3:0:-2"}, kana, "えい"},
	{"chars::four_byte_emoji_is_one_character", []string{"--chars", "1:2"}, "a🍣b", "🍣"},
	{"chars::copy_round_trips", []string{"--chars", "::"}, "\xff\xe3\x81\x82\x80", "\xff\xe3\x81\x82\x80"},
	{"chars::empty_selects_nothing", []string{"--chars", ":0"}, "\xff\xe3\x81\x82\x80", ""},
	{"chars::invalid_bytes_are_single_elements", []string{"--chars", "1:2"}, "\xff\xe3\x81\x82\x80", "あ"},
	{"chars::invalid_bytes_are_single_elements (::2)", []string{"--chars", "::2"}, "\xff\xe3\x81\x82\x80", "\xff\x80"},
	{"chars::invalid_bytes_are_single_elements (::-1)", []string{"--chars", "::-1"}, "\xff\xe3\x81\x82\x80", "\x80\xe3\x81\x82\xff"},
	{"chars::unbounded_window_flushes_straddled_bytes", []string{"--chars", "1:"}, "\xf0\x90AB", "\x90AB"},
	// mod graphemes.
	{"graphemes::window", []string{"--graphemes", "1:3"}, family, "👨‍👩‍👧b"},
	{"graphemes::unbounded_window", []string{"--graphemes", "2:"}, family, "b🇯🇵c"},
	{"graphemes::stepped", []string{"--graphemes", "::2"}, family, "abc"},
	{"graphemes::tail", []string{"--graphemes", "-2:"}, family, "🇯🇵c"},
	{"graphemes::lag", []string{"--graphemes", ":-2"}, family, "a👨‍👩‍👧b"},
	{"graphemes::reverse", []string{"--graphemes", "::-1"}, family, "c🇯🇵b👨‍👩‍👧a"},
	{"graphemes::combining_mark_stays_with_its_base", []string{"--graphemes", "0:1"}, "e\u0301x", "e\u0301"},
	{"graphemes::crlf_is_one_element", []string{"--graphemes", "-2:"}, "a\r\nb", "\r\nb"},
	{"graphemes::copy_round_trips", []string{"--graphemes", "::"}, "e\xff\u0301", "e\xff\u0301"},
	{"graphemes::invalid_bytes_stand_alone", []string{"--graphemes", "1:2"}, "e\xff\u0301", "\xff"},
	{"graphemes::invalid_bytes_stand_alone (0:1)", []string{"--graphemes", "0:1"}, "e\xff\u0301", "e"},
	// mod byte.
	{"byte::empty", []string{"-b", "::"}, "", ""},
	{"byte::no_slice", []string{"-b", "::"}, fixture, fixture},
	{"byte::skip_first", []string{"-b", "10:"}, fixture, "and is simple string slicing command.\nLike a python slice syntax.\n"},
	{"byte::drop_last", []string{"-b", ":15"}, fixture, "slice command i"},
	{"byte::skip_first_and_drop_last", []string{"-b", "5:15"}, fixture, " command i"},
	{"byte::skip_two_slice", []string{"-b", "::2"}, fixture, "siecmadi ipesrn lcn omn.Lk  yhnsiesna."},
	{"byte::stride_phase_carries_across_single_byte_blocks", []string{"-b", "1::3"}, "abcdefghij", "beh"},
	// mod byte_window.
	{"byte_window::unbounded_from_offset_no_trailing_newline", []string{"-b", "2:"}, "abcde", "cde"},
	{"byte_window::start_at_or_past_end_is_empty", []string{"-b", "3:1"}, fixture, ""},
	{"byte_window::start_past_eof_is_empty", []string{"-b", "200:"}, fixture, ""},
	{"byte_window::bounded_window_past_eof_stops_at_eof", []string{"-b", "70:1000"}, fixture, "ntax.\n"},
	{"byte_window::end_beyond_len_stops_at_eof", []string{"-b", "0:5"}, "abc", "abc"},
	{"byte_window::empty_input", []string{"-b", "0:5"}, "", ""},
	{"byte_window::binary_is_preserved_byte_exact", []string{"-b", "2:"}, "sl\xaace\xaabinary stream without newline", "\xaace\xaabinary stream without newline"},
	// mod byte_lag (start:-m:step).
	{"byte_lag::drops_tail_bytes", []string{"-b", ":-3"}, "abcdefghij", "abcdefg"},
	{"byte_lag::window_with_stride", []string{"-b", "2:-2:2"}, "abcdefghij", "ceg"},
	{"byte_lag::back_at_or_past_len_is_empty", []string{"-b", ":-100"}, "abc", ""},
	{"byte_lag::back_at_or_past_len_is_empty (:-3)", []string{"-b", ":-3"}, "abc", ""},
	{"byte_lag::start_inside_dropped_tail_is_empty", []string{"-b", "8:-5"}, "abcdefghij", ""},
	{"byte_lag::start_inside_dropped_tail_is_empty (100:-1)", []string{"-b", "100:-1"}, "abcdefghij", ""},
	{"byte_lag::empty_input", []string{"-b", ":-1"}, "", ""},
	{"byte_lag::binary_is_preserved_byte_exact", []string{"-b", ":-6"}, "sl\xaace\xaabinary\x00stream", "sl\xaace\xaabinary\x00"},
	// mod byte_tail (-k:end:step).
	{"byte_tail::keeps_tail_bytes", []string{"-b", "-5:"}, "abcdefghij", "fghij"},
	{"byte_tail::tail_relative_end_with_stride", []string{"-b", "-8:-2:3"}, "abcdefghij", "cf"},
	{"byte_tail::back_at_or_past_len_keeps_whole_input", []string{"-b", "-10:"}, "abcdefghij", "abcdefghij"},
	{"byte_tail::back_at_or_past_len_keeps_whole_input (-100:)", []string{"-b", "-100:"}, "abcdefghij", "abcdefghij"},
	{"byte_tail::bounded_end_freezes_ring", []string{"-b", "-5:8"}, "abcdefghij", "fgh"},
	{"byte_tail::bounded_end_freezes_ring (a)", []string{"-b", "-2:1"}, "a", "a"},
	{"byte_tail::bounded_end_freezes_ring (abc)", []string{"-b", "-2:1"}, "abc", ""},
	{"byte_tail::bounded_end_freezes_ring (-2:100)", []string{"-b", "-2:100"}, "abcdefghij", "ij"},
	{"byte_tail::empty_input", []string{"-b", "-3:"}, "", ""},
	{"byte_tail::empty_input (-3:1)", []string{"-b", "-3:1"}, "", ""},
	{"byte_tail::binary_is_preserved_byte_exact", []string{"-b", "-8:"}, "sl\xaace\xaabinary\x00stream", "y\x00stream"},
	// mod copy and identity_fast_path.
	{"copy::verbatim_including_binary_and_missing_eol", []string{"::"}, "slice\xaabinary stream\nno trailing eol", "slice\xaabinary stream\nno trailing eol"},
	{"identity_fast_path::lines_colon", []string{":"}, "a,b,c\nd,e,f\n", "a,b,c\nd,e,f\n"},
	{"identity_fast_path::lines_explicit_unit_step", []string{"0::1"}, "a,b,c\nd,e,f\n", "a,b,c\nd,e,f\n"},
	{"identity_fast_path::bytes", []string{"-b", "::"}, "a,b,c\nd,e,f\n", "a,b,c\nd,e,f\n"},
	{"identity_fast_path::custom_delimiter", []string{"--delimiter", ",", "::"}, "a,b,c\nd,e,f\n", "a,b,c\nd,e,f\n"},
	{"identity_fast_path::minus_zero_start_is_copy", []string{"-0:"}, "a,b,c\nd,e,f\n", "a,b,c\nd,e,f\n"},
	{"identity_fast_path::non_identity_still_slices", []string{"1:"}, "a\nb\nc\n", "b\nc\n"},
	{"identity_fast_path::custom_unit_step (multi-byte)", []string{"--delimiter", "||", "1:"}, "a||b||c\n", "b||c\n"},
	{"identity_fast_path::custom_unit_step (single-byte)", []string{"--delimiter", ",", "1:"}, "a,b,c,", "b,c,"},
	// mod slice_window.
	{"slice_window::unbounded_from_offset", []string{"1:"}, "a\nb\nc\n", "b\nc\n"},
	{"slice_window::bounded_drop_tail", []string{":1"}, "a\nb\nc\n", "a\n"},
	{"slice_window::unbounded_last_line_without_newline", []string{"1:"}, "a\nb", "b"},
	{"slice_window::empty_bounded_window", []string{":0"}, "a\nb\nc\n", ""},
	// mod empty_plan: nothing selected, in every mode.
	{"empty_plan::lines", []string{"5:3"}, "a\nb\n", ""},
	{"empty_plan::lines (:0)", []string{":0"}, "a\nb\n", ""},
	{"empty_plan::bytes", []string{"-b", "5:3"}, "abcdefgh", ""},
	{"empty_plan::bytes (5:5)", []string{"-b", "5:5"}, "abcdefgh", ""},
	{"empty_plan::custom_delimiter", []string{"--delimiter", ",", "5:5"}, "a,b,c,d,e,f,g,", ""},
	{"empty_plan::stepped (lines)", []string{"5:3:2"}, "a\nb\nc\nd\ne\nf\n", ""},
	{"empty_plan::stepped (bytes)", []string{"-b", "5:3:2"}, "abcdefgh", ""},
	{"empty_plan::static_negative_pairs (-2:-5)", []string{"--", "-2:-5"}, "a\nb\nc\nd\ne\nf\n", ""},
	{"empty_plan::static_negative_pairs (-3:-3)", []string{"--", "-3:-3"}, "a\nb\nc\nd\ne\nf\n", ""},
	{"empty_plan::static_negative_pairs (-5:0)", []string{"-b", "--", "-5:0"}, "abcdefgh", ""},
	{"empty_plan::tail_relative_start_reads_input", []string{"--", "-1:"}, "a\nb\n", "b\n"},
	// mod reverse.
	{"reverse::record_limit_applies_to_lines_not_bytes", []string{"--max-record-size", "4", "-b", "::-1"}, "toolong\nab\n", "\nba\ngnoloot"},
	// src/range.rs: what each parsed form selects, on ten lines.
	{"range::basic", []string{"0:1:1"}, digits10, "0\n"},
	{"range::without_step", []string{"0:1:"}, digits10, "0\n"},
	{"range::without_start", []string{":1:1"}, digits10, "0\n"},
	{"range::without_end", []string{"0::1"}, digits10, digits10},
	{"range::plan_windows (1:+3)", []string{"1:+3"}, digits10, "1\n2\n3\n"},
	{"range::plan_windows (5:+-10)", []string{"5:+-10"}, digits10, digits10},
	{"range::plan_steps (1:8:2)", []string{"1:8:2"}, digits10, "1\n3\n5\n7\n"},
	{"range::plus_sign", []string{"1:+1"}, digits10, "1\n"},
	{"range::plus_minus_sign_saturates_start", []string{"3:+-2"}, digits10, "1\n2\n3\n4\n"},
	{"range::negative_end", []string{":-2"}, digits10, "0\n1\n2\n3\n4\n5\n6\n7\n"},
	{"range::negative_end (5:-3:2)", []string{"5:-3:2"}, digits10, "5\n"},
	{"range::negative_end (max)", []string{":-18446744073709551615"}, digits10, ""},
	{"range::negative_start", []string{"--", "-5:"}, digits10, "5\n6\n7\n8\n9\n"},
	{"range::negative_start (-4::2)", []string{"--", "-4::2"}, digits10, "6\n8\n"},
	{"range::negative_start (-7:8)", []string{"--", "-7:8"}, digits10, "3\n4\n5\n6\n7\n"},
	{"range::negative_both", []string{"--", "-7:-2"}, digits10, "3\n4\n5\n6\n7\n"},
	{"range::negative_both (-4:-1:2)", []string{"--", "-4:-1:2"}, digits10, "6\n8\n"},
	{"range::max_magnitude_both_signs", []string{"--", "-18446744073709551615:18446744073709551615"}, digits10, digits10},
	{"range::minus_zero_normalizes_to_head", []string{"--", "-0:-0"}, digits10, ""},
	{"range::from_end_plus", []string{"--", "-5:+2"}, digits10, "5\n6\n"},
	{"range::from_end_plus_exact_unbounds", []string{"--", "-5:+5"}, digits10, "5\n6\n7\n8\n9\n"},
	{"range::from_end_plus_overflow_unbounds", []string{"--", "-5:+18446744073709551615"}, digits10, "5\n6\n7\n8\n9\n"},
	{"range::from_end_plus_minus", []string{"--", "-5:+-2"}, digits10, "3\n4\n5\n6\n"},
	{"range::from_end_plus_zero_is_empty", []string{"--", "-5:+0"}, digits10, ""},
	{"range::reverse_indices_match_python, sample (::-1)", []string{"::-1"}, digits10, "9\n8\n7\n6\n5\n4\n3\n2\n1\n0\n"},
	{"range::reverse_indices_match_python, sample (5:1:-1)", []string{"5:1:-1"}, digits10, "5\n4\n3\n2\n"},
	{"range::reverse_indices_match_python, sample (-2::-3)", []string{"--", "-2::-3"}, digits10, "8\n5\n2\n"},
	{"range::reverse_indices_match_python, sample (100::-4)", []string{"100::-4"}, digits10, "9\n5\n1\n"},
	{"range::reverse_indices_match_python, sample (:-3:-1)", []string{":-3:-1"}, digits10, "9\n8\n"},
	{"range::reverse_indices_match_python, sample (:-100:-1)", []string{":-100:-1"}, digits10, "9\n8\n7\n6\n5\n4\n3\n2\n1\n0\n"},
	{"range::reverse_indices_match_python, sample (-100::-1)", []string{"--", "-100::-1"}, digits10, ""},
	{"range::reverse_indices_match_python, sample (3:-8:-1)", []string{"3:-8:-1"}, digits10, "3\n"},
	{"range::reverse_indices_match_python, sample (0::-1)", []string{"0::-1"}, digits10, "0\n"},
	// src/ext/utf8.rs: characters, seen by reversing them.
	{"utf8::ascii", []string{"--chars", "::-1"}, "abc", "cba"},
	{"utf8::multibyte_widths", []string{"--chars", "::-1"}, "aあ🍣é", "é🍣あa"},
	{"utf8::python_parity_on_valid_text", []string{"--chars", "::-1"}, "日本語テキスト with 🍣🍺", "🍺🍣 htiw トスキテ語本日"},
	{"utf8::lone_continuation_bytes_are_single_elements", []string{"--chars", "1:"}, "\x80\x80", "\x80"},
	{"utf8::invalid_lead_is_a_single_element", []string{"--chars", "::-1"}, "\xffa", "a\xff"},
	{"utf8::truncated_sequence_at_end_splits_per_byte", []string{"--chars", "::-1"}, "\xe3\x81", "\x81\xe3"},
	{"utf8::invalid_byte_resyncs_to_a_following_valid_char", []string{"--chars", "::-1"}, "\xffあ", "あ\xff"},
	{"utf8::overlong_encoding_splits_per_byte", []string{"--chars", "::-1"}, "\xc0\x80", "\x80\xc0"},
	{"utf8::surrogate_half_splits_per_byte", []string{"--chars", "::-1"}, "\xed\xa0\x80", "\x80\xa0\xed"},
	// src/ext/grapheme.rs: clusters, seen by reversing them.
	{"grapheme::ascii", []string{"--graphemes", "::-1"}, "abc", "cba"},
	{"grapheme::combining_mark_joins_its_base", []string{"--graphemes", "::-1"}, "e\u0301x", "xe\u0301"},
	{"grapheme::zwj_family_is_one_element", []string{"--graphemes", "::-1"}, "👨‍👩‍👧", "👨‍👩‍👧"},
	{"grapheme::skin_tone_modifier_joins", []string{"--graphemes", "::-1"}, "👍🏽!", "!👍🏽"},
	{"grapheme::regional_indicator_pairs_split_per_flag", []string{"--graphemes", "::-1"}, "🇯🇵🇺🇸", "🇺🇸🇯🇵"},
	{"grapheme::crlf_is_one_element", []string{"--graphemes", "::-1"}, "a\r\nb", "b\r\na"},
	{"grapheme::valid_text_matches_the_crate_segmentation", []string{"--graphemes", "::-1"},
		"日本語 with e\u0301 and 👨‍👩‍👧🇯🇵 and क्षि plus a\r\nb",
		"b\r\na sulp क्षि dna 🇯🇵👨‍👩‍👧 dna e\u0301 htiw 語本日"},
	{"grapheme::indic_conjunct_is_one_cluster (GB9c)", []string{"--graphemes", "1:2"}, "aक्षिb", "क्षि"},
	{"grapheme::invalid_byte_breaks_the_cluster", []string{"--graphemes", "::-1"}, "e\xff\u0301", "\u0301\xffe"},
	{"grapheme::invalid_byte_resyncs_to_a_following_cluster", []string{"--graphemes", "::-1"}, "\xffe\u0301", "e\u0301\xff"},
	{"grapheme::truncated_sequence_at_end_splits_per_byte", []string{"--graphemes", "::-1"}, "\xe3\x81", "\x81\xe3"},
	// src/cli.rs: modes and delimiters from the command line.
	{"cli::line_mode_args", []string{"-l", "1:"}, "a\nb\n", "b\n"},
	{"cli::negative_range_survives_flag_parsing", []string{"-5:"}, digits10, "5\n6\n7\n8\n9\n"},
	{"cli::negative_range_survives_flag_parsing (-l first)", []string{"-l", "-5:"}, digits10, "5\n6\n7\n8\n9\n"},
	{"cli::negative_range_survives_flag_parsing (-l after)", []string{"-5:", "-l"}, digits10, "5\n6\n7\n8\n9\n"},
	{"cli::unescape_basic (\\r\\n)", []string{"--delimiter", `\r\n`, "-e", "::-1"}, "a\r\nb\r\n", "b\r\na\r\n"},
	{"cli::unescape_basic (a\\tb)", []string{"--delimiter", `a\tb`, "-e", "1:"}, "xa\tbya\tb", "ya\tb"},
	{"cli::unescape_hex (\\x00\\x01)", []string{"--delimiter", `\x00\x01`, "-e", "1:"}, "a\x00\x01b\x00\x01", "b\x00\x01"},
	{"cli::unescape_hex (\\xff)", []string{"--delimiter", `\xff`, "-e", "0:1"}, "a\xffb", "a\xff"},
	{"cli::bytes_alias_c", []string{"-c", "1:3"}, "abcd", "bc"},
	{"cli::null_delimiter", []string{"-z", "1:"}, "a\x00b\x00", "b\x00"},
	{"cli::escape_tab", []string{"--delimiter", `\t`, "-e", "1:"}, "a\tb\t", "b\t"},
	{"cli::escape_hex", []string{"--delimiter", `\x2c`, "-e", "::-1"}, "a,b,", "b,a,"},
	{"cli::escape_backslash", []string{"--delimiter", `\\`, "-e", "0:1"}, `a\b\`, `a\`},
	{"cli::literal_without_escape", []string{"--delimiter", `\t`, "0:1"}, "a\\tb\\t", "a\\t"},
	{"cli::empty_delimiter_is_bytes", []string{"--delimiter", "", "1:3"}, "abcd", "bc"},
	{"cli::max_record_size_unlimited", []string{"--max-record-size", "UNLIMITED", "--", "-1:"}, "a\nb\n", "b\n"},
}

const digits10 = "0\n1\n2\n3\n4\n5\n6\n7\n8\n9\n"

// patterned is the reference's oracle input: 1031 bytes, non-UTF-8, with
// NULs.
func patterned() string {
	b := make([]byte, 1031)
	for i := range b {
		switch i % 7 {
		case 0:
			b[i] = 0
		case 3:
			b[i] = 0xaa
		default:
			b[i] = byte(i % 251)
		}
	}
	return string(b)
}

// oracleSelects are the reference's byte "parity with iterator oracle"
// tests (byte, byte_lag, byte_tail) on its patterned input, with the
// output from Python's rules (pySlice).
func oracleSelects() []refSelect {
	in := patterned()
	n := len(in)
	sel := func(src, rng string, start, stop *int, step int) refSelect {
		var b strings.Builder
		for _, i := range pySlice(n, start, stop, step) {
			b.WriteByte(in[i])
		}
		return refSelect{src, []string{"-b", "--", rng}, in, b.String()}
	}
	p := func(v int) *int { return &v }
	var out []refSelect
	for _, se := range [][2]*int{{p(0), nil}, {p(5), nil}, {p(0), p(13)}, {p(3), p(17)}, {p(100), nil}, {p(2000), nil}, {p(3), p(5000)}} {
		for _, step := range []int{1, 2, 7, 250} {
			rng := strconv.Itoa(*se[0]) + ":" + bound(derefOr(se[1], 0), se[1] != nil) + ":" + strconv.Itoa(step)
			out = append(out, sel("byte::stride_parity_with_iterator_oracle", rng, se[0], se[1], step))
		}
	}
	for _, start := range []int{0, 5, 2000} {
		for _, m := range []int{1, 7, 1031, 100000} {
			for _, step := range []int{1, 3} {
				rng := strconv.Itoa(start) + ":-" + strconv.Itoa(m) + ":" + strconv.Itoa(step)
				out = append(out, sel("byte_lag::parity_with_iterator_oracle", rng, p(start), p(-m), step))
			}
		}
	}
	for _, k := range []int{1, 250, 1031, 100000} {
		for _, end := range []string{"", "500", "2000", "-1", "-2000"} {
			for _, step := range []int{1, 7} {
				rng := "-" + strconv.Itoa(k) + ":" + end + ":" + strconv.Itoa(step)
				var stop *int
				if end != "" {
					v, _ := strconv.Atoi(end)
					stop = &v
				}
				out = append(out, sel("byte_tail::parity_with_iterator_oracle", rng, p(-k), stop, step))
			}
		}
	}
	return out
}

func derefOr(p *int, d int) int {
	if p == nil {
		return d
	}
	return *p
}

// TestReferenceUnitSelections runs the selections the reference's unit
// tests pin through the binary, each with standard input as a pipe and as
// a regular file, with the default buffers and with --io-buffer-size 1B,
// 2B and 3B (as the reference drives its readers at capacities 1, 2, 3).
func TestReferenceUnitSelections(t *testing.T) {
	dir := t.TempDir()
	cases := append(append([]refSelect{}, refSelects...), oracleSelects()...)
	for _, c := range cases {
		t.Run(c.src, func(t *testing.T) {
			for _, size := range []string{"", "1B", "2B", "3B"} {
				args := c.args
				if size != "" {
					args = append([]string{"--io-buffer-size", size}, args...)
				}
				for _, asPipe := range []bool{true, false} {
					got := runSlice(t, dir, []byte(c.in), asPipe, args...)
					if got.stdout != c.out || got.code != 0 || got.stderr != "" {
						t.Errorf("slice %q (pipe %v) < %q:\n got %q, status %d, stderr %q\nwant %q",
							args, asPipe, truncate(c.in), truncate(got.stdout), got.code, got.stderr, truncate(c.out))
					}
				}
			}
		})
	}
}

// TestReferenceUnitFiles: the selections also hold when the input is a
// named file rather than standard input.
func TestReferenceUnitFiles(t *testing.T) {
	dir := t.TempDir()
	for i, c := range refSelects {
		name := "in" + strconv.Itoa(i)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(c.in), 0o644); err != nil {
			t.Fatal(err)
		}
		args := append(append([]string{}, c.args...), name)
		if got := runSlice(t, dir, nil, true, args...); got.stdout != c.out || got.code != 0 {
			t.Errorf("%s: slice %q: got %q, status %d, stderr %q; want %q", c.src, args, got.stdout, got.code, got.stderr, c.out)
		}
	}
}

func truncate(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}

// refPrint is output the reference's unit tests pin for modes that read no
// input (--translate, --explain) and for bad command lines: the whole
// stdout, or with contains set, lines it must contain.
type refPrint struct {
	src      string
	args     []string
	out      string
	contains bool
	code     int
}

const awkNote = "  (awk re-terminates an unterminated final line and may drop bytes after an embedded NUL)"

var refPrints = []refPrint{
	// src/range.rs, mod translate.
	{src: "translate::whole_input_is_cat", args: []string{"--translate=posix", ":"}, out: "# posix\ncat\n"},
	{src: "translate::whole_input_is_cat (bytes)", args: []string{"--translate=posix", "-b", "0::1"}, out: "# posix\ncat\n"},
	{src: "translate::chars_have_no_single_command_equivalent (cat)", args: []string{"--translate=posix", "--chars", ":"}, out: "# posix\ncat\n"},
	{src: "translate::chars_have_no_single_command_equivalent", args: []string{"--translate=gnu", "--chars", "1:5"}, out: "# no equivalent: cut -c is per-line (and selects bytes on GNU), not a stream character slice\n"},
	{src: "translate::chars_have_no_single_command_equivalent (-3:)", args: []string{"--translate=gnu", "--chars", "--", "-3:"}, out: "# no equivalent: cut -c is per-line (and selects bytes on GNU), not a stream character slice\n"},
	{src: "translate::chars_have_no_single_command_equivalent (5:3)", args: []string{"--translate=gnu", "--chars", "5:3"}, out: "# no equivalent: cut -c is per-line (and selects bytes on GNU), not a stream character slice\n"},
	{src: "translate::graphemes_have_no_single_command_equivalent (cat)", args: []string{"--translate=posix", "--graphemes", ":"}, out: "# posix\ncat\n"},
	{src: "translate::graphemes_have_no_single_command_equivalent", args: []string{"--translate=gnu", "--graphemes", "::-1"}, out: "# no equivalent: no standard tool selects by grapheme cluster\n"},
	{src: "translate::empty_range_gnu_zero_count_by_mode", args: []string{"--translate=gnu", "5:3"}, out: "# gnu\nhead -n 0\n"},
	{src: "translate::empty_range_gnu_zero_count_by_mode (posix)", args: []string{"--translate=posix", "5:3"}, out: "# no equivalent: no POSIX single command selects an empty range; GNU has `head -n 0`\n"},
	{src: "translate::empty_range_gnu_zero_count_by_mode (bytes)", args: []string{"--translate=gnu", "-b", "5:3"}, out: "# gnu\nhead -c 0\n"},
	{src: "translate::empty_range_gnu_zero_count_by_mode (bytes, posix)", args: []string{"--translate=posix", "-b", "5:3"}, out: "# no equivalent: no POSIX single command selects an empty range; GNU has `head -c 0`\n"},
	{src: "translate::empty_range_gnu_zero_count_by_mode (custom)", args: []string{"--translate=gnu", "--delimiter", ",", "5:3"}, out: "# no equivalent: no standard tool selects records by a custom delimiter\n"},
	{src: "translate::empty_range_gnu_zero_count_by_mode (:-0)", args: []string{"--translate=gnu", ":-0"}, out: "# gnu\nhead -n 0\n"},
	{src: "translate::head_and_tail_lines", args: []string{"--translate=posix", ":5"}, out: "# posix\nhead -n 5\n"},
	{src: "translate::head_and_tail_lines (-5:)", args: []string{"--translate=posix", "--", "-5:"}, out: "# posix\ntail -n 5\n"},
	{src: "translate::head_and_tail_lines (9:)", args: []string{"--translate=posix", "9:"}, out: "# posix\ntail -n +10\n"},
	{src: "translate::window_lines_use_sed", args: []string{"--translate=posix", "1:5"}, out: "# posix\nsed -n '2,5p'\n"},
	{src: "translate::window_lines_use_sed (6:7)", args: []string{"--translate=posix", "6:7"}, out: "# posix\nsed -n '7p'\n"},
	{src: "translate::drop_last_lines_per_dialect", args: []string{"--translate=posix", ":-1"}, out: "# posix\nsed '$d'\n"},
	{src: "translate::drop_last_lines_per_dialect (gnu)", args: []string{"--translate=gnu", ":-1"}, out: "# gnu\nhead -n -1\n"},
	{src: "translate::drop_last_lines_per_dialect (gnu :-5)", args: []string{"--translate=gnu", ":-5"}, out: "# gnu\nhead -n -5\n"},
	{src: "translate::drop_last_lines_per_dialect (posix :-5)", args: []string{"--translate=posix", ":-5"}, out: "# no equivalent: no POSIX single command drops the last N lines; GNU has `head -n -N`\n"},
	{src: "translate::stepped_lines_posix_uses_awk_gnu_uses_sed", args: []string{"--translate=posix", "::2"}, out: "# posix" + awkNote + "\nawk 'NR%2==1'\n"},
	{src: "translate::stepped_lines_posix_uses_awk_gnu_uses_sed (gnu)", args: []string{"--translate=gnu", "::2"}, out: "# gnu\nsed -n '1~2p'\n"},
	{src: "translate::stepped_lines_posix_uses_awk_gnu_uses_sed (gnu 1::2)", args: []string{"--translate=gnu", "1::2"}, out: "# gnu\nsed -n '2~2p'\n"},
	{src: "translate::stepped_lines_posix_uses_awk_gnu_uses_sed (posix 3::2)", args: []string{"--translate=posix", "3::2"}, out: "# posix" + awkNote + "\nawk 'NR>=4 && (NR-4)%2==0'\n"},
	{src: "translate::stepped_lines_posix_uses_awk_gnu_uses_sed (bounded)", args: []string{"--translate=gnu", "1:7:2"}, out: "# gnu" + awkNote + "\nawk 'NR>=2 && (NR-2)%2==0 && NR<=7'\n"},
	{src: "translate::awk_view_lines", args: []string{"--translate=awk", ":5"}, out: "# awk" + awkNote + "\nawk 'NR<=5'\n"},
	{src: "translate::awk_view_lines (1:5)", args: []string{"--translate=awk", "1:5"}, out: "# awk" + awkNote + "\nawk 'NR>=2 && NR<=5'\n"},
	{src: "translate::awk_view_lines (1:)", args: []string{"--translate=awk", "1:"}, out: "# awk" + awkNote + "\nawk 'NR>=2'\n"},
	{src: "translate::awk_view_lines (-5:)", args: []string{"--translate=awk", "--", "-5:"}, out: "# no equivalent: selecting relative to the end needs buffering, not a clean awk one-liner\n"},
	{src: "translate::awk_view_lines (:-1)", args: []string{"--translate=awk", ":-1"}, out: "# no equivalent: selecting relative to the end needs buffering, not a clean awk one-liner\n"},
	{src: "translate::max_start_saturates_instead_of_overflowing", args: []string{"--translate=posix", "18446744073709551615:"}, out: "# posix\ntail -n +18446744073709551615\n"},
	{src: "translate::max_start_saturates_instead_of_overflowing (bytes)", args: []string{"--translate=posix", "-b", "18446744073709551615:"}, out: "# posix\ntail -c +18446744073709551615\n"},
	{src: "translate::byte_head_dialects", args: []string{"--translate=posix", "-b", ":5"}, out: "# posix\ndd bs=1 count=5 2>/dev/null\n"},
	{src: "translate::byte_head_dialects (bsd)", args: []string{"--translate=bsd", "-b", ":5"}, out: "# bsd  (head -c is not in POSIX; present on BSD and GNU)\nhead -c 5\n"},
	{src: "translate::byte_head_dialects (gnu)", args: []string{"--translate=gnu", "-b", ":5"}, out: "# gnu  (head -c is not in POSIX; present on BSD and GNU)\nhead -c 5\n"},
	{src: "translate::byte_window_and_tail", args: []string{"--translate=posix", "-b", "5:15"}, out: "# posix\ndd bs=1 skip=5 count=10 2>/dev/null\n"},
	{src: "translate::byte_window_and_tail (-5:)", args: []string{"--translate=posix", "-b", "--", "-5:"}, out: "# posix\ntail -c 5\n"},
	{src: "translate::byte_window_and_tail (5:)", args: []string{"--translate=posix", "-b", "5:"}, out: "# posix\ntail -c +6\n"},
	{src: "translate::byte_drop_last_only_gnu", args: []string{"--translate=gnu", "-b", ":-5"}, out: "# gnu\nhead -c -5\n"},
	{src: "translate::byte_drop_last_only_gnu (:-1)", args: []string{"--translate=gnu", "-b", ":-1"}, out: "# gnu\nhead -c -1\n"},
	{src: "translate::byte_drop_last_only_gnu (posix)", args: []string{"--translate=posix", "-b", ":-5"}, out: "# no equivalent: no POSIX single command drops the last N bytes; GNU has `head -c -N`\n"},
	{src: "translate::degenerate_stepped_byte_collapses_to_one_byte_window", args: []string{"--translate=posix", "-b", "5:6:2"}, out: "# posix\ndd bs=1 skip=5 count=1 2>/dev/null\n"},
	{src: "translate::degenerate_stepped_byte_collapses_to_one_byte_window (5:7:2)", args: []string{"--translate=posix", "-b", "5:7:2"}, out: "# posix\ndd bs=1 skip=5 count=1 2>/dev/null\n"},
	{src: "translate::degenerate_stepped_byte_collapses_to_one_byte_window (:1:2)", args: []string{"--translate=posix", "-b", ":1:2"}, out: "# posix\ndd bs=1 count=1 2>/dev/null\n"},
	{src: "translate::degenerate_stepped_byte_collapses_to_one_byte_window (bsd :1:2)", args: []string{"--translate=bsd", "-b", ":1:2"}, out: "# bsd  (head -c is not in POSIX; present on BSD and GNU)\nhead -c 1\n"},
	{src: "translate::degenerate_stepped_byte_collapses_to_one_byte_window (5:8:2)", args: []string{"--translate=posix", "-b", "5:8:2"}, out: "# no equivalent: strided byte selection has no standard-tool equivalent\n"},
	{src: "translate::degenerate_stepped_byte_collapses_to_one_byte_window (:3:2)", args: []string{"--translate=posix", "-b", ":3:2"}, out: "# no equivalent: strided byte selection has no standard-tool equivalent\n"},
	{src: "translate::untranslatable_cases (custom)", args: []string{"--translate=posix", "--delimiter", ",", ":5"}, out: "# no equivalent: no standard tool selects records by a custom delimiter\n"},
	{src: "translate::untranslatable_cases (3:-2)", args: []string{"--translate=posix", "3:-2"}, out: "# no equivalent: a head-relative start with a tail-relative end needs the input length\n"},
	{src: "translate::untranslatable_cases (-5:3)", args: []string{"--translate=posix", "--", "-5:3"}, out: "# no equivalent: a tail-relative start with a fixed end needs the input length\n"},
	{src: "translate::untranslatable_cases (-5::2)", args: []string{"--translate=posix", "--", "-5::2"}, out: "# no equivalent: a tail-relative start combined with a step has no standard-tool equivalent\n"},
	{src: "translate::untranslatable_cases (bytes ::2)", args: []string{"--translate=posix", "-b", "::2"}, out: "# no equivalent: strided byte selection has no standard-tool equivalent\n"},
	{src: "translate::untranslatable_cases (awk bytes)", args: []string{"--translate=awk", "-b", "5:15"}, out: "# no equivalent: awk operates on lines, not byte offsets\n"},
	{src: "translate::relative_end_collapses_to_window", args: []string{"--translate=posix", "5:+10"}, out: "# posix\nsed -n '6,15p'\n"},
	{src: "translate::relative_end_collapses_to_window (+-)", args: []string{"--translate=posix", "100:+-10"}, out: "# posix\nsed -n '91,110p'\n"},
	{src: "translate::all_lists_every_dialect_including_duplicates", args: []string{"--translate=all", "::2"},
		out: "# posix" + awkNote + "\nawk 'NR%2==1'\n# bsd" + awkNote + "\nawk 'NR%2==1'\n# gnu\nsed -n '1~2p'\n# awk" + awkNote + "\nawk 'NR%2==1'\n"},
	{src: "translate::all_lists_every_dialect_including_duplicates (partial)", args: []string{"--translate=all", ":-5"},
		out: "# posix  (no equivalent)\n# bsd  (no equivalent)\n# gnu\nhead -n -5\n# awk  (no equivalent)\n"},
	{src: "translate::all_lists_copy_and_empty_per_dialect", args: []string{"--translate=all", ":"}, out: "# posix\ncat\n# bsd\ncat\n# gnu\ncat\n# awk\ncat\n"},
	{src: "translate::all_lists_copy_and_empty_per_dialect (bytes)", args: []string{"--translate=all", "-b", "0::1"}, out: "# posix\ncat\n# bsd\ncat\n# gnu\ncat\n# awk\ncat\n"},
	{src: "translate::all_lists_copy_and_empty_per_dialect (5:3)", args: []string{"--translate=all", "5:3"},
		out: "# posix  (no equivalent)\n# bsd  (no equivalent)\n# gnu\nhead -n 0\n# awk  (no equivalent)\n"},
	{src: "translate::all_lists_copy_and_empty_per_dialect (bytes 5:3)", args: []string{"--translate=all", "-b", "5:3"},
		out: "# posix  (no equivalent)\n# bsd  (no equivalent)\n# gnu\nhead -c 0\n# awk  (no equivalent)\n"},
	{src: "translate::all_lists_copy_and_empty_per_dialect (custom 5:3)", args: []string{"--translate=all", "--delimiter", ",", "5:3"},
		out: "# posix  (no equivalent)\n# bsd  (no equivalent)\n# gnu  (no equivalent)\n# awk  (no equivalent)\n"},
	// src/cli.rs: --translate takes its value only after '='.
	{src: "cli::translate_require_equals_keeps_range_separate", args: []string{"--translate", "5:10"}, out: "# " + NativeDialect() + "\n", contains: true},
	{src: "cli::translate_require_equals_keeps_range_separate (tail)", args: []string{"--translate", "--", "-5:"}, out: "tail -n 5\n", contains: true},
	{src: "cli::explain_flag_parses", args: []string{"--explain", "--", "-5:"}, out: "start: 5 from the end\n", contains: true},
	// src/range.rs, mod explain.
	{src: "explain::select_all", args: []string{"--explain", ":"}, out: "end:   end of input\n0-based: lines at indices [0, end of input)\n1-based: from the 1st line to the last line\ncount: until end of input", contains: true},
	{src: "explain::extended_plus_minus_window_is_resolved", args: []string{"--explain", "100:+-10"}, out: "start: 90\nend:   110 (exclusive)\ncount: 20", contains: true},
	{src: "explain::extended_plus_window_is_resolved", args: []string{"--explain", "5:+10"}, out: "start: 5\nend:   15 (exclusive)\ncount: 10", contains: true},
	{src: "explain::step_count_rounds_up", args: []string{"--explain", "10:20:3"}, out: "step:  3\nevery 3 starting at 10\ncount: 4", contains: true},
	{src: "explain::empty_range_reports_zero", args: []string{"--explain", "5:5"}, out: "empty\ncount: 0", contains: true},
	{src: "explain::max_start_saturates_first_position", args: []string{"--explain", "18446744073709551615:"}, out: "from the 18446744073709551615th line", contains: true},
	{src: "explain::unit_name_is_used", args: []string{"--explain", "-b", "0:3"}, out: "0-based: bytes at indices [0, 3)\nfrom the 1st byte to the 3rd byte", contains: true},
	{src: "explain::negative_end_count_depends_on_length", args: []string{"--explain", "2:-2"},
		out: "start: 2\nend:   2 from the end (exclusive)\n0-based: lines at indices [2, length-2), clamped to the input length\n1-based: from the 3rd line to the 3rd line from the end\ncount: depends on the input length", contains: true},
	{src: "explain::negative_end_count_depends_on_length (stepped)", args: []string{"--explain", "1:-1:2"},
		out: "0-based: lines at indices [1, length-1), every 2 starting at 1, clamped to the input length\n1-based: every 2nd line from the 2nd line up to the 2nd line from the end\ncount: depends on the input length", contains: true},
	{src: "explain::negative_start_is_symbolic", args: []string{"--explain", "--", "-5:"},
		out: "start: 5 from the end\nend:   end of input\n0-based: lines at indices [length-5, end of input), clamped to the input length\n1-based: from the 5th line from the end to the last line\ncount: at most 5", contains: true},
	{src: "explain::negative_start_is_symbolic (stepped)", args: []string{"--explain", "--", "-7:-2:3"},
		out: "start: 7 from the end\nend:   2 from the end (exclusive)\n0-based: lines at indices [length-7, length-2), every 3 starting at length-7, clamped to the input length\n1-based: every 3rd line from the 7th line from the end up to the 3rd line from the end\ncount: at most 2", contains: true},
	{src: "explain::negative_start_is_symbolic (unbounded stepped)", args: []string{"--explain", "--", "-4::2"},
		out: "0-based: lines at indices [length-4, end of input), every 2 starting at length-4, clamped to the input length\ncount: at most 2", contains: true},
	{src: "explain::negative_start_bounded_end_depends_on_length", args: []string{"--explain", "--", "-3:4"},
		out: "start: 3 from the end\nend:   4 (exclusive)\n0-based: lines at indices [length-3, 4), clamped to the input length\n1-based: from the 3rd line from the end to the 4th line\ncount: depends on the input length", contains: true},
	{src: "explain::negative_pair_empty_reports_zero", args: []string{"--explain", "--", "-2:-5"},
		out: "0-based: lines at indices [length-2, length-5)\n1-based: empty (start length-2 is at or past end length-5)\ncount: 0", contains: true},
	{src: "explain::negative_pair_empty_reports_zero (-5:0)", args: []string{"--explain", "--", "-5:0"},
		out: "1-based: empty (start length-5 is at or past end 0)\ncount: 0", contains: true},
	// src/cli.rs: bad command lines.
	{src: "cli::mode_flags_are_mutually_exclusive (-z -b)", args: []string{"-z", "-b", "0:"}, out: "error: the argument '--null' cannot be used with '--bytes'", contains: true, code: 2},
	{src: "cli::mode_flags_are_mutually_exclusive (-b --delimiter)", args: []string{"-b", "--delimiter", ",", "0:"}, out: "error: the argument '--bytes' cannot be used with '--delimiter <DELIMITER>'", contains: true, code: 2},
	{src: "cli::escape_requires_delimiter", args: []string{"-e", "0:"}, out: "--delimiter <DELIMITER>", contains: true, code: 2},
	{src: "cli::unescape_errors (\\x)", args: []string{"--delimiter", `\x`, "-e", "0:"}, out: "error: `\\x` needs two hex digits\n", contains: true, code: 2},
	{src: "cli::unescape_errors (trailing)", args: []string{"--delimiter", `trailing\`, "-e", "0:"}, out: "error: trailing backslash in delimiter\n", contains: true, code: 2},
	{src: "cli::generate_value_enum_kebab_names", args: []string{"--generate", "complete-power-shell"}, out: "error: invalid value 'complete-power-shell' for '--generate <KIND>'", contains: true, code: 2},
	{src: "cli::generate_excludes_all_other_args (-l)", args: []string{"--generate", "man", "-l"}, out: "cannot be used with one or more of the other specified arguments", contains: true, code: 2},
	{src: "cli::generate_excludes_all_other_args (file)", args: []string{"--generate", "man", "file.txt"}, out: "error: ", contains: true, code: 2},
	{src: "cli::range_still_required_without_generate", args: []string{"-l"}, out: "error: the following required arguments were not provided:\n  <RANGE>", contains: true, code: 2},
	{src: "cli::translate_rejects_unknown_dialect", args: []string{"--translate=zsh", ":5"}, out: "error: invalid value 'zsh' for '--translate[=<DIALECT>]'", contains: true, code: 2},
	{src: "cli::max_record_size_rejects_zero", args: []string{"--max-record-size", "0", ":"}, out: "'--max-record-size <SIZE|unlimited>': 0 is not allowed", contains: true, code: 2},
	// src/range.rs, mod invalid.
	{src: "invalid::empty", args: []string{""}, out: "range requires a ':' separator", contains: true, code: 2},
	{src: "invalid::minus_plus_rejected", args: []string{"--", "-+1:"}, out: "invalid start value '-+1': invalid digit found in string", contains: true, code: 2},
	{src: "invalid::minus_plus_rejected (end)", args: []string{":-+1"}, out: "invalid end value '-+1': invalid digit found in string", contains: true, code: 2},
	{src: "invalid::zero_and_malformed_steps_stay_rejected (::-+1)", args: []string{"::-+1"}, out: "invalid step value '-+1': invalid digit found in string", contains: true, code: 2},
	{src: "invalid::zero_and_malformed_steps_stay_rejected (::--1)", args: []string{"::--1"}, out: "invalid step value '--1': invalid digit found in string", contains: true, code: 2},
	{src: "invalid::zero_and_malformed_steps_stay_rejected (::-0)", args: []string{"::-0"}, out: "invalid step value '-0': number would be zero for non-zero type", contains: true, code: 2},
	{src: "invalid::negative_overflow_rejected", args: []string{"--", "-18446744073709551616:"}, out: "invalid start value '-18446744073709551616': number too large to fit in target type", contains: true, code: 2},
	{src: "invalid::negative_step_rejects_relative_end", args: []string{"5:+3:-1"}, out: "a negative step cannot be combined with a relative end ('+' or '+-')", contains: true, code: 2},
	{src: "invalid::negative_step_rejects_relative_end (+-)", args: []string{"5:+-3:-1"}, out: "a negative step cannot be combined with a relative end ('+' or '+-')", contains: true, code: 2},
	{src: "invalid::relative_end_rejects_non_numeric_count", args: []string{"5:+x"}, out: "invalid end value 'x': invalid digit found in string", contains: true, code: 2},
	{src: "invalid::too_many_parts", args: []string{"1:2:3:4"}, out: "too many ':' separators in range (expected at most start:end:step)", contains: true, code: 2},
}

// TestReferenceUnitPrints checks what the reference's unit tests pin of
// --translate, --explain and the errors of bad command lines.
func TestReferenceUnitPrints(t *testing.T) {
	dir := t.TempDir()
	for _, c := range refPrints {
		got := runSlice(t, dir, nil, true, c.args...)
		text := got.stdout
		if c.code != 0 {
			text = got.stderr
		}
		ok := text == c.out
		if c.contains {
			ok = true
			for _, line := range strings.Split(c.out, "\n") {
				ok = ok && strings.Contains(text, line)
			}
		}
		if !ok || got.code != c.code {
			t.Errorf("%s: slice %q: status %d, output:\n%s\nwant status %d and %q", c.src, c.args, got.code, text, c.code, c.out)
		}
	}
}

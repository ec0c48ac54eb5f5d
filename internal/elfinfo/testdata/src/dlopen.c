/*
 * dlopen: carries two .note.dlopen notes in the format of systemd's ELF
 * dlopen metadata spec (note type 0x407c0c0a, owner "FDO", a JSON array).
 * The struct mirrors systemd's ELF_NOTE_DLOPEN macro; gas gives sections
 * named .note* the type SHT_NOTE.
 */
#include <stdint.h>
#include <stdio.h>

#define NOTE(var, json)                                                        \
	__attribute__((used, section(".note.dlopen"))) _Alignas(4) static const struct { \
		struct { uint32_t n_namesz, n_descsz, n_type; } nhdr;          \
		char name[sizeof("FDO")];                                      \
		_Alignas(4) char desc[sizeof(json)];                           \
	} var = {                                                              \
		.nhdr = { sizeof("FDO"), sizeof(json), 0x407c0c0a },           \
		.name = "FDO",                                                 \
		.desc = json,                                                  \
	}

NOTE(note_zstd, "[{\"feature\":\"zstd\",\"description\":\"Support for zstd compression\",\"priority\":\"suggested\",\"soname\":[\"libzstd.so.1\"]}]");
NOTE(note_idn, "[{\"feature\":\"idn\",\"description\":\"IDN support\",\"soname\":[\"libidn2.so.0\",\"libidn.so.12\"]},{\"feature\":\"pcre\",\"priority\":\"required\",\"soname\":[\"libpcre2-8.so.0\"]}]");

int main(void)
{
	puts("dlopen");
	return 0;
}

#ifndef TESTS_LSAN_FONTCONFIG_H
#define TESTS_LSAN_FONTCONFIG_H

/*
 * Included by the test programs that render slips (one translation unit
 * each). fontconfig 2.14 loses about 300 bytes while parsing its own
 * configuration, once per process, when Pango first loads fonts
 * (FcInitLoadConfigAndFonts -> expat). The leak is not ours and FcFini()
 * cannot return memory that nothing points to. Debian's libfontconfig
 * has no frame pointers, so the quick unwinder's stack ends inside it
 * and the function cannot be named: the suppression covers memory that
 * libfontconfig itself allocated, which this project never does directly.
 * LeakSanitizer looks this hook up by name; without ASan it is unused.
 */
const char *__lsan_default_suppressions(void);

const char *
__lsan_default_suppressions(void)
{
	return "leak:libfontconfig.so\n";
}

#endif

/*
 * identify.c - classification. Cheap magic-byte checks decide the class of
 * executables and archives; libmagic, loaded from the database embedded in
 * the binary, gives the description and tells text apart. libmagic only
 * looks at a prefix of the object (MS_MAGIC_BYTES) and skips the checks we
 * do not need (compressed contents, CDF, CSV, tokens): `file` over /usr
 * costs as much as the whole YARA scan otherwise (DESIGN.md "Identify").
 */
#include "identify.h"

#include <errno.h>
#include <magic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "exe.h"
#include "formats.h"

/* libmagic sees at most this many bytes. ELF/PE headers, shebangs and
 * archive headers are all near the start; 64 KiB keeps text detection
 * honest for scripts and configs. */
#define MS_MAGIC_BYTES (64u * 1024u)

extern const unsigned char ms_magic_db_start[];
extern const unsigned char ms_magic_db_end[];

struct ms_identifier {
    magic_t magic;
    char desc[512];
};

size_t ms_magic_db_size(void) {
    return (size_t)(ms_magic_db_end - ms_magic_db_start);
}

int ms_identifier_new(ms_identifier **ret) {
    ms_identifier *id = calloc(1, sizeof(*id));
    int r = MS_E_MAGIC;
    if (!id)
        return -ENOMEM;
    id->magic = magic_open(MAGIC_NO_CHECK_COMPRESS | MAGIC_NO_CHECK_CDF | MAGIC_NO_CHECK_CSV |
                           MAGIC_NO_CHECK_TOKENS | MAGIC_NO_CHECK_APPTYPE | MAGIC_ERROR);
    if (!id->magic)
        goto fail;
    void *bufs[1] = {(void *)ms_magic_db_start};
    size_t sizes[1] = {ms_magic_db_size()};
    if (magic_load_buffers(id->magic, bufs, sizes, 1) != 0)
        goto fail;
    size_t bytes_max = MS_MAGIC_BYTES;
    magic_setparam(id->magic, MAGIC_PARAM_BYTES_MAX, &bytes_max);
    *ret = id;
    return 0;
fail:
    ms_identifier_free(id);
    return r;
}

void ms_identifier_free(ms_identifier *id) {
    if (!id)
        return;
    if (id->magic)
        magic_close(id->magic);
    free(id);
}

ms_class ms_identify_fast(const uint8_t *d, size_t n) {
    ms_exe x;
    /* an ELF is an ELF by its magic, even with a header it cannot hold:
     * what it may be scored as is ms_exe_elf_program's to say */
    if (n >= 4 && !memcmp(d, "\x7f" "ELF", 4))
        return MS_CLASS_ELF;
    switch (ms_exe_parse(d, n, &x)) {
    case MS_EXE_PE:
        return MS_CLASS_PE;
    case MS_EXE_MACHO:
        return MS_CLASS_MACHO;
    default:
        break;
    }
    if (ms_format_at_start(d, n) != MS_FMT_NONE)
        return MS_CLASS_ARCHIVE;
    if (n >= 2 && d[0] == '#' && d[1] == '!')
        return MS_CLASS_SCRIPT;
    return MS_CLASS_OTHER;
}

static bool has_suffix(const char *name, const char *const *suffixes) {
    size_t n = strlen(name);
    for (; *suffixes; suffixes++) {
        size_t k = strlen(*suffixes);
        if (n > k && !strcasecmp(name + n - k, *suffixes))
            return true;
    }
    return false;
}

static ms_class class_of_text(const char *desc, const char *name) {
    static const char *const script_ext[] = {".sh", ".bash", ".py", ".pl", ".ps1", ".psm1", ".js",
                                             ".vbs", ".bat", ".cmd", ".php", ".rb", ".lua", NULL};
    static const char *const config_ext[] = {".json", ".conf", ".cfg", ".ini", ".toml", ".yaml",
                                             ".yml", ".txt", ".service", ".timer", ".xml", NULL};
    if (strstr(desc, "script") || strstr(desc, "text executable"))
        return MS_CLASS_SCRIPT;
    if (strstr(desc, "JSON") || strstr(desc, "XML") || strstr(desc, "INItialization"))
        return MS_CLASS_CONFIG;
    if (name && has_suffix(name, script_ext))
        return MS_CLASS_SCRIPT;
    if (name && (has_suffix(name, config_ext) || !strcmp(name, "crontab")))
        return MS_CLASS_CONFIG;
    return MS_CLASS_OTHER;
}

/* Text, as far as its first MS_MAGIC_BYTES tell: no NUL, and at most one
 * byte in 64 a control character a text file does not hold (tab, newline,
 * carriage return, form feed, vertical tab and escape it may). Bytes over
 * 0x7f count as text: UTF-8 and the ISO-8859 sets are. */
static bool looks_text(const uint8_t *d, size_t n) {
    size_t look = n < MS_MAGIC_BYTES ? n : MS_MAGIC_BYTES, odd = 0, i = 0;
    if (look == 0)
        return false;
#ifdef __SSE2__
    /* 16 bytes at a time (a branch a byte was 9.7% of a scan of /usr/share):
     * NUL, and the odd ones: <= 0x1f but not 0x09-0x0d or 0x1b, or 0x7f */
    const __m128i zero = _mm_setzero_si128(), c1f = _mm_set1_epi8(0x1f), c9 = _mm_set1_epi8(9),
                  c4 = _mm_set1_epi8(4), c1b = _mm_set1_epi8(0x1b), c7f = _mm_set1_epi8(0x7f);
    for (; i + 16 <= look; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(d + i));
        if (_mm_movemask_epi8(_mm_cmpeq_epi8(v, zero)))
            return false;
        __m128i low = _mm_cmpeq_epi8(_mm_min_epu8(v, c1f), v);
        __m128i w = _mm_sub_epi8(v, c9);
        __m128i space = _mm_or_si128(_mm_cmpeq_epi8(_mm_min_epu8(w, c4), w), _mm_cmpeq_epi8(v, c1b));
        __m128i bad = _mm_or_si128(_mm_andnot_si128(space, low), _mm_cmpeq_epi8(v, c7f));
        odd += (size_t)__builtin_popcount((unsigned)_mm_movemask_epi8(bad));
    }
#endif
    for (; i < look; i++) {
        uint8_t c = d[i];
        if (c == 0)
            return false;
        if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v' && c != 0x1b) ||
            c == 0x7f)
            odd++;
    }
    return odd * 64 <= look;
}

static size_t skip_ws(const uint8_t *d, size_t n, size_t i) {
    while (i < n && (d[i] == ' ' || d[i] == '\t' || d[i] == '\n' || d[i] == '\r'))
        i++;
    return i;
}

/* Config text by its first bytes: a JSON object ({ then a "key" or }), a
 * JSON array of values, XML. A Pascal or C file's "{ comment" is not. */
static bool looks_config(const uint8_t *d, size_t n) {
    size_t i = n >= 3 && !memcmp(d, "\xef\xbb\xbf", 3) ? 3 : 0;
    i = skip_ws(d, n, i);
    if (i >= n)
        return false;
    if (n - i >= 5 && !memcmp(d + i, "<?xml", 5))
        return true;
    if (d[i] != '{' && d[i] != '[')
        return false;
    bool obj = d[i] == '{';
    size_t j = skip_ws(d, n, i + 1);
    if (j >= n)
        return false;
    return obj ? d[j] == '"' || d[j] == '}' : (d[j] == '{' || d[j] == '[' || d[j] == '"' || d[j] == ']' ||
                                               (d[j] >= '0' && d[j] <= '9') || d[j] == '-');
}

/* The bytes scripts without #! are told by, at most. */
#define MS_SCRIPT_LOOK (8u * 1024u)

static bool is_name_char(uint8_t c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* l[0..n) is "NAME(.NAME)*" followed by end or what may follow in a
 * Python import: " as NAME", ", NAME ...", " import ...". Returns the
 * length of the dotted name, 0 when it is not one. */
static size_t dotted_name(const uint8_t *l, size_t n) {
    size_t i = 0;
    if (n == 0 || !is_name_char(l[0]) || (l[0] >= '0' && l[0] <= '9'))
        return 0;
    while (i < n && (is_name_char(l[i]) || (l[i] == '.' && i + 1 < n && is_name_char(l[i + 1]))))
        i++;
    return i;
}

static bool starts(const uint8_t *l, size_t n, const char *w) {
    size_t k = strlen(w);
    return n >= k && !memcmp(l, w, k);
}

/* One line, without its indentation and end, of a Python import:
 * "import a.b", "import a as b", "import a, b", "from a.b import c".
 * Prose that starts with the word ("import the key with gpg") is not one:
 * after the name comes the line's end, " as ", "," or (from) " import ". */
static bool python_import(const uint8_t *l, size_t n) {
    size_t at, k;
    if (starts(l, n, "import ")) {
        at = 7;
        k = dotted_name(l + at, n - at);
        if (!k)
            return false;
        at += k;
        while (at < n && (l[at] == ' ' || l[at] == '\t'))
            at++;
        return at == n || l[at] == ',' || l[at] == '#' || starts(l + at, n - at, "as ");
    }
    if (starts(l, n, "from ")) {
        at = 5;
        k = dotted_name(l + at, n - at);
        if (!k && !(at < n && l[at] == '.'))
            return false;
        while (at < n && l[at] == '.')
            at++;
        at += dotted_name(l + at, n - at);
        return starts(l + at, n - at, " import ");
    }
    return false;
}

/* A script with no #! and no name that says so, by its first
 * MS_SCRIPT_LOOK bytes: the kinds libmagic's text tests tell apart, so
 * that the class does not need libmagic (it was most of the CPU of a scan
 * of documentation and headers, one call per text file): PHP's opening
 * tag first; a Python import line, "def __init__(self" or a "try:" with
 * its "except ...:" or "finally:"; a Ruby "require 'x'"; an awk "BEGIN {". */
static bool looks_script(const uint8_t *d, size_t n) {
    size_t end = n < MS_SCRIPT_LOOK ? n : MS_SCRIPT_LOOK;
    size_t i = skip_ws(d, end, 0);
    if (starts(d + i, end - i, "<?php"))
        return true;
    bool in_try = false;
    for (size_t ls = 0; ls < end;) {
        const uint8_t *nl = memchr(d + ls, '\n', end - ls);
        size_t le = nl ? (size_t)(nl - d) : end, a = ls;
        while (a < le && (d[a] == ' ' || d[a] == '\t'))
            a++;
        size_t b = le;
        while (b > a && (d[b - 1] == '\r' || d[b - 1] == ' ' || d[b - 1] == '\t'))
            b--;
        const uint8_t *l = d + a;
        size_t len = b - a;
        if (a == ls && python_import(l, len))
            return true;
        if (starts(l, len, "def __init__(self"))
            return true;
        if (len == 4 && starts(l, len, "try:"))
            in_try = true;
        else if (in_try && len > 0 && l[len - 1] == ':' && (starts(l, len, "except") || starts(l, len, "finally")))
            return true;
        if (a == ls && (starts(l, len, "require '") || starts(l, len, "require \"") ||
                        starts(l, len, "require_relative ")))
            return true;
        if (a == ls && starts(l, len, "BEGIN {"))
            return true;
        ls = le + 1;
    }
    return false;
}

ms_class ms_identify_class(const uint8_t *data, size_t size, const char *name, bool *ret_text) {
    ms_class cls = ms_identify_fast(data, size);
    bool text = cls == MS_CLASS_SCRIPT || cls == MS_CLASS_CONFIG || (cls == MS_CLASS_OTHER && looks_text(data, size));
    if (ret_text)
        *ret_text = text;
    if (cls != MS_CLASS_OTHER || !text)
        return cls;
    if (looks_config(data, size))
        return MS_CLASS_CONFIG;
    /* text: its name may say, else its first lines (a script with no #!
     * and no extension) */
    cls = class_of_text("", name);
    if (cls == MS_CLASS_OTHER && looks_script(data, size))
        cls = MS_CLASS_SCRIPT;
    return cls;
}

bool ms_identify_is_text(const uint8_t *data, size_t size) {
    return looks_text(data, size);
}

const char *ms_identify_describe(ms_identifier *id, const uint8_t *data, size_t size) {
    const char *d = size ? magic_buffer(id->magic, data, size < MS_MAGIC_BYTES ? size : MS_MAGIC_BYTES)
                         : "empty";
    if (!d)
        d = "data";
    size_t n = strlen(d);
    if (n >= sizeof(id->desc))
        n = sizeof(id->desc) - 1;
    memcpy(id->desc, d, n);
    id->desc[n] = '\0';
    return id->desc;
}

void ms_identify_refine(const char *desc, const char *name, ms_class *cls) {
    if (*cls == MS_CLASS_OTHER && strstr(desc, "text"))
        *cls = class_of_text(desc, name);
}

void ms_identify(ms_identifier *id, const uint8_t *data, size_t size, const char *name, ms_class cls,
                 ms_class *ret_cls, const char **ret_desc) {
    const char *desc = ms_identify_describe(id, data, size);
    ms_identify_refine(desc, name, &cls);
    *ret_cls = cls;
    *ret_desc = desc;
}

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
    size_t look = n < MS_MAGIC_BYTES ? n : MS_MAGIC_BYTES, odd = 0;
    if (look == 0)
        return false;
    for (size_t i = 0; i < look; i++) {
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

bool ms_identify_class(const uint8_t *data, size_t size, const char *name, ms_class *ret_cls) {
    ms_class cls = ms_identify_fast(data, size);
    if (cls != MS_CLASS_OTHER || !looks_text(data, size)) {
        *ret_cls = cls;
        return false;
    }
    if (looks_config(data, size)) {
        *ret_cls = MS_CLASS_CONFIG;
        return false;
    }
    /* text: its name may say, else libmagic's content tests (a script
     * with no #! and no extension) */
    cls = class_of_text("", name);
    *ret_cls = cls;
    return cls == MS_CLASS_OTHER;
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

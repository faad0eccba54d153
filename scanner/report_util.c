/*
 * report_util.c - the reporter table and the encoders every reporter shares:
 * strict UTF-8 decoding, JSON strings and numbers, base64, terminal-safe
 * text and URI references. Paths and strings here come from hostile input
 * (file names, archive members, YARA metadata, extracted IOCs), so every
 * encoder accepts any byte sequence and always produces valid output.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>

#include "report.h"
#include "runinfo.h"

const ms_report_ops *ms_report_find(const char *name) {
    if (!strcmp(name, "text"))
        return &ms_report_text;
    if (!strcmp(name, "jsonl"))
        return &ms_report_jsonl;
    if (!strcmp(name, "sarif"))
        return &ms_report_sarif;
    return NULL;
}

static bool is_cont(unsigned char c) {
    return (c & 0xC0) == 0x80;
}

/* The second byte's range depends on the lead byte: that is where overlong
 * forms (E0 80..9F, F0 80..8F), surrogates (ED A0..BF) and code points over
 * U+10FFFF (F4 90.., F5..FF) are excluded (RFC 3629 section 4). */
size_t ms_utf8_decode(const char *str, size_t n, uint32_t *ret_cp) {
    const unsigned char *s = (const unsigned char *)str;
    unsigned char c = s[0];
    unsigned char lo = 0x80, hi = 0xBF;
    size_t len;
    uint32_t cp;

    if (c < 0x80) {
        *ret_cp = c;
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        cp = c & 0x0F;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        cp = c & 0x07;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else {
        return 0;
    }
    if (n < len || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if (!is_cont(s[i]))
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    *ret_cp = cp;
    return len;
}

bool ms_utf8_valid(const char *s, size_t n) {
    size_t i = 0;
    uint32_t cp;
    while (i < n) {
        size_t k = ms_utf8_decode(s + i, n - i, &cp);
        if (!k)
            return false;
        i += k;
    }
    return true;
}

void ms_json_escape(FILE *out, const char *s, size_t n) {
    size_t i = 0;
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        uint32_t cp;
        size_t k = ms_utf8_decode(s + i, n - i, &cp);
        if (!k) {
            fputs("\\ufffd", out);
            i++;
            continue;
        }
        if (k > 1) {
            /* U+2028/2029 are valid JSON but end a line in JavaScript. */
            if (cp == 0x2028 || cp == 0x2029)
                fprintf(out, "\\u%04x", (unsigned)cp);
            else
                fwrite(s + i, 1, k, out);
            i += k;
            continue;
        }
        switch (c) {
        case '"':
            fputs("\\\"", out);
            break;
        case '\\':
            fputs("\\\\", out);
            break;
        case '\b':
            fputs("\\b", out);
            break;
        case '\f':
            fputs("\\f", out);
            break;
        case '\n':
            fputs("\\n", out);
            break;
        case '\r':
            fputs("\\r", out);
            break;
        case '\t':
            fputs("\\t", out);
            break;
        default:
            if (c < 0x20 || c == 0x7F)
                fprintf(out, "\\u%04x", c);
            else
                fputc(c, out);
        }
        i++;
    }
}

void ms_json_string(FILE *out, const char *s, size_t n) {
    fputc('"', out);
    ms_json_escape(out, s, n);
    fputc('"', out);
}

void ms_json_cstr(FILE *out, const char *s) {
    if (!s)
        fputs("null", out);
    else
        ms_json_string(out, s, strlen(s));
}

void ms_json_str_array(FILE *out, char *const *v, size_t n) {
    fputc('[', out);
    for (size_t i = 0; i < n; i++) {
        if (i)
            fputc(',', out);
        ms_json_cstr(out, v[i]);
    }
    fputc(']', out);
}

void ms_json_double(FILE *out, double d) {
    char buf[64];
    if (!isfinite(d)) {
        fputs("null", out);
        return;
    }
    snprintf(buf, sizeof(buf), "%.6g", d);
    /* A program that linked us may have set LC_NUMERIC to a comma locale. */
    for (char *p = buf; *p; p++)
        if (*p == ',')
            *p = '.';
    fputs(buf, out);
}


/* Code points a terminal acts on rather than draws: C1 controls (CSI is
 * U+009B in 8-bit terminals), bidirectional formatting that can make a
 * name display reversed ("Trojan Source"), and line/paragraph separators. */
static bool is_unsafe_cp(uint32_t cp) {
    return (cp >= 0x80 && cp <= 0x9F) || cp == 0x061C || cp == 0x200E || cp == 0x200F ||
           (cp >= 0x2028 && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

void ms_text_sanitize(FILE *out, const char *s, size_t n) {
    size_t i = 0;
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        uint32_t cp;
        size_t k = ms_utf8_decode(s + i, n - i, &cp);
        if (k == 1 && c >= 0x20 && c < 0x7F) {
            if (c == '\\')
                fputs("\\\\", out);
            else
                fputc(c, out);
        } else if (k > 1 && !is_unsafe_cp(cp)) {
            fwrite(s + i, 1, k, out);
        } else {
            if (!k)
                k = 1;
            for (size_t j = 0; j < k; j++)
                fprintf(out, "\\x%02x", (unsigned char)s[i + j]);
        }
        i += k;
    }
}

static void uri_put(FILE *out, const char *s, size_t n, bool slash_ok) {
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~' || (c == '/' && slash_ok)) {
            fputc(c, out);
        } else {
            fputc('%', out);
            fputc(hex[c >> 4], out);
            fputc(hex[c & 15], out);
        }
    }
}

/* RFC 3986 5.2.4 on an absolute path: "." and ".." segments resolved
 * lexically, which is what any URI consumer does with the result anyway.
 * Returns a malloc'd string of *ret_n bytes, NULL on ENOMEM. */
static char *remove_dot_segments(const char *p, size_t n, size_t *ret_n) {
    char *o = malloc(n + 1);
    size_t k = 0, i = 0;
    if (!o)
        return NULL;
    while (i < n) {
        size_t j = i + 1; /* p[i] == '/' */
        while (j < n && p[j] != '/')
            j++;
        const char *seg = p + i + 1;
        size_t len = j - i - 1;
        bool last = j == n;
        if (len == 1 && seg[0] == '.') {
            if (last)
                o[k++] = '/';
        } else if (len == 2 && seg[0] == '.' && seg[1] == '.') {
            while (k > 0 && o[k - 1] != '/')
                k--;
            if (k > 0)
                k--;
            if (last)
                o[k++] = '/';
        } else {
            o[k++] = '/';
            memcpy(o + k, seg, len);
            k += len;
        }
        i = j;
    }
    if (k == 0)
        o[k++] = '/';
    *ret_n = k;
    return o;
}

void ms_uri_write(FILE *out, const char *path, size_t n, bool member) {
    const char *bang = member ? memchr(path, '!', n) : NULL;
    size_t disk = bang ? (size_t)(bang - path) : n;

    if (disk > 0 && path[0] == '/') {
        size_t m = 0;
        char *norm = remove_dot_segments(path, disk, &m);
        fputs("file://", out);
        if (norm)
            uri_put(out, norm, m, true);
        else
            uri_put(out, path, disk, true);
        free(norm);
    } else {
        uri_put(out, path, disk, true);
    }
    /* The member chain as jar: URLs write it (issue 11: a tool shows
     * a.tar!/usr/bin/x, not one encoded segment): each level after "!/",
     * its own '/' kept. A "." or ".." segment of a member name is encoded
     * (%2E), so a member named "../../etc/passwd" cannot resolve to a real
     * file: RFC 3986 removes only literal dot segments. */
    size_t i = disk;
    while (i < n) {
        /* path[i] == '!' */
        fputs("!/", out);
        i++;
        size_t end = i;
        while (end < n && path[end] != '!')
            end++;
        while (i < end) {
            size_t seg = i;
            while (seg < end && path[seg] != '/')
                seg++;
            size_t len = seg - i;
            if ((len == 1 && path[i] == '.') || (len == 2 && path[i] == '.' && path[i + 1] == '.'))
                fputs(len == 1 ? "%2E" : "%2E%2E", out);
            else
                uri_put(out, path + i, len, false);
            if (seg < end)
                fputc('/', out);
            i = seg < end ? seg + 1 : seg;
        }
    }
}

#define SF(n) {#n, offsetof(ms_summary, n)}
const ms_summary_field ms_summary_fields[] = {
    SF(objects),    SF(files),    SF(members),    SF(directories), SF(bytes),
    SF(clean),      SF(damaged),  SF(malicious),  SF(suspicious),  SF(containing),
    {"errors", offsetof(ms_summary, errors)}, SF(skipped), SF(limits), SF(incomplete),
    SF(linked),
    {NULL, 0},
};

uint64_t ms_summary_value(const ms_summary *s, const ms_summary_field *f) {
    uint64_t v;
    memcpy(&v, (const char *)s + f->off, sizeof(v));
    return v;
}

void ms_summary_json(FILE *out, const ms_summary *s) {
    for (const ms_summary_field *f = ms_summary_fields; f->name; f++)
        fprintf(out, "%s\"%s\":%llu", f == ms_summary_fields ? "" : ",", f->name,
                (unsigned long long)ms_summary_value(s, f));
}

int ms_report_seal(ms_report *r, char hex[65], uint64_t *ret_bytes, char end_utc[32]) {
    ms_runinfo_end(r->run);
    if (r->run->sort)
        end_utc[0] = '\0';
    else
        ms_utc_text(&r->run->end, end_utc);
    return ms_chain_sum(r->chain, r->out, hex, ret_bytes);
}

int ms_report_end_sealed(ms_report *r, ms_seal_fn write_seal) {
    int f = fflush(r->out);
    if (f != 0 || ferror(r->out))
        return r->chain && ms_chain_error(r->chain) ? ms_chain_error(r->chain) : -EIO;
    if (!r->run)
        return 0;
    char hex[65], when[32];
    uint64_t bytes = 0;
    int k = ms_report_seal(r, hex, &bytes, when);
    if (k < 0)
        return k == MS_E_CRYPTO ? k : r->chain && ms_chain_error(r->chain) ? ms_chain_error(r->chain) : -EIO;
    write_seal(r->raw, hex, bytes, when);
    return fflush(r->raw) == 0 && !ferror(r->raw) ? 0 : -EIO;
}

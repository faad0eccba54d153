/* jsontok.c - a bounded JSON tokenizer (see jsontok.h). */
#include "jsontok.h"

#include <stdlib.h>
#include <string.h>

#include "capture.h"

static size_t skip_ws(const char *s, size_t n, size_t i) {
    while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
        i++;
    return i;
}

static bool is_hex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* The end of the string starting at s[i] == '"', or 0. */
static size_t scan_string(const char *s, size_t n, size_t i) {
    for (i++; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"')
            return i + 1;
        if (c < 0x20)
            return 0;
        if (c == '\\') {
            if (++i >= n)
                return 0;
            switch (s[i]) {
            case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
                break;
            case 'u':
                if (n - i < 5 || !is_hex(s[i + 1]) || !is_hex(s[i + 2]) || !is_hex(s[i + 3]) ||
                    !is_hex(s[i + 4]))
                    return 0;
                i += 4;
                break;
            default:
                return 0;
            }
        }
    }
    return 0;
}

static size_t digits(const char *s, size_t n, size_t i) {
    size_t b = i;
    while (i < n && s[i] >= '0' && s[i] <= '9')
        i++;
    return i - b;
}

/* The end of the number starting at s[i], or 0. */
static size_t scan_number(const char *s, size_t n, size_t i) {
    if (i < n && s[i] == '-')
        i++;
    if (i >= n)
        return 0;
    if (s[i] == '0')
        i++;
    else if (s[i] >= '1' && s[i] <= '9')
        i += digits(s, n, i);
    else
        return 0;
    if (i < n && s[i] == '.') {
        size_t k = digits(s, n, i + 1);
        if (!k)
            return 0;
        i += 1 + k;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        size_t k = digits(s, n, i);
        if (!k)
            return 0;
        i += k;
    }
    return i;
}

int ms_jt_parse(const char *s, size_t n, jtok *t, size_t cap, size_t *ret_n) {
    uint32_t stack[MS_CAPTURE_MAX_JSON_DEPTH];
    size_t depth = 0, nt = 0, i = 0;
    /* what the grammar allows next: a value, a key, or ',' / close */
    enum { WANT_VALUE, WANT_KEY, WANT_COLON, WANT_SEP } want = WANT_VALUE;
    bool done = false;

    if (n > UINT32_MAX || cap == 0)
        return -1;
    for (;;) {
        i = skip_ws(s, n, i);
        if (done)
            break;
        if (i >= n)
            return -1;
        char c = s[i];
        if (want == WANT_COLON) {
            if (c != ':')
                return -1;
            i++;
            want = WANT_VALUE;
            continue;
        }
        if (want == WANT_SEP || ((want == WANT_KEY || want == WANT_VALUE) && (c == '}' || c == ']'))) {
            if (c == ',' && want == WANT_SEP && depth) {
                i++;
                want = t[stack[depth - 1]].type == JT_OBJ ? WANT_KEY : WANT_VALUE;
                continue;
            }
            if ((c != '}' && c != ']') || !depth)
                return -1;
            jtok *open = &t[stack[depth - 1]];
            if ((c == '}') != (open->type == JT_OBJ))
                return -1;
            /* "[1,]" and "{"a":1,}": a close right after a comma */
            if (want != WANT_SEP && open->size)
                return -1;
            if (want == WANT_VALUE && open->type == JT_OBJ)
                return -1;
            open->end = (uint32_t)(i + 1);
            open->next = (uint32_t)nt;
            depth--;
            i++;
            want = WANT_SEP;
            if (!depth)
                done = true;
            continue;
        }
        /* a value (or a key, which must be a string) */
        if (nt >= cap)
            return -1;
        if (want == WANT_KEY && c != '"')
            return -1;
        jtok *k = &t[nt];
        *k = (jtok){.start = (uint32_t)i};
        size_t e = 0;
        if (c == '{' || c == '[') {
            if (depth >= MS_CAPTURE_MAX_JSON_DEPTH)
                return -1;
            k->type = c == '{' ? JT_OBJ : JT_ARR;
            if (depth)
                t[stack[depth - 1]].size++;
            stack[depth++] = (uint32_t)nt++;
            i++;
            want = c == '{' ? WANT_KEY : WANT_VALUE;
            continue;
        }
        if (c == '"') {
            e = scan_string(s, n, i);
            k->type = JT_STR;
        } else if (c == '-' || (c >= '0' && c <= '9')) {
            e = scan_number(s, n, i);
            k->type = JT_NUM;
        } else if (n - i >= 4 && !memcmp(s + i, "true", 4)) {
            e = i + 4;
            k->type = JT_TRUE;
        } else if (n - i >= 5 && !memcmp(s + i, "false", 5)) {
            e = i + 5;
            k->type = JT_FALSE;
        } else if (n - i >= 4 && !memcmp(s + i, "null", 4)) {
            e = i + 4;
            k->type = JT_NULL;
        }
        if (!e)
            return -1;
        k->end = (uint32_t)e;
        k->next = (uint32_t)(nt + 1);
        if (depth)
            t[stack[depth - 1]].size++;
        nt++;
        i = e;
        if (!depth) {
            done = true;
        } else if (want == WANT_KEY) {
            want = WANT_COLON;
        } else {
            want = WANT_SEP;
        }
    }
    if (i != n)
        return -1;
    *ret_n = nt;
    return 0;
}

bool ms_jt_is(const jtok *t, int i, int type) {
    return i >= 0 && t[i].type == type;
}

bool ms_jt_str_eq(const char *s, const jtok *t, int i, const char *lit) {
    if (!ms_jt_is(t, i, JT_STR))
        return false;
    size_t len = t[i].end - t[i].start - 2;
    return strlen(lit) == len && !memcmp(s + t[i].start + 1, lit, len);
}

int ms_jt_get(const char *s, const jtok *t, size_t n, int obj, const char *key) {
    if (!ms_jt_is(t, obj, JT_OBJ))
        return -1;
    size_t i = (size_t)obj + 1;
    for (uint32_t k = 0; k < t[obj].size && i < n; k += 2) {
        size_t v = t[i].next;
        if (v >= n)
            return -1;
        if (ms_jt_str_eq(s, t, (int)i, key))
            return (int)v;
        i = t[v].next;
    }
    return -1;
}

int ms_jt_at(const jtok *t, size_t n, int arr, size_t k) {
    if (!ms_jt_is(t, arr, JT_ARR) || k >= t[arr].size)
        return -1;
    size_t i = (size_t)arr + 1;
    while (k-- && i < n)
        i = t[i].next;
    return i < n ? (int)i : -1;
}

static int hexval(char c) {
    return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}

char *ms_jt_strdup(const char *s, const jtok *t, int i, size_t max) {
    if (!ms_jt_is(t, i, JT_STR))
        return NULL;
    const char *p = s + t[i].start + 1, *e = s + t[i].end - 1;
    if ((size_t)(e - p) > max * 6)
        return NULL;
    char *out = malloc((size_t)(e - p) + 1), *o = out;
    if (!out)
        return NULL;
    while (p < e) {
        if (*p != '\\') {
            *o++ = *p++;
            continue;
        }
        p++;
        char c = *p++;
        switch (c) {
        case 'b': *o++ = '\b'; break;
        case 'f': *o++ = '\f'; break;
        case 'n': *o++ = '\n'; break;
        case 'r': *o++ = '\r'; break;
        case 't': *o++ = '\t'; break;
        case 'u': {
            /* the tokenizer checked the four hex digits; surrogate halves
             * are written as U+FFFD (the reporters escape whatever we keep) */
            unsigned cp = (unsigned)(hexval(p[0]) << 12 | hexval(p[1]) << 8 | hexval(p[2]) << 4 |
                                     hexval(p[3]));
            p += 4;
            if (cp == 0) {
                free(out);
                return NULL;
            }
            if (cp >= 0xd800 && cp <= 0xdfff)
                cp = 0xfffd;
            if (cp < 0x80) {
                *o++ = (char)cp;
            } else if (cp < 0x800) {
                *o++ = (char)(0xc0 | cp >> 6);
                *o++ = (char)(0x80 | (cp & 0x3f));
            } else {
                *o++ = (char)(0xe0 | cp >> 12);
                *o++ = (char)(0x80 | ((cp >> 6) & 0x3f));
                *o++ = (char)(0x80 | (cp & 0x3f));
            }
            break;
        }
        default: *o++ = c; break;
        }
    }
    *o = '\0';
    if ((size_t)(o - out) > max) {
        free(out);
        return NULL;
    }
    return out;
}

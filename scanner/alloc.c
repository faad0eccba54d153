/*
 * alloc.c - see alloc.h for the policy.
 */
#include "alloc.h"

#include "obscure.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

_Noreturn void ms_oom(void) {
    static const char msg[] = "minerscan: out of memory\n";
    /* write(2), not stdio: stdio may itself need memory */
    if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0) {
        /* nothing more can be said */
    }
    _exit(2);
}

void *ms_xmalloc(size_t n) {
    void *p = malloc(n ? n : 1);
    if (!p)
        ms_oom();
    return p;
}

void *ms_xcalloc(size_t n, size_t size) {
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        ms_oom();
    return p;
}

void *ms_xrealloc(void *p, size_t n) {
    void *q = realloc(p, n ? n : 1);
    if (!q)
        ms_oom();
    return q;
}

void *ms_xgrow(void *p, size_t *cap, size_t want, size_t size) {
    if (want <= *cap)
        return p;
    size_t c = *cap ? *cap : 8, bytes;
    while (c < want)
        if (__builtin_mul_overflow(c, (size_t)2, &c))
            ms_oom();
    if (__builtin_mul_overflow(c, size, &bytes))
        ms_oom();
    p = ms_xrealloc(p, bytes);
    *cap = c;
    return p;
}

char *ms_xstrdup(const char *s) {
    return ms_xmemdup0(s, strlen(s));
}

char *ms_xmemdup0(const void *p, size_t n) {
    if (n == SIZE_MAX)
        ms_oom();
    char *s = ms_xmalloc(n + 1);
    if (n)
        memcpy(s, p, n);
    s[n] = '\0';
    return s;
}

char *ms_xvasprintf(const char *fmt, va_list ap) {
    va_list aq;
    va_copy(aq, ap);
    int n = vsnprintf(NULL, 0, fmt, aq);
    va_end(aq);
    if (n < 0)
        n = 0; /* an encoding error: an empty string, not a crash */
    char *s = ms_xmalloc((size_t)n + 1);
    if (vsnprintf(s, (size_t)n + 1, fmt, ap) < 0)
        s[0] = '\0';
    return s;
}

char *ms_xasprintf(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char *s = ms_xvasprintf(fmt, ap);
    va_end(ap);
    return s;
}

/* obscure.h: here, beside the allocator it needs (rulec includes
 * obscure.h for the inline keystream alone) */
char *ms_strtab_decode(const uint8_t *blob, size_t n) {
    char *s = ms_xmemdup0(blob, n);
    ms_obscure((uint8_t *)s, n, 0);
    return s;
}

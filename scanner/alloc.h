/*
 * alloc.h - the allocation policy, one rule for the whole scanner.
 *
 * Two kinds of allocation, two answers:
 *
 *  - Bookkeeping whose size the input does not choose (a record, a path, a
 *    rule hit, an IOC list entry, a reason) is small and bounded by the
 *    limits of ms_limits.h. Its failure means the machine is out of memory,
 *    not that one object is bad, and no record could be written anyway: the
 *    ms_x* functions below end the process with "minerscan: out of memory"
 *    and exit status 2 (what was written of the report stays; its summary
 *    is missing, which says the run did not end). Callers never test them,
 *    so there is no untested error branch behind every strdup.
 *  - Buffers whose size the input chooses (a member, a decoded payload, a
 *    read buffer) are allocated with plain malloc/realloc and checked: their
 *    failure is that object's problem, reported as its error or limit
 *    record, and the scan goes on.
 *
 * The fault shim's allocation countdown (tests/fault_shim.c) checks both.
 */
#ifndef MS_ALLOC_H
#define MS_ALLOC_H

#include <stdarg.h>
#include <stddef.h>

_Noreturn void ms_oom(void);

void *ms_xmalloc(size_t n);
void *ms_xcalloc(size_t n, size_t size);
void *ms_xrealloc(void *p, size_t n);
/* Grow an array of n elements of size bytes to hold at least want, doubling;
 * *cap is updated. Overflow counts as out of memory. */
void *ms_xgrow(void *p, size_t *cap, size_t want, size_t size);
char *ms_xstrdup(const char *s);
/* n bytes of p and a NUL. */
char *ms_xmemdup0(const void *p, size_t n);
char *ms_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *ms_xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

#endif

/*
 * jsontok.h - a bounded JSON tokenizer for the flow analysers (internal).
 *
 * The message is split into a flat token array in one pass, without
 * recursion (an explicit stack of at most MS_CAPTURE_MAX_JSON_DEPTH open
 * containers) and without allocation (the caller's array, at most cap
 * tokens). The grammar is RFC 8259's, strictly: a message that is not one
 * complete JSON value (surrounding white space allowed) is rejected, so a
 * line of some other protocol never looks like JSON-RPC.
 *
 * A token covers [start, end) of the input; a string token covers its
 * quotes. An object's children alternate key, value; next is the index
 * just past a token's subtree, so siblings are walked without recursion.
 */
#ifndef MS_JSONTOK_H
#define MS_JSONTOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { JT_OBJ = 1, JT_ARR, JT_STR, JT_NUM, JT_TRUE, JT_FALSE, JT_NULL };

typedef struct jtok {
    uint8_t type;
    uint32_t start, end;
    uint32_t size; /* children: values of an array, keys+values of an object */
    uint32_t next;
} jtok;

/* Tokenize s[0..n). 0 and *ret_n tokens, or -1 (not one JSON value, too
 * deep, more than cap tokens, longer than 4 GiB). */
int ms_jt_parse(const char *s, size_t n, jtok *t, size_t cap, size_t *ret_n);

/* The value of key in object token obj, or -1 (not an object, no key). */
int ms_jt_get(const char *s, const jtok *t, size_t n, int obj, const char *key);
/* The k-th value of array token arr, or -1. */
int ms_jt_at(const jtok *t, size_t n, int arr, size_t k);
/* Is token i a string whose raw contents (between the quotes) equal lit? */
bool ms_jt_str_eq(const char *s, const jtok *t, int i, const char *lit);
/* Is token i of type type? (false for i < 0) */
bool ms_jt_is(const jtok *t, int i, int type);
/* The unescaped contents of string token i, NUL-terminated, at most max
 * bytes (longer: NULL), or NULL when i is not a string or holds a NUL.
 * Caller frees. */
char *ms_jt_strdup(const char *s, const jtok *t, int i, size_t max);

#endif

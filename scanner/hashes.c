/*
 * hashes.c - digests (openssl EVP) and known-bad / known-good hash lists.
 */
#include "hashes.h"

#include <ctype.h>
#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char hex[65];
    char *name;
} hash_entry;

struct ms_hashlist {
    hash_entry *e[3]; /* by kind: sha256, sha1, md5 */
    size_t n[3];
    char *list_name;
};

static const size_t kind_len[3] = {64, 40, 32};

static void to_hex(const unsigned char *d, unsigned n, char *out) {
    static const char hx[] = "0123456789abcdef";
    for (unsigned i = 0; i < n; i++) {
        out[2 * i] = hx[d[i] >> 4];
        out[2 * i + 1] = hx[d[i] & 15];
    }
    out[2 * n] = '\0';
}

static int digest_hex(const EVP_MD *md, const uint8_t *data, size_t size, char *out) {
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    if (EVP_Digest(data, size, d, &n, md, NULL) != 1)
        return MS_E_CRYPTO;
    to_hex(d, n, out);
    return 0;
}

int ms_sha256_hex(const uint8_t *data, size_t size, char out[65]) {
    return digest_hex(EVP_sha256(), data, size, out);
}

static int cmp_entry(const void *a, const void *b) {
    return strcmp(((const hash_entry *)a)->hex, ((const hash_entry *)b)->hex);
}

static int set_err(char **ret_err, const char *path, unsigned line, const char *msg) {
    if (!ret_err)
        return MS_E_USAGE;
    int n = snprintf(NULL, 0, "%s:%u: %s", path, line, msg);
    if (n >= 0 && (*ret_err = malloc((size_t)n + 1)))
        snprintf(*ret_err, (size_t)n + 1, "%s:%u: %s", path, line, msg);
    return MS_E_USAGE;
}

int ms_hashlist_load(const char *path, ms_hashlist **ret, char **ret_err) {
    FILE *f = NULL;
    char *line = NULL;
    size_t cap = 0;
    unsigned lineno = 0;
    int r = 0;
    ms_hashlist *l = calloc(1, sizeof(*l));
    if (!l)
        return -ENOMEM;
    const char *base = strrchr(path, '/');
    if (!(l->list_name = strdup(base ? base + 1 : path))) {
        r = -ENOMEM;
        goto out;
    }
    if (!(f = fopen(path, "re"))) {
        r = -errno;
        set_err(ret_err, path, 0, strerror(errno));
        goto out;
    }
    while (getline(&line, &cap, f) != -1) {
        lineno++;
        char *p = line;
        while (isspace((unsigned char)*p))
            p++;
        if (*p == '#' || *p == '\0')
            continue;
        size_t h = 0;
        while (isxdigit((unsigned char)p[h]))
            h++;
        int kind = h == 64 ? 0 : h == 40 ? 1 : h == 32 ? 2 : -1;
        /* Loki's and signature-base's lists: HASH;COMMENT */
        if (kind < 0 || (p[h] && p[h] != ';' && !isspace((unsigned char)p[h]))) {
            r = set_err(ret_err, path, lineno, "not a sha256, sha1 or md5 hex digest (HASH [NAME] or HASH;COMMENT)");
            goto out;
        }
        char *name = p + h;
        while (isspace((unsigned char)*name))
            name++;
        if (*name == ';')
            name++;
        while (isspace((unsigned char)*name))
            name++;
        size_t nl = strlen(name);
        while (nl > 0 && isspace((unsigned char)name[nl - 1]))
            name[--nl] = '\0';
        hash_entry *e = realloc(l->e[kind], (l->n[kind] + 1) * sizeof(*e));
        if (!e) {
            r = -ENOMEM;
            goto out;
        }
        l->e[kind] = e;
        for (size_t i = 0; i < h; i++)
            e[l->n[kind]].hex[i] = (char)tolower((unsigned char)p[i]);
        e[l->n[kind]].hex[h] = '\0';
        e[l->n[kind]].name = NULL;
        if (nl && !(e[l->n[kind]].name = strdup(name))) {
            r = -ENOMEM;
            goto out;
        }
        l->n[kind]++;
    }
    if (ferror(f)) {
        r = -EIO;
        set_err(ret_err, path, lineno, "read error");
        goto out;
    }
    for (int k = 0; k < 3; k++)
        if (l->n[k])
            qsort(l->e[k], l->n[k], sizeof(hash_entry), cmp_entry);
    *ret = l;
    l = NULL;
out:
    if (f)
        fclose(f);
    free(line);
    ms_hashlist_free(l);
    return r;
}

void ms_hashlist_free(ms_hashlist *l) {
    if (!l)
        return;
    for (int k = 0; k < 3; k++) {
        for (size_t i = 0; i < l->n[k]; i++)
            free(l->e[k][i].name);
        free(l->e[k]);
    }
    free(l->list_name);
    free(l);
}

size_t ms_hashlist_count(const ms_hashlist *l) {
    return l->n[0] + l->n[1] + l->n[2];
}

static const hash_entry *find(const ms_hashlist *l, int kind, const char *hex) {
    hash_entry key;
    if (!l->n[kind] || strlen(hex) != kind_len[kind])
        return NULL;
    memcpy(key.hex, hex, kind_len[kind] + 1);
    return bsearch(&key, l->e[kind], l->n[kind], sizeof(hash_entry), cmp_entry);
}

void ms_hashlist_needs(const ms_hashlist *l, ms_digests *want) {
    if (!l)
        return;
    want->want_sha1 |= l->n[1] > 0;
    want->want_md5 |= l->n[2] > 0;
}

int ms_hashlist_match(const ms_hashlist *l, const ms_digests *d, const char **ret_name) {
    const hash_entry *e = find(l, 0, d->sha256);
    if (!e && d->want_sha1)
        e = find(l, 1, d->sha1);
    if (!e && d->want_md5)
        e = find(l, 2, d->md5);
    if (!e)
        return 0;
    if (ret_name)
        *ret_name = e->name ? e->name : l->list_name;
    return 1;
}

struct ms_digest_ctx {
    EVP_MD_CTX *md[3]; /* sha256, sha1, md5 */
};

int ms_digest_begin(const ms_digests *want, ms_digest_ctx **ret) {
    ms_digest_ctx *c = calloc(1, sizeof(*c));
    const EVP_MD *kinds[3] = {EVP_sha256(), EVP_sha1(), EVP_md5()};
    bool on[3] = {true, want->want_sha1, want->want_md5};
    if (!c)
        return -ENOMEM;
    for (int k = 0; k < 3; k++)
        if (on[k] && (!(c->md[k] = EVP_MD_CTX_new()) || EVP_DigestInit_ex(c->md[k], kinds[k], NULL) != 1)) {
            ms_digest_abandon(c);
            return MS_E_CRYPTO;
        }
    *ret = c;
    return 0;
}

int ms_digest_update(ms_digest_ctx *c, const uint8_t *d, size_t n) {
    for (int k = 0; k < 3; k++)
        if (c->md[k] && EVP_DigestUpdate(c->md[k], d, n) != 1)
            return MS_E_CRYPTO;
    return 0;
}

int ms_digest_end(ms_digest_ctx *c, ms_digests *ret) {
    char *out[3] = {ret->sha256, ret->sha1, ret->md5};
    int r = 0;
    for (int k = 0; k < 3; k++) {
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned n = 0;
        if (!c->md[k])
            continue;
        if (EVP_DigestFinal_ex(c->md[k], md, &n) != 1)
            r = MS_E_CRYPTO;
        else
            to_hex(md, n, out[k]);
    }
    ms_digest_abandon(c);
    return r;
}

void ms_digest_abandon(ms_digest_ctx *c) {
    if (!c)
        return;
    for (int k = 0; k < 3; k++)
        EVP_MD_CTX_free(c->md[k]);
    free(c);
}

int ms_digest_peek(const ms_digest_ctx *c, char sha256[65]) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    EVP_MD_CTX *t = EVP_MD_CTX_new();
    int ok = t && EVP_MD_CTX_copy_ex(t, c->md[0]) == 1 && EVP_DigestFinal_ex(t, md, &n) == 1;
    EVP_MD_CTX_free(t);
    if (!ok)
        return MS_E_CRYPTO;
    to_hex(md, n, sha256);
    return 0;
}

int ms_sha256_stream(FILE *f, char out[65]) {
    ms_digests want = {0}, got;
    ms_digest_ctx *c = NULL;
    uint8_t buf[65536];
    size_t k;
    int r = ms_digest_begin(&want, &c);
    if (r < 0)
        return r;
    while ((k = fread(buf, 1, sizeof(buf), f)) > 0)
        if ((r = ms_digest_update(c, buf, k)) < 0)
            break;
    if (r == 0 && ferror(f))
        r = -EIO;
    if (r < 0) {
        ms_digest_abandon(c);
        return r;
    }
    if ((r = ms_digest_end(c, &got)) == 0)
        memcpy(out, got.sha256, 65);
    return r;
}

int ms_sha256_file(const char *path, char out[65]) {
    FILE *f = fopen(path, "rbe");
    if (!f)
        return -errno;
    int r = ms_sha256_stream(f, out);
    fclose(f);
    return r;
}

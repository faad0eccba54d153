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
        if (kind < 0 || (p[h] && !isspace((unsigned char)p[h]))) {
            r = set_err(ret_err, path, lineno, "not a sha256, sha1 or md5 hex digest");
            goto out;
        }
        char *name = p + h;
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

int ms_hashlist_match(const ms_hashlist *l, const uint8_t *data, size_t size, const char *sha256_hex,
                      const char **ret_name) {
    const hash_entry *e = NULL;
    char hex[65];
    int r;
    if (sha256_hex)
        e = find(l, 0, sha256_hex);
    else if (l->n[0]) {
        if ((r = ms_sha256_hex(data, size, hex)) < 0)
            return r;
        e = find(l, 0, hex);
    }
    if (!e && l->n[1]) {
        if ((r = digest_hex(EVP_sha1(), data, size, hex)) < 0)
            return r;
        e = find(l, 1, hex);
    }
    if (!e && l->n[2]) {
        if ((r = digest_hex(EVP_md5(), data, size, hex)) < 0)
            return r;
        e = find(l, 2, hex);
    }
    if (!e)
        return 0;
    if (ret_name)
        *ret_name = e->name ? e->name : l->list_name;
    return 1;
}

/* corpus.c - see corpus.h. */
#include "corpus.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hashes.h"

size_t corpus_split(char *line, char **fields, size_t max) {
    size_t n = strlen(line);
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        line[--n] = '\0';
    size_t k = 0;
    char *p = line;
    while (k < max) {
        fields[k++] = p;
        char *t = strchr(p, '\t');
        if (!t)
            break;
        *t = '\0';
        p = t + 1;
    }
    return k;
}

int corpus_read(const char *path, size_t max, uint8_t **ret_data, size_t *ret_len,
                bool *ret_truncated) {
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return -errno;
    struct stat st;
    int r = 0;
    uint8_t *buf = NULL;
    if (fstat(fd, &st) < 0) {
        r = -errno;
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        r = -EINVAL;
        goto out;
    }
    size_t want = (uint64_t)st.st_size > max ? max : (size_t)st.st_size;
    buf = malloc(want ? want : 1);
    if (!buf) {
        r = -ENOMEM;
        goto out;
    }
    size_t got = 0;
    while (got < want) {
        ssize_t k = read(fd, buf + got, want - got);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0) {
            r = -errno;
            goto out;
        }
        if (k == 0)
            break;
        got += (size_t)k;
    }
    *ret_data = buf;
    *ret_len = got;
    if (ret_truncated)
        *ret_truncated = (uint64_t)st.st_size > max;
    buf = NULL;
out:
    free(buf);
    close(fd);
    return r;
}

int corpus_write(const char *path, const uint8_t *data, size_t len) {
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return -errno;
    size_t off = 0;
    while (off < len) {
        ssize_t k = write(fd, data + off, len - off);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0) {
            int r = -errno;
            close(fd);
            return r;
        }
        off += (size_t)k;
    }
    return close(fd) < 0 ? -errno : 0;
}

void corpus_sha256(const uint8_t *data, size_t len, char out[65]) {
    if (ms_sha256_hex(data, len, out) < 0)
        out[0] = '\0';
}

uint64_t corpus_fnv(const char *s) {
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 1099511628211ULL;
    return h;
}

int corpus_set_add(corpus_set *s, const char *k) {
    if (s->n * 2 >= s->cap) {
        size_t ncap = s->cap ? s->cap * 2 : 4096;
        char **nh = calloc(ncap, sizeof(*nh));
        if (!nh)
            return -ENOMEM;
        for (size_t i = 0; i < s->cap; i++)
            if (s->h[i]) {
                size_t j = corpus_fnv(s->h[i]) & (ncap - 1);
                while (nh[j])
                    j = (j + 1) & (ncap - 1);
                nh[j] = s->h[i];
            }
        free(s->h);
        s->h = nh;
        s->cap = ncap;
    }
    size_t j = corpus_fnv(k) & (s->cap - 1);
    while (s->h[j]) {
        if (!strcmp(s->h[j], k))
            return 0;
        j = (j + 1) & (s->cap - 1);
    }
    if (!(s->h[j] = strdup(k)))
        return -ENOMEM;
    s->n++;
    return 1;
}

bool corpus_set_has(const corpus_set *s, const char *k) {
    if (!s->cap)
        return false;
    size_t j = corpus_fnv(k) & (s->cap - 1);
    while (s->h[j]) {
        if (!strcmp(s->h[j], k))
            return true;
        j = (j + 1) & (s->cap - 1);
    }
    return false;
}

void corpus_set_free(corpus_set *s) {
    for (size_t i = 0; i < s->cap; i++)
        free(s->h[i]);
    free(s->h);
    *s = (corpus_set){0};
}

int corpus_cholesky_solve(double *A, double *b, size_t n) {
    for (size_t j = 0; j < n; j++) {
        double d = A[j * n + j];
        for (size_t k = 0; k < j; k++)
            d -= A[j * n + k] * A[j * n + k];
        if (d <= 0)
            return -EDOM;
        d = sqrt(d);
        A[j * n + j] = d;
        for (size_t i = j + 1; i < n; i++) {
            double s = A[i * n + j];
            for (size_t k = 0; k < j; k++)
                s -= A[i * n + k] * A[j * n + k];
            A[i * n + j] = s / d;
        }
    }
    for (size_t i = 0; i < n; i++) {
        double s = b[i];
        for (size_t k = 0; k < i; k++)
            s -= A[i * n + k] * b[k];
        b[i] = s / A[i * n + i];
    }
    for (size_t i = n; i-- > 0;) {
        double s = b[i];
        for (size_t k = i + 1; k < n; k++)
            s -= A[k * n + i] * b[k];
        b[i] = s / A[i * n + i];
    }
    return 0;
}

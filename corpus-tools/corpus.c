/* corpus.c - see corpus.h. */
#include "corpus.h"

#include <errno.h>
#include <fcntl.h>
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

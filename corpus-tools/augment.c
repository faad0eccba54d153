/*
 * augment.c - variants of each positive that a real attacker makes.
 *
 *   ms-augment [-o OUT.tsv] [--dir DIR] --hosts BENIGN.tsv MANIFEST...
 *
 * For every row labelled "miner" in the manifests (and every synthetic
 * benign control, family syn-control, which gets the same treatment) it writes, under DIR
 * (default: the directory of the first manifest + /augmented):
 *   strip     symbols removed (strip / x86_64-w64-mingw32-strip -o, which
 *             only reads the input; nothing is executed)
 *   rename    section names overwritten with random letters of the same length
 *   xor       every printable run of 6+ bytes XORed with a one-byte key, as a
 *             packer that encrypts its strings leaves it
 *   obfus     strip + rename + xor together
 *   trunc50, trunc75   the first half / three quarters of the file
 *   embed     a benign host of the same format (from BENIGN.tsv) with the
 *             sample appended: a dropper carrying its payload
 * Each child keeps its parent's label, family and group, so evaluation never
 * splits a parent from its children; kind is "augmented" for children of real
 * samples and stays "synthetic" for children of synthetic ones; source is
 * "augment:VARIANT:PARENT-SHA256". The manifest goes to stdout or -o.
 */
#include <errno.h>
#include <libgen.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "corpus.h"
#include "ms_limits.h"

extern char **environ;

typedef struct row {
    char *f[CORPUS_COLS];
} row;

static uint32_t rng = 2463534242u;
static uint32_t next_rand(void) {
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

static uint64_t rd(const uint8_t *d, size_t n, uint64_t off, unsigned w) {
    uint64_t v = 0;
    if (off > n || w > n - off)
        return 0;
    for (unsigned i = 0; i < w; i++)
        v |= (uint64_t)d[off + i] << (8 * i);
    return v;
}

static void scramble(uint8_t *s, size_t len) {
    for (size_t i = 0; i < len; i++)
        if (s[i] != '.' && s[i] != '_')
            s[i] = (uint8_t)('a' + next_rand() % 26);
}

/* Little-endian ELF and PE only: that is what the corpus holds. */
static void rename_sections(uint8_t *d, size_t n) {
    if (n > 64 && !memcmp(d, "\x7f" "ELF", 4) && d[5] == 1) {
        bool w = d[4] == 2;
        uint64_t shoff = rd(d, n, w ? 40 : 32, w ? 8 : 4);
        uint64_t shentsize = rd(d, n, w ? 58 : 46, 2), shnum = rd(d, n, w ? 60 : 48, 2);
        uint64_t shstrndx = rd(d, n, w ? 62 : 50, 2);
        if (shstrndx >= shnum || shnum > 4096)
            return;
        uint64_t o = shoff + shstrndx * shentsize;
        uint64_t off = rd(d, n, o + (w ? 24 : 16), w ? 8 : 4);
        uint64_t size = rd(d, n, o + (w ? 32 : 20), w ? 8 : 4);
        if (off > n || size > n - off)
            return;
        for (uint64_t i = off; i < off + size;) {
            size_t len = strnlen((char *)d + i, off + size - i);
            scramble(d + i, len);
            i += len + 1;
        }
    } else if (n > 0x40 && d[0] == 'M' && d[1] == 'Z') {
        uint64_t pe = rd(d, n, 0x3c, 4);
        uint64_t nsec = rd(d, n, pe + 6, 2), optsize = rd(d, n, pe + 20, 2);
        uint64_t sh = pe + 24 + optsize;
        for (uint64_t i = 0; i < nsec && i < 96; i++) {
            uint64_t o = sh + i * 40;
            if (o > n || n - o < 40)
                break;
            scramble(d + o, strnlen((char *)d + o, 8));
        }
    }
}

static void xor_strings(uint8_t *d, size_t n, uint8_t key) {
    size_t start = SIZE_MAX;
    for (size_t i = 0; i <= n; i++) {
        bool p = i < n && d[i] >= 0x20 && d[i] < 0x7f;
        if (p && start == SIZE_MAX)
            start = i;
        if (!p && start != SIZE_MAX) {
            if (i - start >= 6)
                for (size_t k = start; k < i; k++)
                    d[k] ^= key;
            start = SIZE_MAX;
        }
    }
}

static int run_strip(const char *fmt, const char *in, const char *out) {
    const char *tool = !strcmp(fmt, "pe") ? "x86_64-w64-mingw32-strip" : "strip";
    char *argv[] = {(char *)tool, "-o", (char *)out, (char *)in, NULL};
    pid_t pid;
    if (posix_spawnp(&pid, tool, NULL, NULL, argv, environ) != 0)
        return -1;
    int st;
    if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
        return -1;
    return 0;
}

static FILE *out;
static unsigned long n_out;

static void emit(const row *parent, const char *variant, const char *path) {
    uint8_t *d = NULL;
    size_t len = 0;
    if (corpus_read(path, MS_DEFAULT_MAX_FILESIZE, &d, &len, NULL) < 0)
        return;
    char sha[65];
    corpus_sha256(d, len, sha);
    free(d);
    const char *kind = !strcmp(parent->f[COL_KIND], "synthetic") ? "synthetic" : "augmented";
    fprintf(out, "%s\t%s\t%s\t%s\t%s\t%s\taugment:%s:%s\t%s\n", sha, parent->f[COL_LABEL],
            parent->f[COL_FAMILY], parent->f[COL_FORMAT], parent->f[COL_GROUP], kind, variant,
            parent->f[COL_SHA256], path);
    n_out++;
}

static int load(const char *path, row **rows, size_t *n, size_t *cap) {
    FILE *in = fopen(path, "r");
    if (!in)
        return -errno;
    char *line = NULL;
    size_t lcap = 0;
    while (getline(&line, &lcap, in) > 0) {
        char *f[CORPUS_COLS + 1];
        if (line[0] == '#')
            continue;
        char *copy = strdup(line);
        if (!copy)
            return -ENOMEM;
        if (corpus_split(copy, f, CORPUS_COLS + 1) < CORPUS_COLS) {
            free(copy);
            continue;
        }
        if (*n == *cap) {
            *cap = *cap ? *cap * 2 : 256;
            row *nr = realloc(*rows, *cap * sizeof(row));
            if (!nr)
                return -ENOMEM;
            *rows = nr;
        }
        memcpy((*rows)[(*n)++].f, f, sizeof((*rows)[0].f));
    }
    free(line);
    fclose(in);
    return 0;
}

int main(int argc, char **argv) {
    const char *outp = NULL, *dir = NULL, *hostsp = NULL;
    int i = 1;
    for (; i < argc && argv[i][0] == '-' && argv[i][1]; i += 2) {
        if (i + 1 >= argc)
            break;
        if (!strcmp(argv[i], "-o"))
            outp = argv[i + 1];
        else if (!strcmp(argv[i], "--dir"))
            dir = argv[i + 1];
        else if (!strcmp(argv[i], "--hosts"))
            hostsp = argv[i + 1];
        else
            break;
    }
    if (i >= argc || !hostsp) {
        fprintf(stderr, "usage: ms-augment [-o OUT.tsv] [--dir DIR] --hosts BENIGN.tsv MANIFEST...\n");
        return 2;
    }
    char dirbuf[4096];
    if (!dir) {
        char *tmp = strdup(argv[i]);
        snprintf(dirbuf, sizeof(dirbuf), "%s/augmented", dirname(tmp));
        free(tmp);
        dir = dirbuf;
    }
    mkdir(dir, 0755);
    out = outp ? fopen(outp, "w") : stdout;
    if (!out)
        return 2;
    fprintf(out, "#sha256\tlabel\tfamily\tformat\tgroup\tkind\tsource\tpath\n");

    row *hosts = NULL, *rows = NULL;
    size_t nh = 0, hcap = 0, nr = 0, rcap = 0;
    if (load(hostsp, &hosts, &nh, &hcap) < 0)
        return 2;
    for (; i < argc; i++)
        if (load(argv[i], &rows, &nr, &rcap) < 0) {
            fprintf(stderr, "ms-augment: %s: cannot read\n", argv[i]);
            return 2;
        }
    /* hosts: benign executables between 50 KiB and 4 MiB, by format */
    row *elf_h[64], *pe_h[64];
    size_t ne = 0, np = 0;
    for (size_t k = 0; k < nh; k++) {
        struct stat st;
        if (strcmp(hosts[k].f[COL_LABEL], "benign") || stat(hosts[k].f[COL_PATH], &st) < 0 ||
            st.st_size < (50 << 10) || st.st_size > (4 << 20))
            continue;
        if (!strcmp(hosts[k].f[COL_FORMAT], "elf") && ne < 64 && next_rand() % 8 == 0)
            elf_h[ne++] = &hosts[k];
        if (!strcmp(hosts[k].f[COL_FORMAT], "pe") && np < 64 && next_rand() % 2 == 0)
            pe_h[np++] = &hosts[k];
    }

    char path[4096 + 64];
    for (size_t k = 0; k < nr; k++) {
        row *p = &rows[k];
        /* positives, and the synthetic benign controls so that "truncated"
         * or "renamed sections" cannot become a shortcut for "miner" */
        if (strcmp(p->f[COL_LABEL], "miner") && strcmp(p->f[COL_FAMILY], "syn-control"))
            continue;
        uint8_t *d = NULL;
        size_t len = 0;
        if (corpus_read(p->f[COL_PATH], MS_DEFAULT_MAX_FILESIZE, &d, &len, NULL) < 0 || len < 64) {
            free(d);
            continue;
        }
        char sub[4096 + 32];
        snprintf(sub, sizeof(sub), "%s/%.16s", dir, p->f[COL_SHA256]);
        mkdir(sub, 0755);
        uint8_t key = (uint8_t)(0x21 + next_rand() % 0x5e);

        snprintf(path, sizeof(path), "%s/strip", sub);
        if (run_strip(p->f[COL_FORMAT], p->f[COL_PATH], path) == 0)
            emit(p, "strip", path);

        uint8_t *c = malloc(len * 2 + (8 << 20));
        if (!c)
            return 2;
        memcpy(c, d, len);
        rename_sections(c, len);
        snprintf(path, sizeof(path), "%s/rename", sub);
        if (corpus_write(path, c, len) == 0)
            emit(p, "rename", path);

        memcpy(c, d, len);
        xor_strings(c, len, key);
        snprintf(path, sizeof(path), "%s/xor", sub);
        if (corpus_write(path, c, len) == 0)
            emit(p, "xor", path);

        char stripped[4096 + 64];
        snprintf(stripped, sizeof(stripped), "%s/strip", sub);
        uint8_t *s = NULL;
        size_t slen = 0;
        if (corpus_read(stripped, MS_DEFAULT_MAX_FILESIZE, &s, &slen, NULL) == 0 && slen <= len) {
            rename_sections(s, slen);
            xor_strings(s, slen, key);
            snprintf(path, sizeof(path), "%s/obfus", sub);
            if (corpus_write(path, s, slen) == 0)
                emit(p, "obfus", path);
        }
        free(s);

        snprintf(path, sizeof(path), "%s/trunc50", sub);
        if (corpus_write(path, d, len / 2) == 0)
            emit(p, "trunc50", path);
        snprintf(path, sizeof(path), "%s/trunc75", sub);
        if (corpus_write(path, d, len * 3 / 4) == 0)
            emit(p, "trunc75", path);

        bool pe = !strcmp(p->f[COL_FORMAT], "pe");
        size_t nhost = pe ? np : ne;
        if (nhost) {
            row *h = (pe ? pe_h : elf_h)[next_rand() % nhost];
            uint8_t *hd = NULL;
            size_t hlen = 0;
            if (corpus_read(h->f[COL_PATH], 8 << 20, &hd, &hlen, NULL) == 0) {
                memcpy(c, hd, hlen);
                memcpy(c + hlen, d, len);
                snprintf(path, sizeof(path), "%s/embed", sub);
                if (corpus_write(path, c, hlen + len) == 0)
                    emit(p, "embed", path);
            }
            free(hd);
        }
        free(c);
        free(d);
    }
    fprintf(stderr, "ms-augment: %lu variants\n", n_out);
    return (out != stdout && fclose(out) != 0) ? 2 : 0;
}

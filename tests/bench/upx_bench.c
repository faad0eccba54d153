/*
 * upx_bench.c - the costs of UPX unpacking (issue 10), for tests/bench/upx.sh.
 *
 *   upx-bench candidate DIR   every regular file of DIR (not recursive):
 *                             the time to read them, and the time of
 *                             ms_upx_candidate on the ELF/PE ones
 *   upx-bench unpack FILE...  unpack each (10 rounds), output MiB/s
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "upx.h"

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static unsigned char *slurp(const char *path, size_t *n) {
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, len = 0;
    unsigned char *d = malloc(cap);
    size_t k;
    while (d && (k = fread(d + len, 1, cap - len, f)) > 0) {
        len += k;
        if (len == cap) {
            unsigned char *p = realloc(d, cap *= 2);
            if (!p) {
                free(d);
                d = NULL;
            }
            d = p;
        }
    }
    fclose(f);
    *n = len;
    return d;
}

static int candidates(const char *dir) {
    DIR *dp = opendir(dir);
    if (!dp)
        return 1;
    struct dirent *e;
    double t_read = 0, t_cand = 0;
    size_t files = 0, execs = 0, cands = 0, bytes = 0;
    char path[4096];
    while ((e = readdir(dp))) {
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        double t0 = now();
        size_t n;
        unsigned char *d = e->d_type == DT_REG ? slurp(path, &n) : NULL;
        double t1 = now();
        if (!d)
            continue;
        files++;
        bytes += n;
        t_read += t1 - t0;
        if (n >= 4 && (memcmp(d, "\177ELF", 4) == 0 || memcmp(d, "MZ", 2) == 0)) {
            execs++;
            double t2 = now();
            bool c = ms_upx_candidate(d, n);
            t_cand += now() - t2;
            cands += c;
        }
        free(d);
    }
    closedir(dp);
    printf("candidate: %s: %zu files, %.1f MiB, %zu ELF/PE, %zu candidates; read %.3f s, "
           "ms_upx_candidate %.6f s (%.2f us per executable, %.4f%% of reading)\n",
           dir, files, (double)bytes / 1048576, execs, cands, t_read, t_cand,
           execs ? t_cand / (double)execs * 1e6 : 0, t_read > 0 ? t_cand / t_read * 100 : 0);
    return 0;
}

static int unpack(int argc, char **argv) {
    ms_upx *u;
    if (ms_upx_new(&u) < 0)
        return 1;
    for (int i = 0; i < argc; i++) {
        size_t n;
        unsigned char *d = slurp(argv[i], &n);
        if (!d)
            continue;
        const uint8_t *o;
        size_t on = 0;
        ms_upx_info info;
        char why[256];
        int r = 0;
        double t0 = now();
        for (int k = 0; k < 10 && r == 0; k++)
            r = ms_upx_unpack(u, d, n, 1ull << 30, &o, &on, &info, why, sizeof(why));
        double t = (now() - t0) / 10;
        if (r == 0)
            printf("unpack: %s: %s %s, %zu -> %zu bytes, %.2f ms, %.1f MiB/s of output\n", argv[i],
                   info.format, info.method, n, on, t * 1e3, (double)on / 1048576 / t);
        else
            printf("unpack: %s: %s (%s)\n", argv[i], ms_strerror(r), why);
        free(d);
    }
    ms_upx_free(u);
    return 0;
}

int main(int argc, char **argv) {
    if (argc >= 3 && strcmp(argv[1], "candidate") == 0)
        return candidates(argv[2]);
    if (argc >= 3 && strcmp(argv[1], "unpack") == 0)
        return unpack(argc - 2, argv + 2);
    fprintf(stderr, "usage: upx-bench candidate DIR | unpack FILE...\n");
    return 2;
}

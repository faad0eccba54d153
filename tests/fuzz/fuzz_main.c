/*
 * fuzz_main.c - the replay driver every fuzz target is also linked with,
 * so that `meson test` runs each target over its committed corpus in every
 * build (plain, ASan+UBSan) without libFuzzer (systemd src/fuzz/fuzz-main.c).
 *
 * Usage: fuzz_<target>_replay PATH...  Each PATH is a file or a directory
 * whose regular files are replayed (not recursively, in name order so a
 * failure is reproducible). Each input is copied into a buffer of exactly
 * its size, as libFuzzer does, so an over-read is caught by ASan. Exit 0
 * when every input ran; 1 when a path could not be read or no input was
 * found (an empty corpus is a broken test, not a pass).
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static int replay_file(const char *path, unsigned *n_inputs) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "%s: %s\n", path, strerror(errno));
        return -1;
    }
    size_t cap = 4096, n = 0;
    uint8_t *buf = malloc(cap);
    for (;;) {
        if (!buf) {
            fclose(f);
            return -1;
        }
        size_t k = fread(buf + n, 1, cap - n, f);
        n += k;
        if (k == 0)
            break;
        if (n == cap) {
            uint8_t *b = realloc(buf, cap * 2);
            if (!b)
                free(buf);
            buf = b;
            cap *= 2;
        }
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        fprintf(stderr, "%s: read error\n", path);
        free(buf);
        return -1;
    }
    /* exact-size copy: a read past the input is a heap overflow under ASan */
    uint8_t *exact = malloc(n ? n : 1);
    if (!exact) {
        free(buf);
        return -1;
    }
    memcpy(exact, buf, n);
    free(buf);
    fprintf(stderr, "replay %s (%zu bytes)\n", path, n);
    LLVMFuzzerTestOneInput(exact, n);
    free(exact);
    (*n_inputs)++;
    return 0;
}

static int by_name(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int replay_path(const char *path, unsigned *n_inputs) {
    struct stat st;
    if (stat(path, &st) < 0) {
        fprintf(stderr, "%s: %s\n", path, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode))
        return replay_file(path, n_inputs);
    DIR *d = opendir(path);
    if (!d) {
        fprintf(stderr, "%s: %s\n", path, strerror(errno));
        return -1;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    int r = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            char **nn = realloc(names, cap * sizeof(*nn));
            if (!nn) {
                r = -1;
                break;
            }
            names = nn;
        }
        if (!(names[n] = malloc(strlen(path) + strlen(de->d_name) + 2))) {
            r = -1;
            break;
        }
        sprintf(names[n++], "%s/%s", path, de->d_name);
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof(*names), by_name);
    for (size_t i = 0; i < n; i++) {
        if (r == 0 && stat(names[i], &st) == 0 && S_ISREG(st.st_mode) && replay_file(names[i], n_inputs) < 0)
            r = -1;
        free(names[i]);
    }
    free(names);
    return r;
}

int main(int argc, char **argv) {
    unsigned n_inputs = 0;
    int r = 0;
    if (LLVMFuzzerInitialize)
        LLVMFuzzerInitialize(&argc, &argv);
    for (int i = 1; i < argc; i++)
        if (replay_path(argv[i], &n_inputs) < 0)
            r = 1;
    fprintf(stderr, "%u inputs replayed\n", n_inputs);
    if (n_inputs == 0) {
        fprintf(stderr, "no inputs: the corpus is missing\n");
        r = 1;
    }
    return r;
}

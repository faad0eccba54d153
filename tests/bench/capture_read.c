/*
 * capture_read.c - ms_capture_analyse alone on the files named, for
 * tests/bench/capture.sh: the capture reader's own cost, without YARA,
 * hashing and libmagic, which minerscan runs on every object. Prints the
 * hits, flows and the return code of each file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"

int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "rb");
        if (!f) {
            perror(argv[i]);
            return 2;
        }
        fseek(f, 0, SEEK_END);
        long n = ftell(f);
        fseek(f, 0, SEEK_SET);
        uint8_t *d = malloc(n > 0 ? (size_t)n : 1);
        if (!d || fread(d, 1, (size_t)n, f) != (size_t)n) {
            fprintf(stderr, "%s: read failed\n", argv[i]);
            return 2;
        }
        fclose(f);
        ms_verdict *v = ms_verdict_new(argv[i], strlen(argv[i]));
        ms_capture *c = NULL;
        if (ms_capture_new(NULL, &c) < 0)
            return 2;
        int r = ms_capture_analyse(c, d, (size_t)n, v);
        printf("%s: %s, %zu hits, %zu flows, %zu pools\n", argv[i], ms_strerror(r), v->n_rules,
               v->iocs.n_flows, v->iocs.n_pools);
        ms_capture_free(c);
        ms_verdict_free(v);
        free(d);
    }
    return 0;
}

/* unpack.c - STUB, being written (issue 3). */
#include "unpack.h"

#include <errno.h>
#include <stdlib.h>

struct ms_unpacker {
    int unused;
};

int ms_unpacker_new(const ms_options *o, ms_unpacker **ret) {
    (void)o;
    ms_unpacker *u = calloc(1, sizeof(*u));
    if (!u)
        return -ENOMEM;
    *ret = u;
    return 0;
}

void ms_unpacker_free(ms_unpacker *u) {
    free(u);
}

bool ms_unpack_candidate(const uint8_t *data, size_t size) {
    (void)data;
    (void)size;
    return false;
}

int ms_unpack(ms_unpacker *u, const uint8_t *data, size_t size, unsigned depth, ms_budget *budget,
              ms_member_fn fn, void *ud, const char **ret_reason) {
    (void)u, (void)data, (void)size, (void)depth, (void)budget, (void)fn, (void)ud, (void)ret_reason;
    return MS_E_UNSUPPORTED;
}

/*
 * fuzz_iocs.c - the IOC extractors (pool URLs and hosts, wallets, miner
 * configuration) and the base64 blob finder on arbitrary bytes. Checks the
 * iocs.h contract: strings are non-empty C strings, pools and wallets are
 * deduplicated and capped at MS_MAX_IOCS; every blob lies inside the input
 * and decodes to at most 3/4 of the characters it came from.
 */
#include <stdint.h>
#include <string.h>

#include "fuzz_util.h"
#include "b64.h"
#include "iocs.h"
#include "ms_limits.h"

typedef struct blobs {
    size_t size;
    uint64_t last_offset;
    unsigned n;
} blobs;

static int on_blob(void *ud, uint64_t offset, const uint8_t *decoded, size_t len) {
    blobs *b = ud;
    FUZZ_ASSERT(offset < b->size);
    FUZZ_ASSERT(b->n == 0 || offset > b->last_offset);
    FUZZ_ASSERT(len <= (b->size - offset) / 4 * 3 + 3);
    FUZZ_ASSERT(decoded || len == 0);
    volatile uint8_t x = 0;
    for (size_t i = 0; i < len; i++)
        x ^= decoded[i];
    (void)x;
    b->last_offset = offset;
    b->n++;
    return MS_CONTINUE;
}

static void check_iocs(const ms_iocs *io) {
    FUZZ_ASSERT(io->n_pools <= MS_MAX_IOCS && io->n_wallets <= MS_MAX_IOCS);
    for (size_t i = 0; i < io->n_pools; i++) {
        FUZZ_ASSERT(io->pools[i] && *io->pools[i]);
        for (size_t j = 0; j < i; j++)
            FUZZ_ASSERT(strcmp(io->pools[i], io->pools[j]) != 0);
    }
    for (size_t i = 0; i < io->n_wallets; i++) {
        FUZZ_ASSERT(io->wallets[i].coin && *io->wallets[i].coin);
        FUZZ_ASSERT(io->wallets[i].address && *io->wallets[i].address);
        for (size_t j = 0; j < i; j++)
            FUZZ_ASSERT(strcmp(io->wallets[i].address, io->wallets[j].address) != 0);
    }
    const ms_miner_config *c = &io->config;
    FUZZ_ASSERT(c->tls >= -1 && c->tls <= 1);
    FUZZ_ASSERT(c->donate_level >= -1);
    FUZZ_ASSERT(!c->algo || strlen(c->algo) < (1u << 20));
    FUZZ_ASSERT(!c->user || strlen(c->user) < (1u << 20));
    FUZZ_ASSERT(!c->pass || strlen(c->pass) < (1u << 20));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    ms_iocs io;
    ms_iocs_init(&io);
    ms_iocs_extract(data, size, &io);
    check_iocs(&io);
    /* a second pass over the same bytes appends nothing new */
    size_t np = io.n_pools, nw = io.n_wallets;
    ms_iocs_extract(data, size, &io);
    FUZZ_ASSERT(io.n_pools == np && io.n_wallets == nw);
    ms_iocs_clear(&io);

    blobs b = {.size = size};
    int r = ms_base64_blobs(data, size, on_blob, &b);
    FUZZ_ASSERT(r >= 0);
    return 0;
}

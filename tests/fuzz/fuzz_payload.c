/*
 * fuzz_payload.c - the payload finder (scanner/payload.h) on arbitrary
 * bytes: every candidate lies inside the input, in [from, to), in order of
 * offset and without overlapping an executable found before it; at most
 * max; an executable's image fits; and the stream lengths (zstd block
 * walk, xz decode) never exceed what they were given.
 */
#include <string.h>

#include "fuzz_util.h"
#include "payload.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    ms_payload p[MS_PAYLOAD_MAX];
    size_t from = size ? data[0] % 80 : 0, next = 0;
    size_t n = ms_payloads_find(data, size, from, size, p, MS_PAYLOAD_MAX, &next);
    FUZZ_ASSERT(n <= MS_PAYLOAD_MAX);
    uint64_t prev_end = from;
    for (size_t i = 0; i < n; i++) {
        FUZZ_ASSERT(p[i].off >= prev_end && p[i].off < size);
        FUZZ_ASSERT(p[i].len > 0 && p[i].len <= size - p[i].off);
        FUZZ_ASSERT(p[i].format && *p[i].format);
        prev_end = p[i].kind == MS_PAYLOAD_EXECUTABLE ? p[i].off + p[i].len : p[i].off + 1;
        if (p[i].kind == MS_PAYLOAD_STREAM) {
            uint64_t len = ms_payload_stream_len(data + p[i].off, (size_t)p[i].len, p[i].format, 1u << 20);
            FUZZ_ASSERT(len <= p[i].len);
        }
    }
    /* the lengths on the raw input too, whatever it starts with */
    FUZZ_ASSERT(ms_payload_stream_len(data, size, "zstd", 1u << 20) <= size);
    FUZZ_ASSERT(ms_payload_stream_len(data, size, "xz", 1u << 20) <= size);
    return 0;
}

/*
 * fuzz_upx.c - UPX unpacking (upx.h) on arbitrary bytes, and the NRV
 * decoders alone. Checks the upx.h contract: the return is 0 or one of
 * MS_E_UNSUPPORTED / MS_E_CORRUPT / MS_E_LIMIT (-ENOMEM aside); a non-zero
 * return carries a reason; success gives at most max_out bytes and every
 * byte of them is readable (ASan sees a short buffer); info holds only the
 * names upx.h lists. The same handle is used twice so buffer reuse is
 * fuzzed too, and the decoders must never write past dst_cap (the output
 * goes into a buffer of exactly that size).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "upx.h"
#include "upx_nrv.h"

/* Small enough that a hostile size stays fast, large enough for the
 * seeds' programs (tens of KiB). */
#define FUZZ_UPX_MAX_OUT (4u << 20)

static ms_upx *upx;

static void cleanup(void) {
    ms_upx_free(upx);
    upx = NULL;
}

static bool one_of(const char *s, const char *const *names) {
    if (!s)
        return true;
    for (; *names; names++)
        if (strcmp(s, *names) == 0)
            return true;
    return false;
}

static void check_unpack(const uint8_t *data, size_t size, uint64_t max_out) {
    static const char *const formats[] = {"linux/i386", "linux/amd64", "win32/pe", "win64/pe", NULL};
    static const char *const methods[] = {"nrv2b", "nrv2d", "nrv2e", "lzma", NULL};
    const uint8_t *out = NULL;
    size_t out_len = 0;
    ms_upx_info info;
    char why[128];
    memset(why, 'x', sizeof(why));
    int r = ms_upx_unpack(upx, data, size, max_out, &out, &out_len, &info, why, sizeof(why));
    FUZZ_ASSERT(r == 0 || r == MS_E_UNSUPPORTED || r == MS_E_CORRUPT || r == MS_E_LIMIT || r == -ENOMEM);
    FUZZ_ASSERT(one_of(info.format, formats) && one_of(info.method, methods));
    if (r != 0) {
        FUZZ_ASSERT(memchr(why, '\0', sizeof(why)) != NULL && why[0] != '\0');
        return;
    }
    FUZZ_ASSERT(out && out_len <= max_out);
    volatile uint8_t x = 0;
    for (size_t i = 0; i < out_len; i++)
        x ^= out[i];
    (void)x;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!upx) {
        if (ms_upx_new(&upx) < 0)
            abort();
        atexit(cleanup);
    }
    (void)ms_upx_candidate(data, size);
    check_unpack(data, size, FUZZ_UPX_MAX_OUT);
    /* a second call on the same handle, with a limit the input picks */
    check_unpack(data, size, size ? (uint64_t)data[size - 1] << 10 : 0);

    /* the decoders on the raw bytes: an exact-size output buffer */
    static const int ms[] = {MS_UPX_M_NRV2B, MS_UPX_M_NRV2D, MS_UPX_M_NRV2E};
    size_t cap = size ? (size_t)data[0] * 64 + 1 : 1;
    uint8_t *dst = malloc(cap);
    if (!dst)
        return 0;
    for (int i = 0; i < 3; i++) {
        size_t out = 0, in = 0;
        int r = ms_nrv_decode(ms[i], data, size, dst, cap, &out, &in);
        FUZZ_ASSERT(r == 0 || r == MS_E_CORRUPT || r == MS_E_LIMIT);
        if (r == 0)
            FUZZ_ASSERT(out <= cap && in <= size);
    }
    free(dst);
    return 0;
}

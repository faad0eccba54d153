/*
 * upx_nrv.h - the NRV2B, NRV2D and NRV2E decoders (the "LE32" variants UPX
 * uses on i386 and x86-64), written from the format's description. Internal
 * to upx.c and its tests.
 */
#ifndef MS_UPX_NRV_H
#define MS_UPX_NRV_H

#include <stddef.h>
#include <stdint.h>

/* UPX method numbers (the b_method of a block, the PackHeader's method). */
enum {
    MS_UPX_M_NRV2B = 2,
    MS_UPX_M_NRV2D = 5,
    MS_UPX_M_NRV2E = 8,
    MS_UPX_M_LZMA = 14,
};

/* Decode one NRV stream of method (MS_UPX_M_NRV2B/D/E) from src[0..src_len)
 * into dst[0..dst_cap). The stream ends at its end marker. Returns 0 and
 * sets *ret_out (bytes written) and *ret_in (bytes of src read) when the end
 * marker was reached; MS_E_LIMIT when the output would pass dst_cap (a
 * caller probing a stream with a small dst_cap tells "valid so far" from
 * MS_E_CORRUPT); MS_E_CORRUPT when the input ends first, a match points
 * before the output's start or a length or offset overflows;
 * MS_E_UNSUPPORTED for another method. Each step reads
 * at least one bit of input, so the time is linear in src_len + dst_cap. */
int ms_nrv_decode(int method, const uint8_t *src, size_t src_len, uint8_t *dst, size_t dst_cap,
                  size_t *ret_out, size_t *ret_in);

#endif

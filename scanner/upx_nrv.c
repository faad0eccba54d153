/*
 * upx_nrv.c - NRV2B/NRV2D/NRV2E decoding (UCL's formats, as UPX stores
 * them for little-endian targets).
 *
 * The format. One stream interleaves control bits and literal bytes. The
 * control bits come in 32-bit little-endian words, read most significant
 * bit first; a new word is fetched from the stream whenever the last one is
 * used up, and a byte (a literal, or the low byte of an offset) is read
 * from the stream at the point where the decoder needs it. The output is
 * made of:
 *
 *   literal    bit 1, then one byte copied to the output.
 *   match      bit 0, then an offset code, then a length code; copies
 *              length bytes from `offset` bytes back in the output (the
 *              copy may overlap itself, so it runs byte by byte).
 *
 * Numbers are written as "gamma" codes: start at 1, then repeatedly
 * v = 2v + bit, until a stop bit. NRV2B stops on bit 1 after each data bit;
 * NRV2D and NRV2E interleave a stop bit after every data bit the same way,
 * but a stop bit of 0 contributes one more data step ((v-1)*2 + bit).
 *
 * The offset code: a gamma number g. g == 2 means "the same offset as the
 * last match". Otherwise offset = (g - 3) * 256 + next byte; 0xffffffff
 * here is the end marker. NRV2D/E then use the low bit of that value as
 * the first length bit (and shift it out); all add 1 to the offset and
 * remember it as the last offset.
 *
 * The length code differs per variant (two bits, or a gamma, or both), and
 * a match whose offset is far (> 0xd00 for NRV2B, > 0x500 for NRV2D/E) is
 * one byte longer, since short far matches do not pay. The stream stops at
 * the end marker: its length is whatever was written.
 */
#include "upx_nrv.h"

#include "minerscan.h"

/* The largest gamma number a stream holds: the end marker's, whose offset
 * (g - 3) * 256 + byte is 0xffffffff. Anything larger is corrupt, and the
 * cap bounds the gamma loops at 25 steps and keeps (g - 3) * 256 + 255 in
 * 32 bits. */
#define NRV_GAMMA_MAX 0x1000002u

typedef struct bits {
    const uint8_t *p, *end;
    uint32_t word;
    unsigned left;  /* bits of word not yet used */
    int err;
} bits;

static unsigned getbit(bits *b) {
    if (b->left == 0) {
        if (b->end - b->p < 4) {
            b->err = 1;
            return 0;
        }
        b->word = (uint32_t)b->p[0] | (uint32_t)b->p[1] << 8 | (uint32_t)b->p[2] << 16 |
                  (uint32_t)b->p[3] << 24;
        b->p += 4;
        b->left = 32;
    }
    b->left--;
    return (b->word >> b->left) & 1u;
}

static unsigned getbyte(bits *b) {
    if (b->p >= b->end) {
        b->err = 1;
        return 0;
    }
    return *b->p++;
}

/* The NRV2B gamma: v = 2v + bit until a 1 stop bit. */
static uint32_t gamma_b(bits *b, uint32_t v) {
    do {
        v = v * 2 + getbit(b);
        if (v > NRV_GAMMA_MAX || b->err) {
            b->err = 1;
            return 0;
        }
    } while (!getbit(b));
    return v;
}

/* The NRV2D/E offset gamma: a 0 stop bit adds a data step. */
static uint32_t gamma_de(bits *b) {
    uint32_t v = 1;
    for (;;) {
        v = v * 2 + getbit(b);
        if (b->err || v > NRV_GAMMA_MAX) {
            b->err = 1;
            return 0;
        }
        if (getbit(b))
            return v;
        v = (v - 1) * 2 + getbit(b);
    }
}

int ms_nrv_decode(int method, const uint8_t *src, size_t src_len, uint8_t *dst, size_t dst_cap,
                  size_t *ret_out, size_t *ret_in) {
    if (method != MS_UPX_M_NRV2B && method != MS_UPX_M_NRV2D && method != MS_UPX_M_NRV2E)
        return MS_E_UNSUPPORTED;
    bits b = {.p = src, .end = src + src_len};
    size_t op = 0;
    uint32_t last_off = 1;

    for (;;) {
        unsigned bit;
        while ((bit = getbit(&b)) == 1) {
            unsigned c = getbyte(&b);
            if (b.err)
                return MS_E_CORRUPT;
            if (op >= dst_cap)
                return MS_E_LIMIT;
            dst[op++] = (uint8_t)c;
        }
        if (b.err)
            return MS_E_CORRUPT;

        uint32_t off, len;
        if (method == MS_UPX_M_NRV2B) {
            uint32_t g = gamma_b(&b, 1);
            if (b.err)
                return MS_E_CORRUPT;
            if (g == 2) {
                off = last_off;
            } else {
                off = (g - 3) * 256u + getbyte(&b);
                if (b.err)
                    return MS_E_CORRUPT;
                if (off == 0xffffffffu)
                    break;
                last_off = ++off;
            }
            len = getbit(&b);
            len = len * 2 + getbit(&b);
            if (len == 0)
                len = gamma_b(&b, 1) + 2;
            len += off > 0xd00;
        } else {
            uint32_t g = gamma_de(&b);
            if (b.err)
                return MS_E_CORRUPT;
            if (g == 2) {
                off = last_off;
                len = getbit(&b);
            } else {
                off = (g - 3) * 256u + getbyte(&b);
                if (b.err)
                    return MS_E_CORRUPT;
                if (off == 0xffffffffu)
                    break;
                len = (off ^ 0xffffffffu) & 1u;
                off >>= 1;
                last_off = ++off;
            }
            if (method == MS_UPX_M_NRV2D) {
                len = len * 2 + getbit(&b);
                if (len == 0)
                    len = gamma_b(&b, 1) + 2;
            } else if (len) {
                len = 1 + getbit(&b);
            } else if (getbit(&b)) {
                len = 3 + getbit(&b);
            } else {
                len = gamma_b(&b, 1) + 3;
            }
            len += off > 0x500;
        }
        if (b.err)
            return MS_E_CORRUPT;
        /* the match copies len + 1 bytes */
        if (off > op)
            return MS_E_CORRUPT;
        if (len >= dst_cap - op)
            return MS_E_LIMIT;
        const uint8_t *from = dst + op - off;
        uint8_t *to = dst + op;
        for (uint32_t i = 0; i <= len; i++)
            to[i] = from[i];
        op += (size_t)len + 1;
    }
    *ret_out = op;
    *ret_in = (size_t)(b.p - src);
    return 0;
}

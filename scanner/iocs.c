/* iocs.c - STUB, being written (issue 4). */
#include "iocs.h"

int ms_iocs_extract(const uint8_t *data, size_t size, ms_iocs *io) {
    (void)data, (void)size, (void)io;
    return 0;
}

int ms_base64_blobs(const uint8_t *data, size_t size, ms_blob_fn fn, void *ud) {
    (void)data, (void)size, (void)fn, (void)ud;
    return 0;
}

/*
 * errors.c - the text of a return code: -errno or an enum ms_err code
 * (minerscan.h). The library never prints; this is what main.c prints.
 */
#include <string.h>

#include "minerscan.h"

const char *ms_strerror(int r) {
    switch (r) {
    case 0:
        return "success";
    case MS_E_LIMIT:
        return "limit exceeded";
    case MS_E_ENCRYPTED:
        return "encrypted";
    case MS_E_CORRUPT:
        return "corrupt or truncated data";
    case MS_E_RULES:
        return "rules did not compile";
    case MS_E_MAGIC:
        return "libmagic failed";
    case MS_E_YARA:
        return "libyara failed";
    case MS_E_USAGE:
        return "usage error";
    case MS_E_TIMEOUT:
        return "scan timed out";
    case MS_E_UNSUPPORTED:
        return "unsupported format";
    case MS_E_CRYPTO:
        return "openssl failed";
    case MS_E_INTERRUPTED:
        return "interrupted";
    default:
        break;
    }
    if (r < 0 && r > -4096)
        return strerror(-r);
    return "unknown error";
}


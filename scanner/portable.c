/*
 * portable.c - linked only into the static binary (-Dportable=true), the
 * one an incident responder carries to a machine that may have another C
 * library, another OpenSSL and no ICU.
 *
 * 1. OpenSSL's configuration. libcrypto reads openssl.cnf on first use,
 *    and a host's file may load providers or engines: shared objects built
 *    for that host's OpenSSL and C library, which a static binary must
 *    not dlopen (glibc's link warning about dlopen says the same). Hashing
 *    needs only the built-in default provider, so the configuration is
 *    switched off before main() runs and before any digest is made.
 *
 * 2. ICU. Debian's libxml2.a (pulled in by libarchive for the xar TOC)
 *    calls ICU's converters for encodings libxml2 does not know itself;
 *    linking ICU statically adds 31 MB, mostly libicudata. libxml2 reads
 *    UTF-8, UTF-16, ISO-8859-1 and ASCII on its own, which is what xar
 *    TOCs are written in. These stand-ins make every ICU converter fail to
 *    open, as ICU does for a converter it has no data for: libxml2 then
 *    reports the encoding as unsupported and the xar is an error record.
 *    The names carry ICU's version suffix (MS_ICU_SUFFIX, from meson),
 *    which is part of the ABI libxml2.a was built against.
 *
 * 3. libpcap's D-Bus capture source. pcap.o lists every live capture
 *    source, so linking libpcap.a for pcap_fopen_offline() (all the
 *    capture analyser reads) pulls pcap-dbus.o, libdbus-1.a and through
 *    it libsystemd, which Debian ships only as a shared library. The two
 *    entry points pcap.o calls are defined here to say "not a D-Bus
 *    device", so pcap-dbus.o is never linked; minerscan never captures
 *    live, so nothing else changes.
 */
#include <openssl/crypto.h>
#include <stdlib.h>

static void ms_portable_init(void) __attribute__((constructor));
static void ms_portable_init(void) {
    OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG, NULL);
}

/* libpcap's pcap-int.h: pcap_t *dbus_create(const char *device, char
 * *ebuf, int *is_ours) and int dbus_findalldevs(pcap_if_list_t *, char *);
 * the types are opaque here. */
void *dbus_create(const char *device, char *ebuf, int *is_ours);
int dbus_findalldevs(void *devlist, char *err);

void *dbus_create(const char *device, char *ebuf, int *is_ours) {
    (void)device;
    (void)ebuf;
    *is_ours = 0;
    return NULL;
}

int dbus_findalldevs(void *devlist, char *err) {
    (void)devlist;
    (void)err;
    return 0;
}

#ifdef MS_ICU_SUFFIX
#define MS_CAT2(a, b) a##b
#define MS_CAT(a, b) MS_CAT2(a, b)
#define MS_ICU(name) MS_CAT(name, MS_ICU_SUFFIX)

/* UErrorCode U_UNSUPPORTED_ERROR: any value > 0 is a failure (U_FAILURE). */
#define MS_U_UNSUPPORTED_ERROR 16

void *MS_ICU(ucnv_open)(const char *name, int *err);
void MS_ICU(ucnv_close)(void *conv);
void MS_ICU(ucnv_convertEx)(void);
void MS_ICU(ucnv_setFromUCallBack)(void);
void MS_ICU(ucnv_setToUCallBack)(void);
void MS_ICU(UCNV_FROM_U_CALLBACK_STOP)(void);
void MS_ICU(UCNV_TO_U_CALLBACK_STOP)(void);

void *MS_ICU(ucnv_open)(const char *name, int *err) {
    (void)name;
    if (err && *err <= 0)
        *err = MS_U_UNSUPPORTED_ERROR;
    return NULL;
}

/* libxml2 closes only converters that opened, and none does. */
void MS_ICU(ucnv_close)(void *conv) {
    (void)conv;
}

/* Reached only through an open converter: never. */
void MS_ICU(ucnv_convertEx)(void) {
    abort();
}
void MS_ICU(ucnv_setFromUCallBack)(void) {
    abort();
}
void MS_ICU(ucnv_setToUCallBack)(void) {
    abort();
}
void MS_ICU(UCNV_FROM_U_CALLBACK_STOP)(void) {
    abort();
}
void MS_ICU(UCNV_TO_U_CALLBACK_STOP)(void) {
    abort();
}
#endif

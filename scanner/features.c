/*
 * features.c - the feature vector of one object (schema: models/FEATURES.md).
 *
 * One pass over the bytes, in 512-byte blocks that stay in L1, resumable so
 * the scanner can run it while it reads a file (ms_features_stream_*):
 *   - a byte histogram and, per block, the entropy of the 1 KiB window made
 *     of this block and the one before (sliding by half a window); in a file
 *     over 256 KiB only 2 blocks of every 16 are counted (an even sample);
 *     the window entropies also give every section's entropy later, so the
 *     structure features need no second pass;
 *   - runs of printable bytes (strings), and inside them a table-driven
 *     token matcher: a bitmap of hashed 3-byte keys, probed at every other
 *     position, answers "no" for almost every position, and a chained table
 *     gives the few candidates to compare. No memmem per token. Wallet
 *     shapes are looked for in runs of 42+ letters and digits only;
 *   - binary constants of the mining hash functions (Keccak, Blake2b/SHA-512
 *     IV, AES tables, Groestl, RandomX keys), little-endian, one probe per
 *     8 bytes through a hashed bitmap of their 32-bit words.
 * Then the ELF or PE structure, read by the bounds-checked parsers below:
 * sections, linking, entry point, packer marks, imports and libraries. Every
 * offset and size from the file is checked against the buffer before use and
 * every loop over a table in the file is capped, so a hostile header costs at
 * most a bounded amount of work and never reads out of bounds.
 *
 * Values are plain numbers; the model standardises them with the means and
 * scales it was trained with. Counts go through log1p so that a file with
 * a million strings does not dominate.
 */
#include "ms_features.h"

#include "features_int.h"

#include "bytes.h"
#include "exe.h"
#include "obscure.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "ms_limits.h"

#define MS_FEATURES_VERSION "5"

/* The schema. Append or reorder only together with models/FEATURES.md; the
 * schema hash changes by itself and the shipped model must be retrained. */
#define FEATURES(X)                                                                          \
    X(log_size) X(entropy)                                                                   \
    X(bytehist_00) X(bytehist_01) X(bytehist_02) X(bytehist_03) X(bytehist_04)               \
    X(bytehist_05) X(bytehist_06) X(bytehist_07) X(bytehist_08) X(bytehist_09)               \
    X(bytehist_10) X(bytehist_11) X(bytehist_12) X(bytehist_13) X(bytehist_14)               \
    X(bytehist_15) X(byte_zero) X(byte_ff) X(byte_printable)                                 \
    X(winent_0) X(winent_1) X(winent_2) X(winent_3) X(winent_4) X(winent_5) X(winent_6)      \
    X(winent_7) X(winent_max) X(winent_high) X(winent_std)                                   \
    X(str_count) X(str_bytes) X(str_len_mean) X(str_len_max)                                 \
    X(tok_stratum) X(tok_pool_url) X(tok_pool_domain) X(tok_pool_port) X(tok_hashrate)       \
    X(tok_shares) X(tok_hugepages) X(tok_msr) X(tok_donate) X(tok_algo_miner)                \
    X(tok_algo_generic) X(tok_coin) X(tok_miner_name) X(tok_mine_word) X(tok_miner_opts)     \
    X(tok_persist) X(tok_gpu) X(tok_url) X(tok_distinct) X(tok_categories)                   \
    X(tok_pool_job) X(tok_speed) X(tok_worker) X(tok_donate_level) X(tok_node)               \
    X(mix_pool_report) X(mix_pool_tuning) X(mix_pool_affinity) X(mix_pool_donate)            \
    X(mix_client)                                                                            \
    X(wallet_xmr) X(wallet_other)                                                            \
    X(const_keccak_rc) X(const_sha512_iv) X(const_sha256_k) X(const_aes_sbox)                \
    X(const_aes_ttable) X(const_groestl) X(const_blake_pi) X(const_randomx)                  \
    X(fmt_elf) X(fmt_pe) X(is_64bit) X(malformed)                                            \
    X(sec_count) X(sec_nonstd_names) X(sec_wx) X(sec_exec_frac) X(sec_exec_entropy)          \
    X(sec_max_entropy) X(sec_exec_nofile) X(overlay_frac)                                    \
    X(ep_writable) X(ep_high_entropy) X(ep_outside) X(packer_upx)                            \
    X(elf_static) X(elf_interp) X(elf_pie) X(stripped) X(go_binary)                          \
    X(pe_dll) X(pe_driver) X(pe_console) X(pe_signed) X(pe_dotnet) X(pe_tls)                 \
    X(imp_count) X(imp_libs)                                                                 \
    X(imp_sched_setaffinity) X(imp_pthread_setaffinity_np) X(imp_SetThreadAffinityMask)      \
    X(imp_mmap) X(imp_madvise) X(imp_mlock) X(imp_VirtualAlloc) X(imp_large_pages)           \
    X(imp_sockets) X(imp_tls) X(imp_priority) X(imp_cpu_topology) X(imp_threads)             \
    X(imp_dynload) X(imp_exec) X(imp_device) X(imp_libuv) X(imp_hwloc) X(imp_gpu)            \
    X(imp_console_hide)                                                                      \
    X(imp_hash_00) X(imp_hash_01) X(imp_hash_02) X(imp_hash_03) X(imp_hash_04)               \
    X(imp_hash_05) X(imp_hash_06) X(imp_hash_07) X(imp_hash_08) X(imp_hash_09)               \
    X(imp_hash_10) X(imp_hash_11) X(imp_hash_12) X(imp_hash_13) X(imp_hash_14)               \
    X(imp_hash_15)

enum {
#define X(n) F_##n,
    FEATURES(X)
#undef X
    F__COUNT
};

static const char *const feature_names[F__COUNT] = {
#define X(n) #n,
    FEATURES(X)
#undef X
};

#define IMP_HASH_BUCKETS 16

#define TOK_BITS 16u
#define SAMPLE_FROM (256u << 10) /* larger files: byte statistics from a sample */
#define SAMPLE_PERIOD 16u      /* of every 16 blocks, 2 are counted */
#define LOOKAHEAD 128u /* bytes past a block the pass may read */
#define MIN_RUN 4u              /* shortest printable run counted as a string */

size_t ms_features_dim(void) {
    return F__COUNT;
}

const char *ms_feature_name(size_t i) {
    return i < F__COUNT ? feature_names[i] : "";
}

int ms_feature_index(const char *name) {
    for (size_t i = 0; i < F__COUNT; i++)
        if (!strcmp(feature_names[i], name))
            return (int)i;
    return -1;
}

const char *ms_features_schema_version(void) {
    return MS_FEATURES_VERSION;
}

/* Computed once; immutable afterwards, so sharing it between threads is
 * safe. FNV-1a 64 over "version\n" then "name\n" for every feature. */
static char schema_hash[17];
static pthread_once_t schema_once = PTHREAD_ONCE_INIT;

static uint64_t fnv1a(uint64_t h, const char *s, size_t n) {
    for (size_t i = 0; i < n; i++) {
        h ^= (uint8_t)s[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

static void compute_schema_hash(void) {
    uint64_t h = 0xcbf29ce484222325ULL;
    h = fnv1a(h, MS_FEATURES_VERSION "\n", strlen(MS_FEATURES_VERSION) + 1);
    for (size_t i = 0; i < F__COUNT; i++) {
        h = fnv1a(h, feature_names[i], strlen(feature_names[i]));
        h = fnv1a(h, "\n", 1);
    }
    snprintf(schema_hash, sizeof(schema_hash), "%016llx", (unsigned long long)h);
}

const char *ms_features_schema_hash(void) {
    pthread_once(&schema_once, compute_schema_hash);
    return schema_hash;
}

/* ---- tokens ---- */

/* Token categories; those up to CAT__MINING_END count for tok_distinct and
 * tok_categories. */
enum {
    CAT_STRATUM,
    CAT_POOL_URL,
    CAT_POOL_DOMAIN,
    CAT_POOL_PORT,
    CAT_HASHRATE,
    CAT_SHARES,
    CAT_HUGEPAGES,
    CAT_MSR,
    CAT_DONATE,
    CAT_ALGO_MINER,
    CAT_COIN,
    CAT_MINER_NAME,
    CAT_MINER_OPTS,
    CAT_POOL_JOB,
    CAT_SPEED,
    CAT_WORKER,
    CAT_DONATE_LEVEL,
    CAT__MINING_END,
    CAT_ALGO_GENERIC = CAT__MINING_END,
    CAT_NODE,
    CAT_MINE_WORD,
    CAT_PERSIST,
    CAT_GPU,
    CAT_URL,
    CAT_PACKER,
    CAT_GO,
    CAT__COUNT
};

static const int cat_feature[CAT__COUNT] = {
    [CAT_STRATUM] = F_tok_stratum,       [CAT_POOL_URL] = F_tok_pool_url,
    [CAT_POOL_DOMAIN] = F_tok_pool_domain, [CAT_POOL_PORT] = F_tok_pool_port,
    [CAT_HASHRATE] = F_tok_hashrate,     [CAT_SHARES] = F_tok_shares,
    [CAT_HUGEPAGES] = F_tok_hugepages,   [CAT_MSR] = F_tok_msr,
    [CAT_DONATE] = F_tok_donate,         [CAT_ALGO_MINER] = F_tok_algo_miner,
    [CAT_COIN] = F_tok_coin,             [CAT_MINER_NAME] = F_tok_miner_name,
    [CAT_MINER_OPTS] = F_tok_miner_opts, [CAT_ALGO_GENERIC] = F_tok_algo_generic,
    [CAT_MINE_WORD] = F_tok_mine_word,   [CAT_PERSIST] = F_tok_persist,
    [CAT_GPU] = F_tok_gpu,               [CAT_URL] = F_tok_url,
    [CAT_PACKER] = -1,                   [CAT_GO] = -1,
    [CAT_POOL_JOB] = F_tok_pool_job,     [CAT_SPEED] = F_tok_speed,
    [CAT_WORKER] = F_tok_worker,         [CAT_DONATE_LEVEL] = F_tok_donate_level,
    [CAT_NODE] = F_tok_node,
};

/* The tokens, their categories and their order live in data/tokens.tsv
 * (one per line); the build keeps them out of the binary's plain bytes
 * (gen_strtab.py, obscure.h) and each featurizer decodes its own copy. */
#include "tokens_data.h"
static const uint8_t tok_cat[tokens_count] = tokens_EXTRA;
#define NTOK ((size_t)tokens_count)

/* ---- binary constants ---- */

typedef struct cpattern {
    uint8_t b[24];
    uint8_t len;
    uint8_t feature_slot; /* CONST_* */
} cpattern;

enum {
    CONST_KECCAK,
    CONST_SHA512_IV,
    CONST_SHA256_K,
    CONST_AES_SBOX,
    CONST_AES_TTABLE,
    CONST_GROESTL,
    CONST_BLAKE_PI,
    CONST_RANDOMX,
    CONST__COUNT
};

static const int const_feature[CONST__COUNT] = {
    F_const_keccak_rc, F_const_sha512_iv, F_const_sha256_k, F_const_aes_sbox,
    F_const_aes_ttable, F_const_groestl, F_const_blake_pi, F_const_randomx,
};

/* Little-endian images of the tables as they sit in .rodata. RandomX's
 * AES generator/hash keys are matched word by word (each 32-bit word is
 * distinctive and implementations lay the words out differently); the
 * feature is the fraction of them present. */
static const cpattern cpatterns[] = {
    /* Keccak-f[1600] round constants 1 to 3: 0x8082, 0x800000000000808a,
     * 0x8000000080008000 */
    {{0x82, 0x80, 0, 0, 0, 0, 0, 0, 0x8a, 0x80, 0, 0, 0, 0, 0, 0x80, 0, 0x80, 0, 0x80, 0, 0, 0,
      0x80},
     24, CONST_KECCAK},
    /* SHA-512 IV = Blake2b IV: 0x6a09e667f3bcc908, 0xbb67ae8584caa73b */
    {{0x08, 0xc9, 0xbc, 0xf3, 0x67, 0xe6, 0x09, 0x6a, 0x3b, 0xa7, 0xca, 0x84, 0x85, 0xae, 0x67,
      0xbb},
     16, CONST_SHA512_IV},
    /* SHA-256 K[0..3] */
    {{0x98, 0x2f, 0x8a, 0x42, 0x91, 0x44, 0x37, 0x71, 0xcf, 0xfb, 0xc0, 0xb5, 0xa5, 0xdb, 0xb5,
      0xe9},
     16, CONST_SHA256_K},
    /* AES S-box, first 16 entries */
    {{0x63, 0x7c, 0x77, 0x7b, 0xf2, 0x6b, 0x6f, 0xc5, 0x30, 0x01, 0x67, 0x2b, 0xfe, 0xd7, 0xab,
      0x76},
     16, CONST_AES_SBOX},
    /* AES T-table Te0[0..1] = 0xc66363a5, 0xf87c7c84, and its byte-swapped layout */
    {{0xa5, 0x63, 0x63, 0xc6, 0x84, 0x7c, 0x7c, 0xf8}, 8, CONST_AES_TTABLE},
    {{0xc6, 0x63, 0x63, 0xa5, 0xf8, 0x7c, 0x7c, 0x84}, 8, CONST_AES_TTABLE},
    /* Groestl T0[0], both byte orders */
    {{0xc6, 0x32, 0xf4, 0xa5, 0xf4, 0x97, 0xa5, 0xc6}, 8, CONST_GROESTL},
    {{0xc6, 0xa5, 0x97, 0xf4, 0xa5, 0xf4, 0x32, 0xc6}, 8, CONST_GROESTL},
    /* Blake-256 constants (digits of pi) 0x243f6a88, 0x85a308d3 */
    {{0x88, 0x6a, 0x3f, 0x24, 0xd3, 0x08, 0xa3, 0x85}, 8, CONST_BLAKE_PI},
    /* RandomX AesGenerator1R key0/key1 and AesHash1R state0 words */
    {{0x17, 0x49, 0xf4, 0xb4}, 4, CONST_RANDOMX}, {{0x2b, 0x55, 0xb5, 0xdb}, 4, CONST_RANDOMX},
    {{0x09, 0x66, 0x71, 0x62}, 4, CONST_RANDOMX}, {{0x53, 0xa5, 0xac, 0x6d}, 4, CONST_RANDOMX},
    {{0x4e, 0xdc, 0xa1, 0x0d}, 4, CONST_RANDOMX}, {{0x78, 0xd3, 0x25, 0x17}, 4, CONST_RANDOMX},
    {{0x0d, 0x71, 0x6a, 0x84}, 4, CONST_RANDOMX}, {{0x07, 0xaf, 0x7c, 0x6d}, 4, CONST_RANDOMX},
    {{0xad, 0x3a, 0x98, 0xd7}, 4, CONST_RANDOMX}, {{0x47, 0xdb, 0x82, 0xcc}, 4, CONST_RANDOMX},
    {{0xde, 0x56, 0xa8, 0x9f}, 4, CONST_RANDOMX}, {{0x0d, 0x2c, 0xb5, 0x92}, 4, CONST_RANDOMX},
};

#define NCPAT (sizeof(cpatterns) / sizeof(cpatterns[0]))

/* Constants are looked for at 8-byte-aligned offsets only, one probe of
 * the 32-bit word there per 8 bytes: a pattern of 8 bytes or more that
 * starts 4-byte aligned, as tables in .rodata do, covers such a word (one of
 * 11 bytes or more wherever it starts); a 4-byte RandomX word is found when
 * it is 8-byte aligned, which is half of them in a 16-byte key. Words with
 * three or four zero bytes are never in the index (zero words are a quarter
 * of a binary and would make every probe a candidate), so an alignment at
 * which a pattern shows only such words is not found: the Keccak round
 * constants 4 bytes off an 8-byte boundary, where no uint64_t table sits. */
#define CWORD_BITS 16
#define NCWORD 160
typedef struct cword {
    uint32_t key;
    uint8_t pat, off;
    uint16_t next; /* index + 1 */
} cword;

static uint32_t cword_hash(uint32_t w) {
    return (w * 0x9e3779b1u) >> (32 - CWORD_BITS);
}

static uint32_t load32(const uint8_t *p) {
    uint32_t w;
    memcpy(&w, p, 4);
    return w;
}

static int zero_bytes(uint32_t w) {
    return !(w & 0xff) + !(w & 0xff00) + !(w & 0xff0000) + !(w & 0xff000000);
}
#define NRANDOMX_WORDS 12

/* ---- imports ---- */

typedef struct import_rule {
    const char *name;
    int feature;
    bool prefix; /* name is a prefix (libraries, API families) */
} import_rule;

/* Named imports miners use (affinity, huge pages, sockets, TLS, ...). PE
 * names with A/W variants are listed both ways. Library names (DT_NEEDED,
 * PE DLL names, lower-cased) go through the same table. */
static const import_rule import_rules[] = {
    {"sched_setaffinity", F_imp_sched_setaffinity, false},
    {"pthread_setaffinity_np", F_imp_pthread_setaffinity_np, false},
    {"pthread_attr_setaffinity_np", F_imp_pthread_setaffinity_np, false},
    {"SetThreadAffinityMask", F_imp_SetThreadAffinityMask, false},
    {"SetProcessAffinityMask", F_imp_SetThreadAffinityMask, false},
    {"SetThreadGroupAffinity", F_imp_SetThreadAffinityMask, false},
    {"SetThreadIdealProcessor", F_imp_SetThreadAffinityMask, false},
    {"mmap", F_imp_mmap, false},
    {"mmap64", F_imp_mmap, false},
    {"madvise", F_imp_madvise, false},
    {"posix_madvise", F_imp_madvise, false},
    {"mlock", F_imp_mlock, false},
    {"mlockall", F_imp_mlock, false},
    {"VirtualAlloc", F_imp_VirtualAlloc, false},
    {"VirtualAllocEx", F_imp_VirtualAlloc, false},
    {"VirtualAllocExNuma", F_imp_VirtualAlloc, false},
    {"GetLargePageMinimum", F_imp_large_pages, false},
    {"AdjustTokenPrivileges", F_imp_large_pages, false},
    {"LookupPrivilegeValueA", F_imp_large_pages, false},
    {"LookupPrivilegeValueW", F_imp_large_pages, false},
    {"LsaAddAccountRights", F_imp_large_pages, false},
    {"LsaOpenPolicy", F_imp_large_pages, false},
    {"socket", F_imp_sockets, false},
    {"connect", F_imp_sockets, false},
    {"getaddrinfo", F_imp_sockets, false},
    {"gethostbyname", F_imp_sockets, false},
    {"WSAStartup", F_imp_sockets, false},
    {"WSASocketW", F_imp_sockets, false},
    {"uv_tcp_connect", F_imp_sockets, false},
    {"ws2_32.dll", F_imp_sockets, false},
    {"wsock32.dll", F_imp_sockets, false},
    {"SSL_", F_imp_tls, true},
    {"TLS_client_method", F_imp_tls, false},
    {"gnutls_", F_imp_tls, true},
    {"mbedtls_ssl_", F_imp_tls, true},
    {"InitializeSecurityContextA", F_imp_tls, false},
    {"InitializeSecurityContextW", F_imp_tls, false},
    {"libssl", F_imp_tls, true},
    {"ssleay32", F_imp_tls, true},
    {"libgnutls", F_imp_tls, true},
    {"libmbedtls", F_imp_tls, true},
    {"setpriority", F_imp_priority, false},
    {"nice", F_imp_priority, false},
    {"sched_setscheduler", F_imp_priority, false},
    {"SetPriorityClass", F_imp_priority, false},
    {"SetThreadPriority", F_imp_priority, false},
    {"get_nprocs", F_imp_cpu_topology, false},
    {"get_nprocs_conf", F_imp_cpu_topology, false},
    {"sched_getaffinity", F_imp_cpu_topology, false},
    {"GetSystemInfo", F_imp_cpu_topology, false},
    {"GetLogicalProcessorInformation", F_imp_cpu_topology, false},
    {"GetLogicalProcessorInformationEx", F_imp_cpu_topology, false},
    {"GetActiveProcessorCount", F_imp_cpu_topology, false},
    {"GetNumaHighestNodeNumber", F_imp_cpu_topology, false},
    {"numa_", F_imp_cpu_topology, true},
    {"pthread_create", F_imp_threads, false},
    {"CreateThread", F_imp_threads, false},
    {"_beginthreadex", F_imp_threads, false},
    {"dlopen", F_imp_dynload, false},
    {"dlsym", F_imp_dynload, false},
    {"LoadLibraryA", F_imp_dynload, false},
    {"LoadLibraryW", F_imp_dynload, false},
    {"LoadLibraryExA", F_imp_dynload, false},
    {"LoadLibraryExW", F_imp_dynload, false},
    {"GetProcAddress", F_imp_dynload, false},
    {"execve", F_imp_exec, false},
    {"execvp", F_imp_exec, false},
    {"execl", F_imp_exec, false},
    {"fork", F_imp_exec, false},
    {"posix_spawn", F_imp_exec, false},
    {"system", F_imp_exec, false},
    {"popen", F_imp_exec, false},
    {"CreateProcessA", F_imp_exec, false},
    {"CreateProcessW", F_imp_exec, false},
    {"ShellExecuteA", F_imp_exec, false},
    {"ShellExecuteW", F_imp_exec, false},
    {"ShellExecuteExW", F_imp_exec, false},
    {"WinExec", F_imp_exec, false},
    {"DeviceIoControl", F_imp_device, false},
    {"OpenSCManagerA", F_imp_device, false},
    {"OpenSCManagerW", F_imp_device, false},
    {"CreateServiceA", F_imp_device, false},
    {"CreateServiceW", F_imp_device, false},
    {"StartServiceA", F_imp_device, false},
    {"StartServiceW", F_imp_device, false},
    {"uv_", F_imp_libuv, true},
    {"libuv", F_imp_libuv, true},
    {"hwloc_", F_imp_hwloc, true},
    {"libhwloc", F_imp_hwloc, true},
    {"clGetPlatformIDs", F_imp_gpu, false},
    {"clCreateContext", F_imp_gpu, false},
    {"cuInit", F_imp_gpu, false},
    {"cuDeviceGet", F_imp_gpu, false},
    {"nvml", F_imp_gpu, true},
    {"libopencl", F_imp_gpu, true},
    {"opencl.dll", F_imp_gpu, false},
    {"libcuda", F_imp_gpu, true},
    {"nvcuda.dll", F_imp_gpu, false},
    {"FreeConsole", F_imp_console_hide, false},
    {"GetConsoleWindow", F_imp_console_hide, false},
    {"ShowWindow", F_imp_console_hide, false},
};

#define NIMPRULE (sizeof(import_rules) / sizeof(import_rules[0]))

/* ---- state ---- */

typedef struct tentry {
    uint32_t key; /* 3 folded bytes, little-endian */
    uint16_t tok, next; /* next: entry index + 1, 0 ends a chain */
    int8_t off;   /* where in the token the 3 bytes are (-1: one before) */
} tentry;
#define NTENT (2 * NTOK + 3 * 48) /* up to three 3-byte tokens; checked */

typedef struct bpass {
    bool active, sampled, have_next, prev_counted;
    size_t n, base, k, prev_len, run_start;
    uint64_t next; /* printable mask of the 64 bytes at base */
    uint32_t prev[256];
    uint64_t hist[256];
} bpass;

struct ms_featurizer {
    double v[F__COUNT];
    /* 1 for the bytes a string run is made of: printable ASCII and tab */
    uint8_t printable[256];
    /* 1 for ASCII letters and digits */
    uint8_t alnum[256];
    /* token matcher: a bitmap of the hashed first three (folded) bytes,
     * chain heads by that hash, chain links, and each token's first three
     * bytes as a little-endian word */
    uint64_t tbits[(1u << TOK_BITS) / 64];
    uint16_t thead[1u << TOK_BITS];
    tentry tent[NTENT];
    char *tok_text;       /* the decoded token table */
    const char *tok_s[NTOK];
    uint8_t tlen[NTOK];
    uint32_t tcount[NTOK];
    /* constants: every 32-bit word of every pattern, hashed (CWORD_BITS
     * bits) into a bitmap and chained; which patterns were seen */
    uint64_t cbits[(1u << CWORD_BITS) / 64];
    uint16_t chead[1u << CWORD_BITS];
    cword cw[NCWORD];
    bool cseen[NCPAT];
    /* c * log2(c) for window entropies */
    double clog[2 * BLOCK + 1];
    /* per block, the entropy of the window that ends with it, or -1 where
     * no window was measured (sampled files); how many were measured */
    float *we;
    size_t we_cap, nwe, nwin;
    /* running totals over we[] of the measured entropies and of how many
     * there are (nwe + 1 each), so a section's mean costs two lookups
     * however many sections a header lists */
    double *we_sum;
    uint32_t *we_cnt;
    /* the byte pass, resumable (ms_features_stream_*) */
    bpass bp;
    /* the object being featurized (for the entropy of a section no
     * measured window touches) and the bytes the byte histogram counted */
    const uint8_t *data;
    size_t size;
    uint64_t hist_n;
    /* string statistics */
    uint64_t str_n, str_bytes, str_max;
    uint64_t wal_xmr, wal_other;
    /* exact-name import rules, sorted by name for bsearch */
    const import_rule *exact[NIMPRULE];
    size_t n_exact;
    /* prefix rules (libraries, API families) and their lengths */
    const import_rule *prefix[NIMPRULE];
    size_t prefix_len[NIMPRULE];
    size_t n_prefix;
    bool have_imp[F__COUNT];
    uint32_t imp_n, lib_n;
    /* the few single tokens the mix_* features read, by index */
    size_t t_cpu_affinity, t_donate_level, t_rig_id;
    uint32_t imp_bucket[IMP_HASH_BUCKETS];
};

static uint8_t fold(uint8_t c) {
    return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
}

/* The token filter's key for 3 bytes: each with bit 5 set, which folds
 * letters to lower case and leaves digits, space and most punctuation alone
 * ('@' 'A'-'Z' '[' '\\' ']' '^' '_' become '`' 'a'-'z' '{' '|' '}' '~' DEL).
 * Two strings a token would match always give the same key; a few that it
 * would not ("|" for "\\") do too, and the exact comparison throws them out. */
#define KEY_FOLD 0x00202020u

static uint32_t tok_hash(uint32_t key) {
    return (key * 0x9e3779b1u) >> (32 - TOK_BITS);
}

static bool is_alpha(uint8_t c) {
    return c >= 'a' && c <= 'z';
}

static bool is_alnum(uint8_t c) {
    return is_alpha(c) || (c >= '0' && c <= '9');
}

static uint32_t key3(uint8_t a, uint8_t b, uint8_t c) {
    return ((uint32_t)a | (uint32_t)b << 8 | (uint32_t)c << 16) | KEY_FOLD;
}

/* Enter token i under the 3 bytes a b c, seen at offset off of it (-1: the
 * byte before it and its first two). */
static bool tok_add(ms_featurizer *f, size_t *ne, size_t i, int off, uint8_t a, uint8_t b, uint8_t c) {
    if (*ne >= NTENT)
        return false;
    uint32_t key = key3(a, b, c);
    uint32_t h = tok_hash(key);
    /* bytes that give one key give one entry: a match counts once */
    for (uint16_t e = f->thead[h]; e; e = f->tent[e - 1].next)
        if (f->tent[e - 1].key == key && f->tent[e - 1].tok == i && f->tent[e - 1].off == off)
            return true;
    f->tent[*ne] = (tentry){.key = key, .tok = (uint16_t)i, .off = (int8_t)off, .next = f->thead[h]};
    f->thead[h] = (uint16_t)++*ne;
    f->tbits[h >> 6] |= 1ULL << (h & 63);
    return true;
}

static int cmp_rule(const void *a, const void *b) {
    const import_rule *x = *(const import_rule *const *)a, *y = *(const import_rule *const *)b;
    return strcmp(x->name, y->name);
}

int ms_featurizer_new(ms_featurizer **ret) {
    ms_featurizer *f = calloc(1, sizeof(*f));
    if (!f)
        return -ENOMEM;
    f->tok_text = ms_strtab_decode(tokens_blob, sizeof(tokens_blob));
    for (size_t i = 0; i < NTOK; i++)
        f->tok_s[i] = f->tok_text + tokens_off[i];
    /* Strings are probed at every other position, so each token is
     * entered under the 3 bytes at its start (found by a probe there) and
     * under the 3 bytes at its offset 1 (a probe one byte in). A 3-byte
     * token has no 3 bytes at offset 1: it is entered under every byte
     * that may come before it (not a letter, as the boundary rule wants)
     * followed by its first two. Entries are prepended, so chains are
     * built back to front to list tokens in table order. */
    size_t ne = 0;
    for (size_t i = NTOK; i-- > 0;) {
        const uint8_t *t = (const uint8_t *)f->tok_s[i];
        size_t len = strlen(f->tok_s[i]);
        if (len < 3 || len > UINT8_MAX || (len == 3 && !is_alnum(t[0]))) {
            free(f);
            return -EINVAL;
        }
        f->tlen[i] = (uint8_t)len;
        bool ok = true;
        if (len >= 4) {
            ok = tok_add(f, &ne, i, 1, t[1], t[2], t[3]);
        } else {
            for (unsigned c = 0x20; c < 0x7f; c++)
                if (!is_alpha(fold((uint8_t)c)))
                    ok = ok && tok_add(f, &ne, i, -1, (uint8_t)c, t[0], t[1]);
            ok = ok && tok_add(f, &ne, i, -1, '\t', t[0], t[1]);
        }
        if (!ok || !tok_add(f, &ne, i, 0, t[0], t[1], t[2])) {
            free(f);
            return -EINVAL;
        }
    }
    size_t ncw = 0;
    for (size_t i = 0; i < NCPAT; i++) {
        const cpattern *p = &cpatterns[i];
        for (size_t j = 0; j < 8; j++) {
            /* offsets k = j, j+8, ... are what the probes see of the
             * pattern for one alignment; a 4-byte pattern has one */
            for (size_t k = j; k + 4 <= p->len && ncw < NCWORD; k += 8) {
                uint32_t key = load32(p->b + k);
                if (zero_bytes(key) >= 3)
                    continue;
                uint32_t h = cword_hash(key);
                f->cw[ncw] = (cword){.key = key, .pat = (uint8_t)i, .off = (uint8_t)k, .next = f->chead[h]};
                f->chead[h] = (uint16_t)(++ncw);
                f->cbits[h >> 6] |= 1ULL << (h & 63);
            }
        }
    }
    for (size_t b = 0x20; b < 0x7f; b++)
        f->printable[b] = 1;
    f->printable['\t'] = 1;
    for (size_t b = 0; b < 256; b++)
        f->alnum[b] = (b >= '0' && b <= '9') || (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z');
    f->clog[0] = 0;
    for (size_t c = 1; c <= 2 * BLOCK; c++)
        f->clog[c] = (double)c * log2((double)c);
    for (size_t i = 0; i < NIMPRULE; i++) {
        if (!import_rules[i].prefix) {
            f->exact[f->n_exact++] = &import_rules[i];
        } else {
            f->prefix_len[f->n_prefix] = strlen(import_rules[i].name);
            f->prefix[f->n_prefix++] = &import_rules[i];
        }
    }
    qsort(f->exact, f->n_exact, sizeof(f->exact[0]), cmp_rule);
    f->t_cpu_affinity = tokens_AT_cpu_affinity;
    f->t_donate_level = tokens_AT_donate_level;
    f->t_rig_id = tokens_AT_rig_id;
    if (f->t_cpu_affinity >= NTOK || f->t_donate_level >= NTOK || f->t_rig_id >= NTOK) {
        free(f);
        return -EINVAL;
    }
    *ret = f;
    return 0;
}

void ms_featurizer_free(ms_featurizer *f) {
    if (!f)
        return;
    free(f->we);
    free(f->we_sum);
    free(f->we_cnt);
    free(f->tok_text);
    free(f);
}

/* ---- strings and tokens ---- */

static bool is_b58(uint8_t c) {
    return (c >= '1' && c <= '9') || (c >= 'A' && c <= 'H') || (c >= 'J' && c <= 'N') ||
           (c >= 'P' && c <= 'Z') || (c >= 'a' && c <= 'k') || (c >= 'm' && c <= 'z');
}

static bool is_hex(uint8_t c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool is_b32(uint8_t c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z');
}

/* Wallet-address shapes: Monero (4/8 + 94 or 105 more base58 chars),
 * Ethereum (0x + 40 hex), Bitcoin bech32 (bc1 + 39..59). Maximal runs only,
 * so a longer base58 or hex blob does not count. s is a run of letters and
 * digits (see wallets): every shape is made of them. */
static void wallets_in(ms_featurizer *f, const uint8_t *s, size_t n) {
    size_t i = 0;
    while (i < n) {
        if (!is_b58(s[i])) {
            i++;
            continue;
        }
        size_t j = i;
        while (j < n && is_b58(s[j]))
            j++;
        size_t len = j - i;
        if ((len == 95 || len == 106) && (s[i] == '4' || s[i] == '8'))
            f->wal_xmr++;
        i = j;
    }
    for (i = 0; i + 42 <= n; i++) {
        if (s[i] == '0' && s[i + 1] == 'x' && (i == 0 || !is_hex(s[i - 1]))) {
            size_t j = i + 2;
            while (j < n && is_hex(s[j]))
                j++;
            if (j - i - 2 == 40)
                f->wal_other++;
            i = j - 1;
        } else if (s[i] == 'b' && s[i + 1] == 'c' && s[i + 2] == '1' && (i == 0 || !is_b32(s[i - 1]))) {
            size_t j = i + 3;
            while (j < n && is_b32(s[j]))
                j++;
            if (j - i - 3 >= 39 && j - i - 3 <= 59)
                f->wal_other++;
            i = j - 1;
        }
    }
}

/* Every wallet shape is 42 or more letters and digits in a row, and the
 * bytes around such a run are neither (nor base58, hex or base32), so the
 * shapes are looked for only inside those runs: the same counts, without a
 * per-byte look at the prose, paths and symbol names most long strings are. */
#define WALLET_MIN 42
static void wallets(ms_featurizer *f, const uint8_t *s, size_t n) {
    /* i is where a run may start (0, or after a byte that is no letter or
     * digit); a run from i..i+41 long enough must cover byte i+41 */
    size_t i = 0;
    while (i + WALLET_MIN <= n) {
        size_t k = i + WALLET_MIN - 1;
        if (!f->alnum[s[k]]) {
            i = k + 1;
            continue;
        }
        size_t a = k, b = k + 1;
        while (a > i && f->alnum[s[a - 1]])
            a--;
        while (b < n && f->alnum[s[b]])
            b++;
        if (b - a >= WALLET_MIN)
            wallets_in(f, s + a, b - a);
        i = b + 1;
    }
}


/* s is a printable run; tokens are lower case, s is folded as it is read. */
static void string_run(ms_featurizer *f, const uint8_t *s, size_t n) {
    f->str_n++;
    f->str_bytes += n;
    if (n > f->str_max)
        f->str_max = n;
    /* One probe at every other position: the folded 3 bytes there, hashed
     * into a bitmap of the entries (see ms_featurizer_new); every token of
     * 4 bytes or more has 3 bytes at offset 0 or 1 on an even position.
     * The last position is read byte by byte so nothing past the run is
     * read. */
    for (size_t q = 0; q + 3 <= n; q += 2) {
        uint32_t key;
        if (q + 4 <= n)
            key = (load32(s + q) & 0xffffffu) | KEY_FOLD;
        else
            key = key3(s[q], s[q + 1], s[q + 2]);
        uint32_t h = tok_hash(key);
        if (!(f->tbits[h >> 6] >> (h & 63) & 1))
            continue;
        for (uint16_t e = f->thead[h]; e; e = f->tent[e - 1].next) {
            const tentry *te = &f->tent[e - 1];
            if (te->key != key || (te->off > 0 && q < (size_t)te->off))
                continue;
            size_t i = q - (size_t)(ptrdiff_t)te->off; /* where the token would start */
            size_t len = f->tlen[te->tok];
            if (i > n || len > n - i)
                continue;
            const uint8_t *tok = (const uint8_t *)f->tok_s[te->tok];
            size_t k = 0;
            while (k < len && fold(s[i + k]) == tok[k])
                k++;
            if (k < len)
                continue;
            /* Word boundaries: a token that starts with a letter or digit
             * must not continue a word ("determining" is no "mining",
             * "getHash" no "ethash", "constantpool" no "antpool"); a short
             * one (5 bytes or less) must not run on into one either (":33331",
             * "xmrx"). Bytes outside the run are never letters. */
            if (is_alnum(tok[0]) && i > 0 && is_alpha(fold(s[i - 1])))
                continue;
            if (len <= 5 && is_alnum(tok[len - 1]) && i + len < n && is_alnum(fold(s[i + len])))
                continue;
            f->tcount[te->tok]++;
        }
    }
    if (n >= 42)
        wallets(f, s, n);
}

static void check_const(ms_featurizer *f, const uint8_t *d, size_t n, size_t off, uint32_t w) {
    for (uint16_t c = f->chead[cword_hash(w)]; c; c = f->cw[c - 1].next) {
        const cword *e = &f->cw[c - 1];
        const cpattern *p = &cpatterns[e->pat];
        if (e->key != w || f->cseen[e->pat] || off < e->off)
            continue;
        size_t start = off - e->off;
        if (p->len <= n - start && !memcmp(d + start, p->b, p->len))
            f->cseen[e->pat] = true;
    }
}

/* Bit i set when byte off+i is printable (0x20-0x7e or tab); 0 past n. */
static uint64_t print_mask(const ms_featurizer *f, const uint8_t *d, size_t n, size_t off) {
    uint64_t m = 0;
    if (off >= n)
        return 0;
#ifdef __SSE2__
    if (n - off >= 64) {
        const __m128i lo = _mm_set1_epi8(0x1f), hi = _mm_set1_epi8(0x7f), tab = _mm_set1_epi8(9);
        for (int k = 0; k < 4; k++) {
            __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(d + off + 16 * k));
            __m128i a = _mm_and_si128(_mm_cmpgt_epi8(v, lo), _mm_cmplt_epi8(v, hi));
            a = _mm_or_si128(a, _mm_cmpeq_epi8(v, tab));
            m |= (uint64_t)(uint16_t)_mm_movemask_epi8(a) << (16 * k);
        }
        return m;
    }
#endif
    size_t len = n - off < 64 ? n - off : 64;
    for (size_t i = 0; i < len; i++)
        m |= (uint64_t)f->printable[d[off + i]] << i;
    return m;
}

static double window_entropy(const ms_featurizer *f, const uint32_t *c, size_t total) {
    if (total == 0)
        return 0;
    /* four independent sums: one chain of 256 dependent adds per block
     * cost more than the rest of the byte pass */
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (size_t b = 0; b < 256; b += 4) {
        s0 += f->clog[c[b]];
        s1 += f->clog[c[b + 1]];
        s2 += f->clog[c[b + 2]];
        s3 += f->clog[c[b + 3]];
    }
    double s = (s0 + s1) + (s2 + s3);
    double h = log2((double)total) - s / (double)total;
    return h < 0 ? 0 : h;
}

/* The byte pass. Returns 0 or -ENOMEM.
 *
 * Strings are found 64 bytes at a time from a bit mask of printable bytes:
 * R marks the offsets where 4 printable bytes begin (MIN_RUN), so a chunk of
 * machine code with no such offset costs a few instructions, and each string
 * costs two bit scans (its start, its end) instead of a branch per byte. */
static bool block_counted(size_t k, bool sampled) {
    return !sampled || k % SAMPLE_PERIOD < 2;
}

/* Start the byte pass over an object of n bytes. Returns 0 or -ENOMEM. */
static int byte_begin(ms_featurizer *f, size_t n) {
    bpass *b = &f->bp;
    b->active = false;
    size_t nblocks = n / BLOCK + (n % BLOCK ? 1 : 0);
    if (nblocks == 0)
        nblocks = 1;
    if (nblocks > f->we_cap) {
        size_t bytes;
        if (ms_mul_overflow_size(nblocks + 1, sizeof(double), &bytes))
            return -ENOMEM;
        float *we = realloc(f->we, nblocks * sizeof(float));
        if (!we)
            return -ENOMEM;
        f->we = we;
        double *sum = realloc(f->we_sum, bytes);
        if (!sum)
            return -ENOMEM;
        f->we_sum = sum;
        uint32_t *cnt = realloc(f->we_cnt, (nblocks + 1) * sizeof(uint32_t));
        if (!cnt)
            return -ENOMEM;
        f->we_cnt = cnt;
        f->we_cap = nblocks;
    }
    f->nwe = f->nwin = 0;
    f->hist_n = 0;
    memset(f->tcount, 0, sizeof(f->tcount));
    memset(f->cseen, 0, sizeof(f->cseen));
    f->str_n = f->str_bytes = f->str_max = f->wal_xmr = f->wal_other = 0;
    memset(b->hist, 0, sizeof(b->hist));
    memset(b->prev, 0, sizeof(b->prev));
    b->n = n;
    b->base = b->k = b->prev_len = 0;
    b->prev_counted = false;
    b->run_start = SIZE_MAX;
    /* A large file's byte statistics come from a fixed sample: 2 blocks
     * (one 1 KiB window) out of every SAMPLE_PERIOD. Strings, tokens and
     * constants are always looked for in every block. */
    b->sampled = n > SAMPLE_FROM;
    b->have_next = false;
    b->active = true;
    return 0;
}

/* Go on with the blocks of d whose bytes, and the LOOKAHEAD after them, are
 * among the first avail (all of them when avail is the size). The state is
 * offsets only, so d may have moved since the last call. */
static void byte_run(ms_featurizer *f, const uint8_t *d, size_t avail) {
    bpass *b = &f->bp;
    size_t n = b->n;
    uint32_t cur[256], win[256];
    uint16_t c4[4][256];
    if (!b->have_next && (avail >= n || avail >= 2 * 64)) {
        b->next = print_mask(f, d, n, 0);
        b->have_next = true;
    }
    for (; b->base < n; b->base += BLOCK, b->k++) {
        size_t base = b->base;
        size_t len = n - base < BLOCK ? n - base : BLOCK;
        if (avail < n && (avail < LOOKAHEAD || base + len > avail - LOOKAHEAD))
            break;
        const uint8_t *p = d + base;
        size_t i;
        bool counted = block_counted(b->k, b->sampled);
        if (counted) {
            /* four interleaved counters: no store-to-load stall on runs of one byte */
            memset(c4, 0, sizeof(c4));
            for (i = 0; i + 4 <= len; i += 4) {
                c4[0][p[i]]++;
                c4[1][p[i + 1]]++;
                c4[2][p[i + 2]]++;
                c4[3][p[i + 3]]++;
            }
            for (; i < len; i++)
                c4[0][p[i]]++;
        }
        /* constants: one probe per 8-byte-aligned 32-bit word (BLOCK is a multiple of 8) */
        for (i = 0; i + 4 <= len; i += 8) {
            uint32_t w = load32(p + i);
            uint32_t h = cword_hash(w);
            if (f->cbits[h >> 6] >> (h & 63) & 1)
                check_const(f, d, n, base + i, w);
        }
        /* strings */
        for (size_t off = base; off < base + len; off += 64) {
            uint64_t m = b->next, nx = print_mask(f, d, n, off + 64);
            b->next = nx;
            uint64_t r = m & ((m >> 1) | (nx << 63)) & ((m >> 2) | (nx << 62)) & ((m >> 3) | (nx << 61));
            unsigned pos = 0;
            while (pos < 64) {
                if (b->run_start != SIZE_MAX) {
                    uint64_t z = ~m >> pos;
                    if (!z)
                        break;
                    pos += (unsigned)__builtin_ctzll(z);
                    if (off + pos - b->run_start >= MIN_RUN)
                        string_run(f, d + b->run_start, off + pos - b->run_start);
                    b->run_start = SIZE_MAX;
                } else {
                    uint64_t st = r >> pos;
                    if (!st)
                        break;
                    pos += (unsigned)__builtin_ctzll(st);
                    b->run_start = off + pos;
                }
            }
        }
        f->we[f->nwe] = -1;
        if (counted) {
            for (size_t c = 0; c < 256; c++) {
                cur[c] = (uint32_t)c4[0][c] + c4[1][c] + c4[2][c] + c4[3][c];
                b->hist[c] += cur[c];
                win[c] = b->prev[c] + cur[c];
            }
            f->hist_n += len;
            /* the first block's window is the block; a block after one not
             * counted starts a window rather than ending one */
            if (b->k == 0 || b->prev_counted) {
                f->we[f->nwe] = (float)window_entropy(f, win, b->prev_len + len);
                f->nwin++;
            }
            memcpy(b->prev, cur, sizeof(b->prev));
            b->prev_len = len;
        }
        b->prev_counted = counted;
        f->nwe++;
    }
}

/* The rest of the pass, over all n bytes of d. */
static void byte_end(ms_featurizer *f, const uint8_t *d) {
    bpass *b = &f->bp;
    size_t n = b->n;
    byte_run(f, d, n);
    if (b->run_start != SIZE_MAX && n - b->run_start >= MIN_RUN)
        string_run(f, d + b->run_start, n - b->run_start);
    b->active = false;
}

void ms_features_stream_begin(ms_featurizer *f, size_t size) {
    if (byte_begin(f, size) < 0)
        f->bp.active = false;
}

void ms_features_stream_feed(ms_featurizer *f, const uint8_t *data, size_t avail) {
    if (f->bp.active && avail <= f->bp.n)
        byte_run(f, data, avail);
}

/* Entropy of the first 2 * BLOCK bytes of [off, off+len), measured directly
 * (a section no measured window touches). */
static double direct_entropy(const ms_featurizer *f, uint64_t off, uint64_t len) {
    if (off >= f->size)
        return 0;
    if (len > f->size - off)
        len = f->size - off;
    if (len > 2 * BLOCK)
        len = 2 * BLOCK;
    uint32_t c[256] = {0};
    for (uint64_t i = 0; i < len; i++)
        c[f->data[off + i]]++;
    return window_entropy(f, c, (size_t)len);
}

/* Mean window entropy over the blocks that [off, off+len) touches: the
 * entropy of a section, the same way at scan and training time. */
double ms_feat_range_entropy(const ms_featurizer *f, uint64_t off, uint64_t len) {
    if (f->nwe == 0 || len == 0)
        return 0;
    uint64_t a = off / BLOCK, b = (off + len - 1) / BLOCK;
    if (a >= f->nwe)
        return 0;
    if (b >= f->nwe)
        b = f->nwe - 1;
    uint32_t m = f->we_cnt[b + 1] - f->we_cnt[a];
    return m ? (f->we_sum[b + 1] - f->we_sum[a]) / (double)m : direct_entropy(f, off, len);
}

/* The running totals range_entropy reads, once the pass is done. */
static void window_totals(ms_featurizer *f) {
    f->we_sum[0] = 0;
    f->we_cnt[0] = 0;
    for (size_t k = 0; k < f->nwe; k++) {
        bool measured = f->we[k] >= 0;
        f->we_sum[k + 1] = f->we_sum[k] + (measured ? f->we[k] : 0);
        f->we_cnt[k + 1] = f->we_cnt[k] + measured;
    }
}

/* ---- imports ---- */

void ms_feat_add_import(ms_featurizer *f, const char *name, size_t len, bool library) {
    if (len == 0 || len >= MAX_NAME)
        return;
    char buf[MAX_NAME];
    memcpy(buf, name, len);
    buf[len] = '\0';
    if (library) {
        for (size_t i = 0; i < len; i++)
            buf[i] = (char)fold((uint8_t)buf[i]);
        f->lib_n++;
    } else {
        f->imp_n++;
        uint64_t h = fnv1a(0xcbf29ce484222325ULL, buf, len);
        f->imp_bucket[h % IMP_HASH_BUCKETS]++;
    }
    import_rule key = {.name = buf};
    const import_rule *kp = &key;
    const import_rule *const *hit = bsearch(&kp, f->exact, f->n_exact, sizeof(f->exact[0]), cmp_rule);
    if (hit)
        f->have_imp[(*hit)->feature] = true;
    for (size_t i = 0; i < f->n_prefix; i++) {
        const import_rule *r = f->prefix[i];
        if (!strncmp(buf, r->name, f->prefix_len[i]))
            f->have_imp[r->feature] = true;
    }
}

static double lg(double x) {
    return log1p(x);
}

static int extract(ms_featurizer *f, const uint8_t *data, size_t size, ms_class cls, bool streamed,
                   const double **ret_vec) {
    double *v = f->v;
    int r;

    if (!data)
        size = 0;
    if (!streamed || !f->bp.active || f->bp.n != size) {
        if ((r = byte_begin(f, size)) < 0)
            return r;
    }
    byte_end(f, data);
    window_totals(f);
    const uint64_t *hist = f->bp.hist;

    memset(v, 0, sizeof(f->v));
    memset(f->have_imp, 0, sizeof(f->have_imp));
    memset(f->imp_bucket, 0, sizeof(f->imp_bucket));
    f->imp_n = f->lib_n = 0;
    f->data = data;
    f->size = size;

    double n = size ? (double)size : 1;
    double hn = f->hist_n ? (double)f->hist_n : 1; /* bytes the histogram counted */
    v[F_log_size] = log2((double)size + 1);
    double ent = 0;
    for (size_t b = 0; b < 256; b++)
        if (hist[b]) {
            double p = (double)hist[b] / hn;
            ent -= p * log2(p);
        }
    v[F_entropy] = ent;
    uint64_t printable_n = 0;
    for (size_t b = 0; b < 256; b++) {
        v[F_bytehist_00 + b / 16] += (double)hist[b] / hn;
        if (b >= 0x20 && b < 0x7f)
            printable_n += hist[b];
    }
    v[F_byte_zero] = (double)hist[0] / hn;
    v[F_byte_ff] = (double)hist[0xff] / hn;
    v[F_byte_printable] = (double)printable_n / hn;

    double s = 0, s2 = 0, mx = 0;
    size_t high = 0;
    for (size_t k = 0; k < f->nwe; k++) {
        double h = f->we[k];
        if (h < 0)
            continue;
        int bin = (int)h;
        if (bin > 7)
            bin = 7;
        if (bin < 0)
            bin = 0;
        v[F_winent_0 + bin] += 1;
        s += h;
        s2 += h * h;
        if (h > mx)
            mx = h;
        if (h >= 7.0)
            high++;
    }
    if (f->nwin) {
        double m = s / (double)f->nwin;
        for (int b = 0; b < 8; b++)
            v[F_winent_0 + b] /= (double)f->nwin;
        v[F_winent_high] = (double)high / (double)f->nwin;
        double var = s2 / (double)f->nwin - m * m;
        v[F_winent_std] = var > 0 ? sqrt(var) : 0;
    }
    v[F_winent_max] = mx;

    v[F_str_count] = lg((double)f->str_n);
    v[F_str_bytes] = (double)f->str_bytes / n;
    v[F_str_len_mean] = f->str_n ? lg((double)f->str_bytes / (double)f->str_n) : 0;
    v[F_str_len_max] = lg((double)f->str_max);

    uint64_t catn[CAT__COUNT] = {0};
    unsigned distinct = 0;
    for (size_t t = 0; t < NTOK; t++) {
        if (!f->tcount[t])
            continue;
        catn[tok_cat[t]] += f->tcount[t];
        if (tok_cat[t] < CAT__MINING_END)
            distinct++;
    }
    unsigned cats = 0;
    for (int c = 0; c < CAT__COUNT; c++) {
        if (cat_feature[c] >= 0)
            v[cat_feature[c]] = lg((double)catn[c]);
        if (c < CAT__MINING_END && catn[c])
            cats++;
    }
    v[F_tok_distinct] = lg(distinct);
    v[F_tok_categories] = cats;
    v[F_wallet_xmr] = lg((double)f->wal_xmr);
    v[F_wallet_other] = lg((double)f->wal_other);

    unsigned rx = 0;
    for (size_t i = 0; i < NCPAT; i++) {
        if (!f->cseen[i])
            continue;
        if (cpatterns[i].feature_slot == CONST_RANDOMX)
            rx++;
        else
            v[const_feature[cpatterns[i].feature_slot]] = 1;
    }
    v[F_const_randomx] = (double)rx / NRANDOMX_WORDS;

    sinfo si = {0};
    if (cls == MS_CLASS_ELF && size >= 4 && !memcmp(data, "\x7f" "ELF", 4))
        ms_feat_parse_elf(f, data, size, &si);
    else if (cls == MS_CLASS_PE && size >= 0x40 && data[0] == 'M' && data[1] == 'Z')
        ms_feat_parse_pe(f, data, size, &si);
    v[F_fmt_elf] = si.elf;
    v[F_fmt_pe] = si.pe;
    v[F_is_64bit] = si.is64;
    v[F_malformed] = si.malformed;
    if (si.elf || si.pe) {
        v[F_sec_count] = lg(si.nsec);
        v[F_sec_nonstd_names] = si.nsec ? (double)si.nonstd / si.nsec : 0;
        v[F_sec_wx] = si.wx;
        v[F_sec_exec_frac] = (double)si.exec_bytes / n > 1 ? 1 : (double)si.exec_bytes / n;
        v[F_sec_exec_entropy] = si.exec_ent;
        v[F_sec_max_entropy] = si.max_ent;
        v[F_sec_exec_nofile] = si.exec_nofile;
        v[F_overlay_frac] = si.end < size ? (double)(size - si.end) / n : 0;
        v[F_ep_writable] = si.ep_writable;
        v[F_ep_high_entropy] = si.ep_high;
        v[F_ep_outside] = si.ep_outside;
        v[F_stripped] = si.stripped;
    }
    v[F_packer_upx] = si.upx || catn[CAT_PACKER] > 0;
    v[F_elf_static] = si.elf_static;
    v[F_elf_interp] = si.elf_interp;
    v[F_elf_pie] = si.elf_pie;
    v[F_go_binary] = si.go || catn[CAT_GO] > 0;
    v[F_pe_dll] = si.dll;
    v[F_pe_driver] = si.driver;
    v[F_pe_console] = si.console;
    v[F_pe_signed] = si.signed_;
    v[F_pe_dotnet] = si.dotnet;
    v[F_pe_tls] = si.tls;
    v[F_imp_count] = lg(f->imp_n);
    v[F_imp_libs] = lg(f->lib_n);
    for (int i = F_imp_sched_setaffinity; i <= F_imp_console_hide; i++)
        v[i] = f->have_imp[i];
    for (int b = 0; b < IMP_HASH_BUCKETS; b++)
        v[F_imp_hash_00 + b] = lg(f->imp_bucket[b]);

    /* Schema 5: a mining client is several of these at once, with pool
     * protocol among them; a node, a wallet, a cracker, a GPU runtime or a
     * stress tool has one or two and no pool client. A linear model cannot
     * form the conjunction itself, so it is a feature. */
    bool pool = catn[CAT_STRATUM] || catn[CAT_POOL_URL] || catn[CAT_POOL_JOB];
    bool report = catn[CAT_SPEED] || catn[CAT_HASHRATE] || catn[CAT_SHARES];
    bool tuning = catn[CAT_HUGEPAGES] || catn[CAT_MSR] || f->have_imp[F_imp_large_pages];
    bool affinity = f->have_imp[F_imp_sched_setaffinity] || f->have_imp[F_imp_pthread_setaffinity_np] ||
                    f->have_imp[F_imp_SetThreadAffinityMask] || f->have_imp[F_imp_hwloc] ||
                    f->tcount[f->t_cpu_affinity];
    bool donate = catn[CAT_DONATE_LEVEL] || f->tcount[f->t_donate_level];
    bool worker = catn[CAT_WORKER] || f->tcount[f->t_rig_id];
    v[F_mix_pool_report] = pool && report;
    v[F_mix_pool_tuning] = pool && tuning;
    v[F_mix_pool_affinity] = pool && affinity;
    v[F_mix_pool_donate] = pool && donate;
    v[F_mix_client] = (double)pool + (catn[CAT_SPEED] > 0) + worker + donate + tuning + affinity;

    *ret_vec = v;
    return 0;
}

int ms_features_extract(ms_featurizer *f, const uint8_t *data, size_t size, ms_class cls,
                        const double **ret_vec) {
    return extract(f, data, size, cls, false, ret_vec);
}

int ms_features_stream_end(ms_featurizer *f, const uint8_t *data, size_t size, ms_class cls,
                           const double **ret_vec) {
    return extract(f, data, size, cls, true, ret_vec);
}

void ms_features_stream_abandon(ms_featurizer *f) {
    f->bp.active = false;
}

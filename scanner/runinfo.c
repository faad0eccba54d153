/*
 * runinfo.c - the run record and the report seal (see runinfo.h).
 */
#include "runinfo.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "alloc.h"
#include "hashes.h"
#include "model.h"
#include "ms_version.h"
#include "report.h"
#include "script_score.h"
#include "sigscan.h"

/* src into dst[cap], cut at cap - 1 bytes. */
static void copy(char *dst, size_t cap, const char *src) {
    size_t n = src ? strnlen(src, cap - 1) : 0;
    memcpy(dst, src ? src : "", n);
    dst[n] = '\0';
}

/* The name of uid in /etc/passwd, read directly: the portable binary has
 * no NSS modules to ask, and a responder wants the file's word anyway. */
static void user_name(long uid, char *out, size_t cap) {
    FILE *f = fopen("/etc/passwd", "re");
    char line[1024];
    out[0] = '\0';
    if (!f)
        return;
    while (fgets(line, sizeof(line), f)) {
        char *name = line, *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (!c2)
            continue;
        char *end = NULL;
        errno = 0;
        long u = strtol(c2 + 1, &end, 10);
        if (errno == 0 && end != c2 + 1 && *end == ':' && u == uid) {
            *c1 = '\0';
            copy(out, cap, name);
            break;
        }
    }
    fclose(f);
}

static void add_input(ms_runinfo *ri, const char *kind, const char *path, const char *sha256) {
    ri->inputs = ms_xrealloc(ri->inputs, (ri->n_inputs + 1) * sizeof(*ri->inputs));
    ms_run_input *in = &ri->inputs[ri->n_inputs++];
    *in = (ms_run_input){.kind = kind, .path = ms_xstrdup(path)};
    if (sha256)
        copy(in->sha256, sizeof(in->sha256), sha256);
    else if (ms_sha256_file(path, in->sha256) < 0)
        in->sha256[0] = '\0';
}

void ms_runinfo_collect(ms_runinfo *ri, int argc, char *const *argv, const ms_options *o,
                        const ms_engine *e) {
    *ri = (ms_runinfo){.argv = argv, .argc = argc, .sort = o->sort};
    clock_gettime(CLOCK_REALTIME, &ri->start);
    struct utsname u;
    if (uname(&u) == 0) {
        copy(ri->hostname, sizeof(ri->hostname), u.nodename);
        copy(ri->kernel, sizeof(ri->kernel), u.release);
        copy(ri->kernel_version, sizeof(ri->kernel_version), u.version);
        copy(ri->machine, sizeof(ri->machine), u.machine);
    }
    ri->uid = (long)getuid();
    ri->euid = (long)geteuid();
    user_name(ri->uid, ri->user, sizeof(ri->user));
    ri->pid = (long)getpid();
    if (!getcwd(ri->cwd, sizeof(ri->cwd)))
        ri->cwd[0] = '\0';
    ssize_t k = readlink("/proc/self/exe", ri->exe, sizeof(ri->exe) - 1);
    ri->exe[k > 0 ? k : 0] = '\0';
    if (ms_sha256_file("/proc/self/exe", ri->exe_sha256) < 0)
        ri->exe_sha256[0] = '\0';

    ri->builtin_rules = !o->no_builtin_rules;
    if (ri->builtin_rules && ms_engine_builtin_rules_version(ri->builtin_sha256, &ri->builtin_count) < 0)
        ri->builtin_sha256[0] = '\0';
    const ms_model_info *mi = ms_model_get_info();
    snprintf(ri->model_version, sizeof(ri->model_version), "%s %s", mi->name, mi->version);
    if (ms_model_digest(ri->model_sha256) < 0)
        ri->model_sha256[0] = '\0';
    copy(ri->script_version, sizeof(ri->script_version), ms_script_model_version());
    if (ms_script_model_digest(ri->script_sha256) < 0)
        ri->script_sha256[0] = '\0';
    ms_engine_versions v;
    ms_engine_versions_get(&v);
    ri->yara_version = v.yara;
    ri->magic_version = v.magic;

    const ms_rule_input *rin = NULL;
    size_t n = e ? ms_engine_rule_inputs(e, &rin) : 0;
    for (size_t i = 0; i < n; i++)
        add_input(ri, rin[i].kind, rin[i].path, rin[i].sha256);
    if (o->hashes_file)
        add_input(ri, "hashes", o->hashes_file, NULL);
    if (o->allow_file)
        add_input(ri, "allow", o->allow_file, NULL);
    for (size_t i = 0; i < o->n_ioc_files; i++)
        add_input(ri, "ioc-file", o->ioc_files[i], NULL);
}

void ms_runinfo_free(ms_runinfo *ri) {
    for (size_t i = 0; i < ri->n_inputs; i++)
        free(ri->inputs[i].path);
    free(ri->inputs);
    ri->inputs = NULL;
    ri->n_inputs = 0;
}

void ms_runinfo_end(ms_runinfo *ri) {
    if (ri->end.tv_sec == 0 && ri->end.tv_nsec == 0)
        clock_gettime(CLOCK_REALTIME, &ri->end);
}

void ms_utc_text(const struct timespec *t, char out[32]) {
    struct tm tm;
    time_t s = t->tv_sec;
    if (!gmtime_r(&s, &tm)) {
        copy(out, 32, "1970-01-01T00:00:00.000Z");
        return;
    }
    size_t k = strftime(out, 24, "%Y-%m-%dT%H:%M:%S", &tm);
    unsigned ms = (unsigned)((t->tv_nsec / 1000000) % 1000);
    out[k++] = '.';
    out[k++] = (char)('0' + ms / 100);
    out[k++] = (char)('0' + ms / 10 % 10);
    out[k++] = (char)('0' + ms % 10);
    out[k++] = 'Z';
    out[k] = '\0';
}

static void json_str_or_null(FILE *out, const char *s) {
    if (s && *s)
        ms_json_cstr(out, s);
    else
        fputs("null", out);
}

static void json_time(FILE *out, const ms_runinfo *ri, const struct timespec *t) {
    char buf[32];
    if (ri->sort) {
        fputs("null", out);
        return;
    }
    ms_utc_text(t, buf);
    ms_json_cstr(out, buf);
}

void ms_runinfo_json(FILE *out, const ms_runinfo *ri) {
    fputs("\"scanner\":\"minerscan\",\"version\":\"" MS_VERSION "\",\"executable\":{\"path\":", out);
    json_str_or_null(out, ri->exe);
    fputs(",\"sha256\":", out);
    json_str_or_null(out, ri->exe_sha256);
    fputs("},\"command_line\":", out);
    ms_json_str_array(out, ri->argv, ri->argc > 0 ? (size_t)ri->argc : 0);
    fputs(",\"cwd\":", out);
    json_str_or_null(out, ri->cwd);
    fputs(",\"host\":{\"hostname\":", out);
    json_str_or_null(out, ri->hostname);
    fputs(",\"kernel\":", out);
    json_str_or_null(out, ri->kernel);
    fputs(",\"kernel_version\":", out);
    json_str_or_null(out, ri->kernel_version);
    fputs(",\"machine\":", out);
    json_str_or_null(out, ri->machine);
    fprintf(out, "},\"user\":{\"uid\":%ld,\"euid\":%ld,\"name\":", ri->uid, ri->euid);
    json_str_or_null(out, ri->user);
    fputs("},\"pid\":", out);
    if (ri->sort)
        fputs("null", out);
    else
        fprintf(out, "%ld", ri->pid);
    fputs(",\"start\":", out);
    json_time(out, ri, &ri->start);
    fputs(",\"libraries\":{\"libyara\":", out);
    json_str_or_null(out, ri->yara_version);
    fprintf(out, ",\"libmagic\":%d},\"rules\":[", ri->magic_version);
    bool first = true;
    if (ri->builtin_rules) {
        fprintf(out, "{\"kind\":\"builtin\",\"path\":null,\"rules\":%zu,\"sha256\":", ri->builtin_count);
        json_str_or_null(out, ri->builtin_sha256);
        fputc('}', out);
        first = false;
    }
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < ri->n_inputs; i++) {
            const ms_run_input *in = &ri->inputs[i];
            bool is_rules = !strcmp(in->kind, "source") || !strcmp(in->kind, "compiled");
            if (is_rules != (pass == 0))
                continue;
            if (!first)
                fputc(',', out);
            first = false;
            fputs("{\"kind\":", out);
            ms_json_cstr(out, in->kind);
            fputs(",\"path\":", out);
            ms_json_cstr(out, in->path);
            if (pass == 0)
                fputs(",\"rules\":null", out);
            fputs(",\"sha256\":", out);
            json_str_or_null(out, in->sha256);
            fputc('}', out);
        }
        if (pass == 0) {
            fputs("],\"lists\":[", out);
            first = true;
        }
    }
    fputs("],\"models\":[{\"name\":\"executable\",\"version\":", out);
    ms_json_cstr(out, ri->model_version);
    fputs(",\"sha256\":", out);
    json_str_or_null(out, ri->model_sha256);
    fputs("},{\"name\":\"script\",\"version\":", out);
    ms_json_cstr(out, ri->script_version);
    fputs(",\"sha256\":", out);
    json_str_or_null(out, ri->script_sha256);
    fputs("}]", out);
}

/* Safe in a POSIX shell without quotes? */
static bool plain_word(const char *s) {
    if (!*s)
        return false;
    for (const char *p = s; *p; p++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.,/:=@%+", *p))
            return false;
    return true;
}

char *ms_runinfo_command(const ms_runinfo *ri) {
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m)
        ms_oom();
    for (int i = 0; i < ri->argc; i++) {
        const char *a = ri->argv[i];
        if (i)
            fputc(' ', m);
        if (plain_word(a)) {
            fputs(a, m);
            continue;
        }
        fputc('\'', m);
        for (const char *p = a; *p; p++)
            if (*p == '\'')
                fputs("'\\''", m);
            else
                fputc(*p, m);
        fputc('\'', m);
    }
    if (fclose(m) != 0 || !buf)
        ms_oom();
    return buf;
}

/* ---- the chain ---- */

struct ms_chain {
    FILE *raw;
    ms_digest_ctx *d;
    uint64_t bytes;
    int err; /* the errno of the first write that failed, kept here:
              * errno itself does not survive the way up (stdio, free(),
              * a sanitizer's interceptors may all set it) */
};

static ssize_t chain_write(void *cookie, const char *buf, size_t n) {
    ms_chain *c = cookie;
    errno = 0;
    size_t w = fwrite(buf, 1, n, c->raw);
    int e = errno;
    if (w < n && !c->err)
        c->err = ferror(c->raw) && e > 0 ? e : EIO;
    if (w > 0 && ms_digest_update(c->d, (const uint8_t *)buf, w) < 0) {
        if (!c->err)
            c->err = EIO;
        errno = c->err;
        return -1;
    }
    c->bytes += w;
    if (w < n) {
        errno = c->err;
        return w > 0 ? (ssize_t)w : -1;
    }
    return (ssize_t)w;
}

static int chain_close(void *cookie) {
    (void)cookie;
    return 0;
}

FILE *ms_chain_open(FILE *raw, ms_chain **ret) {
    ms_chain *c = ms_xcalloc(1, sizeof(*c));
    ms_digests want = {0};
    c->raw = raw;
    if (ms_digest_begin(&want, &c->d) < 0) {
        free(c);
        return NULL;
    }
    cookie_io_functions_t io = {.write = chain_write, .close = chain_close};
    FILE *f = fopencookie(c, "w", io);
    if (!f) {
        ms_digest_abandon(c->d);
        free(c);
        return NULL;
    }
    *ret = c;
    return f;
}

int ms_chain_error(const ms_chain *c) {
    return c && c->err ? -c->err : 0;
}

int ms_chain_sum(ms_chain *c, FILE *cooked, char hex[65], uint64_t *ret_bytes) {
    if (fflush(cooked) != 0 || ferror(cooked))
        return c->err ? -c->err : -EIO;
    if (ms_digest_peek(c->d, hex) < 0)
        return MS_E_CRYPTO;
    if (ret_bytes)
        *ret_bytes = c->bytes;
    return 0;
}

int ms_chain_close(FILE *cooked, ms_chain *c) {
    int r = 0;
    if (cooked) {
        /* closed whatever its state: an error already met still leaves
         * the stream to free */
        bool failed = ferror(cooked) != 0;
        if (fclose(cooked) != 0 || failed)
            r = c && c->err ? -c->err : -EIO;
    }
    if (c) {
        ms_digest_abandon(c->d);
        free(c);
    }
    return r;
}

/* ---- checking a seal ---- */

static bool hex64(const uint8_t *p, size_t n) {
    if (n < 64)
        return false;
    for (size_t i = 0; i < 64; i++)
        if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f')))
            return false;
    return n == 64 || !((p[64] >= '0' && p[64] <= '9') || (p[64] >= 'a' && p[64] <= 'f'));
}

static const uint8_t *find_last(const uint8_t *d, size_t n, const char *lit) {
    size_t k = strlen(lit);
    const uint8_t *hit = NULL;
    for (const uint8_t *p = d; n - (size_t)(p - d) >= k;) {
        const uint8_t *q = memmem(p, n - (size_t)(p - d), lit, k);
        if (!q)
            break;
        hit = q;
        p = q + 1;
    }
    return hit;
}

/* The last line's start (a final "\n" ignored). */
static size_t last_line(const uint8_t *d, size_t n) {
    size_t e = n;
    if (e && d[e - 1] == '\n')
        e--;
    while (e && d[e - 1] != '\n')
        e--;
    return e;
}

ms_seal_state ms_seal_check(const uint8_t *d, size_t n, ms_seal *ret) {
    *ret = (ms_seal){0};
    size_t at = 0;
    const uint8_t *want = NULL;
    size_t ll = last_line(d, n);
    static const char sarif_key[] = ",\"properties\":{\"reportSha256\":\"";
    const uint8_t *sk;
    if (n - ll > 14 && !memcmp(d + ll, "{\"type\":\"end\",", 14)) {
        const uint8_t *h = find_last(d + ll, n - ll, "\"sha256\":\"");
        if (h && hex64(h + 10, n - (size_t)(h + 10 - d)))
            ret->format = "jsonl", at = ll, want = h + 10;
    } else if (n - ll > 5 && !memcmp(d + ll, "end: ", 5)) {
        const uint8_t *h = find_last(d + ll, n - ll, "report sha256 ");
        if (h && hex64(h + 14, n - (size_t)(h + 14 - d)))
            ret->format = "text", at = ll, want = h + 14;
    } else if ((sk = find_last(d, n, sarif_key)) && hex64(sk + sizeof(sarif_key) - 1,
                                                          n - (size_t)(sk + sizeof(sarif_key) - 1 - d))) {
        ret->format = "sarif", at = (size_t)(sk - d), want = sk + sizeof(sarif_key) - 1;
    }
    if (!want)
        return MS_SEAL_MISSING;
    memcpy(ret->want, want, 64);
    ret->want[64] = '\0';
    ret->sealed = at;
    if (ms_sha256_hex(d, at, ret->got) < 0)
        return MS_SEAL_MISSING;
    return strcmp(ret->want, ret->got) ? MS_SEAL_CHANGED : MS_SEAL_INTACT;
}

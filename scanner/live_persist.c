/*
 * live_persist.c - persistence locations, their line checks, ld.so.preload,
 * /etc/passwd and the machine's settings (live_persist.h).
 */
#include "live_persist.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "live_proc.h"

/* Homes looked at: a directory server's passwd can list many thousands of
 * users; the persistence a miner plants is in root's and a few service
 * users' homes. */
#define MS_PERSIST_MAX_HOMES 10000
#define MS_PASSWD_MAX_USERS 100000
/* A persistence line longer than this is not a command anyone types or a
 * dropper writes: it is data, and is not read as a command. */
#define MS_PERSIST_MAX_LINE (64u << 10)
#define MS_PRELOAD_MAX_LIBS 64

/* ---- /etc/passwd ---- */

static char *dup_n(const char *s, size_t n) {
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

int ms_passwd_parse(const uint8_t *data, size_t size, ms_passwd **ret, size_t *ret_n) {
    const char *p = (const char *)data, *end = p + size;
    ms_passwd *v = NULL;
    size_t n = 0;
    int r = 0;

    while (p < end && n < MS_PASSWD_MAX_USERS) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        const char *f[7];
        size_t fl[7], nf = 0;
        for (const char *s = p; nf < 7;) {
            const char *c = memchr(s, ':', (size_t)(le - s));
            f[nf] = s;
            fl[nf] = (size_t)((c ? c : le) - s);
            nf++;
            if (!c)
                break;
            s = c + 1;
        }
        p = nl ? nl + 1 : end;
        if (nf < 6 || fl[0] == 0 || fl[2] == 0 || fl[2] > 10)
            continue;
        long uid = 0;
        bool ok = true;
        for (size_t i = 0; i < fl[2]; i++) {
            if (f[2][i] < '0' || f[2][i] > '9') {
                ok = false;
                break;
            }
            uid = uid * 10 + (f[2][i] - '0');
        }
        if (!ok)
            continue;
        ms_passwd *nv = realloc(v, (n + 1) * sizeof(*nv));
        if (!nv) {
            r = -ENOMEM;
            goto out;
        }
        v = nv;
        v[n] = (ms_passwd){.name = dup_n(f[0], fl[0]), .uid = uid, .home = dup_n(f[5], fl[5])};
        if (!v[n].name || !v[n].home) {
            free(v[n].name);
            free(v[n].home);
            r = -ENOMEM;
            goto out;
        }
        n++;
    }
out:
    if (r < 0) {
        ms_passwd_free(v, n);
        return r;
    }
    *ret = v;
    *ret_n = n;
    return 0;
}

void ms_passwd_free(ms_passwd *pw, size_t n) {
    for (size_t i = 0; pw && i < n; i++) {
        free(pw[i].name);
        free(pw[i].home);
    }
    free(pw);
}

const char *ms_passwd_name(const ms_passwd *pw, size_t n, long uid) {
    for (size_t i = 0; i < n; i++)
        if (pw[i].uid == uid)
            return pw[i].name;
    return NULL;
}

/* ---- opening inside the root ---- */

int ms_root_open(int rootfd, const char *rel, int flags) {
    flags |= O_CLOEXEC | O_NOCTTY;
    struct open_how how = {.flags = (uint64_t)(flags | O_NOATIME),
                           .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
    long lfd = syscall(SYS_openat2, rootfd, rel, &how, sizeof(how));
    if (lfd < 0 && errno == EPERM) {
        /* O_NOATIME needs the file's owner or CAP_FOWNER */
        how.flags = (uint64_t)flags;
        lfd = syscall(SYS_openat2, rootfd, rel, &how, sizeof(how));
    }
    if (lfd >= 0)
        return (int)lfd;
    /* ENOSYS: a kernel before 5.6 (one failed system call per file there
     * is cheaper than a flag shared between threads) */
    if (errno != ENOSYS)
        return -errno;
    int fd = openat(rootfd, rel, flags | O_NOFOLLOW | O_NOATIME);
    if (fd < 0 && errno == EPERM)
        fd = openat(rootfd, rel, flags | O_NOFOLLOW);
    return fd < 0 ? -errno : fd;
}

/* ---- the list of locations ---- */

typedef struct loc {
    const char *path;     /* below the root, or below a home */
    const char *location;
    ms_persist_syntax syntax;
    int depth;            /* 0: a file; N: a directory, N levels */
} loc;

static const loc system_locs[] = {
    {"etc/crontab", "cron", MS_SYN_CRON_SYSTEM, 0},
    {"etc/cron.d", "cron", MS_SYN_CRON_SYSTEM, 1},
    {"etc/cron.hourly", "cron", MS_SYN_SHELL, 1},
    {"etc/cron.daily", "cron", MS_SYN_SHELL, 1},
    {"etc/cron.weekly", "cron", MS_SYN_SHELL, 1},
    {"etc/cron.monthly", "cron", MS_SYN_SHELL, 1},
    {"etc/anacrontab", "cron", MS_SYN_SHELL, 0},
    /* Debian's crontabs/USER, Red Hat's USER directly, and at jobs */
    {"var/spool/cron", "cron", MS_SYN_CRON_USER, 2},
    {"var/spool/at", "at", MS_SYN_SHELL, 1},
    {"etc/systemd/system", "systemd", MS_SYN_SYSTEMD, 3},
    {"run/systemd/system", "systemd", MS_SYN_SYSTEMD, 3},
    {"run/systemd/transient", "systemd", MS_SYN_SYSTEMD, 2},
    {"usr/local/lib/systemd/system", "systemd", MS_SYN_SYSTEMD, 3},
    {"usr/lib/systemd/system", "systemd", MS_SYN_SYSTEMD, 3},
    {"lib/systemd/system", "systemd", MS_SYN_SYSTEMD, 3},
    {"etc/systemd/user", "systemd", MS_SYN_SYSTEMD, 3},
    {"usr/lib/systemd/user", "systemd", MS_SYN_SYSTEMD, 3},
    {"etc/rc.local", "rc.local", MS_SYN_SHELL, 0},
    {"etc/rc.d/rc.local", "rc.local", MS_SYN_SHELL, 0},
    {"etc/init.d", "init.d", MS_SYN_SHELL, 1},
    {"etc/profile", "profile", MS_SYN_SHELL, 0},
    {"etc/profile.d", "profile", MS_SYN_SHELL, 1},
    {"etc/bash.bashrc", "profile", MS_SYN_SHELL, 0},
    {"etc/bashrc", "profile", MS_SYN_SHELL, 0},
    {"etc/environment", "profile", MS_SYN_SHELL, 0},
    {"etc/zsh/zshrc", "profile", MS_SYN_SHELL, 0},
    {"etc/zsh/zprofile", "profile", MS_SYN_SHELL, 0},
    {"etc/xdg/autostart", "autostart", MS_SYN_DESKTOP, 1},
    {"etc/ld.so.preload", "ld.so.preload", MS_SYN_PRELOAD, 0},
};

static const loc home_locs[] = {
    {".bashrc", "shell-rc", MS_SYN_SHELL, 0},
    {".bash_profile", "shell-rc", MS_SYN_SHELL, 0},
    {".bash_login", "shell-rc", MS_SYN_SHELL, 0},
    {".bash_logout", "shell-rc", MS_SYN_SHELL, 0},
    {".profile", "shell-rc", MS_SYN_SHELL, 0},
    {".zshrc", "shell-rc", MS_SYN_SHELL, 0},
    {".zprofile", "shell-rc", MS_SYN_SHELL, 0},
    {".zlogin", "shell-rc", MS_SYN_SHELL, 0},
    {".ssh/authorized_keys", "authorized_keys", MS_SYN_AUTHKEYS, 0},
    {".ssh/authorized_keys2", "authorized_keys", MS_SYN_AUTHKEYS, 0},
    {".config/systemd/user", "systemd", MS_SYN_SYSTEMD, 3},
    {".config/autostart", "autostart", MS_SYN_DESKTOP, 1},
};

typedef struct items {
    ms_persist_item *v;
    size_t n;
} items;

static int add_item(items *it, const char *rel, const char *location, ms_persist_syntax syn,
                    int error) {
    if (it->n >= MS_PERSIST_MAX_FILES)
        return 0;
    ms_persist_item *v = realloc(it->v, (it->n + 1) * sizeof(*v));
    if (!v)
        return -ENOMEM;
    it->v = v;
    if (!(v[it->n].rel = strdup(rel)))
        return -ENOMEM;
    v[it->n].location = location;
    v[it->n].syntax = syn;
    v[it->n].error = error;
    it->n++;
    return 0;
}

/* The entries of directory rel, depth levels down (a constant from the
 * table, at most 3, so the recursion is bounded). */
static int add_dir(items *it, int rootfd, const char *rel, const loc *l, int depth) {
    int fd = ms_root_open(rootfd, rel, O_RDONLY | O_DIRECTORY);
    int r = 0;
    if (fd == -EACCES || fd == -EPERM)
        return add_item(it, rel, l->location, l->syntax, fd); /* reported as skipped */
    if (fd < 0)
        return 0; /* absent on this system */
    DIR *d = fdopendir(fd);
    if (!d) {
        close(fd);
        return 0;
    }
    for (struct dirent *e; (e = readdir(d)) && it->n < MS_PERSIST_MAX_FILES;) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char child[4096];
        if ((size_t)snprintf(child, sizeof(child), "%s/%s", rel, e->d_name) >= sizeof(child))
            continue;
        unsigned char type = e->d_type;
        if (type == DT_UNKNOWN) {
            struct stat st;
            if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                continue;
            type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISLNK(st.st_mode) ? DT_LNK : DT_REG;
        }
        if (type == DT_DIR) {
            if (depth > 1 && (r = add_dir(it, rootfd, child, l, depth - 1)) < 0)
                break;
        } else if (type == DT_REG || type == DT_LNK) {
            if ((r = add_item(it, child, l->location, l->syntax, 0)) < 0)
                break;
        }
    }
    closedir(d);
    return r;
}

static int add_loc(items *it, int rootfd, const char *rel, const loc *l) {
    return l->depth == 0 ? add_item(it, rel, l->location, l->syntax, 0)
                         : add_dir(it, rootfd, rel, l, l->depth);
}

static bool seen_str(char **v, size_t n, const char *s) {
    for (size_t i = 0; i < n; i++)
        if (!strcmp(v[i], s))
            return true;
    return false;
}

int ms_persist_collect(int rootfd, const ms_passwd *pw, size_t n_pw, ms_persist_item **ret,
                       size_t *ret_n) {
    items it = {0};
    char **homes = NULL;
    size_t n_homes = 0;
    int r = 0;

    for (size_t i = 0; i < sizeof(system_locs) / sizeof(system_locs[0]); i++)
        if ((r = add_loc(&it, rootfd, system_locs[i].path, &system_locs[i])) < 0)
            goto out;

    /* homes: every passwd home (not "/": a daemon's), root's, the entries of home/ */
    size_t cap = n_pw + 2;
    homes = calloc(cap, sizeof(*homes));
    if (!homes) {
        r = -ENOMEM;
        goto out;
    }
    for (size_t i = 0; i <= n_pw && n_homes < MS_PERSIST_MAX_HOMES; i++) {
        const char *h = i < n_pw ? pw[i].home : "/root";
        while (*h == '/')
            h++;
        if (!*h || seen_str(homes, n_homes, h))
            continue;
        if (!(homes[n_homes] = strdup(h))) {
            r = -ENOMEM;
            goto out;
        }
        n_homes++;
    }
    int hfd = ms_root_open(rootfd, "home", O_RDONLY | O_DIRECTORY);
    DIR *hd = hfd >= 0 ? fdopendir(hfd) : NULL;
    if (!hd && hfd >= 0)
        close(hfd);
    for (struct dirent *e; hd && (e = readdir(hd)) && n_homes < MS_PERSIST_MAX_HOMES;) {
        char h[4096];
        if (e->d_name[0] == '.' && (!e->d_name[1] || (e->d_name[1] == '.' && !e->d_name[2])))
            continue;
        if ((size_t)snprintf(h, sizeof(h), "home/%s", e->d_name) >= sizeof(h) || seen_str(homes, n_homes, h))
            continue;
        char **nh = n_homes < cap ? homes : realloc(homes, (n_homes + 1) * sizeof(*nh));
        if (!nh) {
            r = -ENOMEM;
            break;
        }
        homes = nh;
        if (n_homes >= cap)
            cap = n_homes + 1;
        if (!(homes[n_homes] = strdup(h))) {
            r = -ENOMEM;
            break;
        }
        n_homes++;
    }
    if (hd)
        closedir(hd);
    if (r < 0)
        goto out;
    for (size_t i = 0; i < n_homes; i++) {
        /* a home this user may not enter is one skipped record, not one
         * per start-up file it might hold */
        int dfd = ms_root_open(rootfd, homes[i], O_RDONLY | O_DIRECTORY);
        if (dfd == -EACCES || dfd == -EPERM) {
            if ((r = add_item(&it, homes[i], "home", MS_SYN_SHELL, dfd)) < 0)
                goto out;
            continue;
        }
        if (dfd < 0)
            continue;
        close(dfd);
        for (size_t k = 0; k < sizeof(home_locs) / sizeof(home_locs[0]); k++) {
            char rel[4096];
            if ((size_t)snprintf(rel, sizeof(rel), "%s/%s", homes[i], home_locs[k].path) >= sizeof(rel))
                continue;
            if ((r = add_loc(&it, rootfd, rel, &home_locs[k])) < 0)
                goto out;
        }
    }
out:
    for (size_t i = 0; i < n_homes; i++)
        free(homes[i]);
    free(homes);
    if (r < 0) {
        ms_persist_items_free(it.v, it.n);
        return r;
    }
    *ret = it.v;
    *ret_n = it.n;
    return 0;
}

void ms_persist_items_free(ms_persist_item *it, size_t n) {
    for (size_t i = 0; it && i < n; i++)
        free(it[i].rel);
    free(it);
}

/* ---- line checks ---- */

static bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static bool is_sep(char c) {
    return c == ';' || c == '|' || c == '&' || c == '(' || c == ')' || c == '`' || c == '{' ||
           c == '}' || c == '\n';
}

static bool word_is(const char *w, size_t n, const char *lit) {
    return strlen(lit) == n && !memcmp(w, lit, n);
}

/* The last path component of a command word: /usr/bin/curl -> curl. */
static void base_of(const char **w, size_t *n) {
    for (size_t i = *n; i > 0; i--)
        if ((*w)[i - 1] == '/') {
            *n -= i;
            *w += i;
            return;
        }
}

static bool is_interpreter(const char *w, size_t n) {
    static const char *const names[] = {"sh",     "bash",    "dash",    "ash",  "zsh",  "ksh",
                                        "python", "python2", "python3", "perl", "ruby", "php"};
    base_of(&w, &n);
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (word_is(w, n, names[i]))
            return true;
    return false;
}

/* Words after which the next word is still in command position. */
static bool is_prefix(const char *w, size_t n) {
    static const char *const names[] = {"sudo", "nohup", "exec", "setsid", "nice",  "env",  "time",
                                        "then", "do",    "else", "eval",   "source", ".",   "-c",
                                        "busybox", "command", "!"};
    if (is_interpreter(w, n))
        return true;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (word_is(w, n, names[i]))
            return true;
    return false;
}

static bool in_tmp(const char *w, size_t n) {
    static const char *const dirs[] = {"/tmp/", "/var/tmp/", "/dev/shm/"};
    for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
        size_t l = strlen(dirs[i]);
        if (n > l && !memcmp(w, dirs[i], l))
            return true;
    }
    return false;
}

static bool is_tmp_dir(const char *w, size_t n) {
    while (n > 1 && w[n - 1] == '/')
        n--;
    return word_is(w, n, "/tmp") || word_is(w, n, "/var/tmp") || word_is(w, n, "/dev/shm") ||
           in_tmp(w, n);
}

typedef struct cmd_facts {
    bool tmp, pipe;
} cmd_facts;

/* Read one command text (a crontab command, an Exec= value, a script
 * line) the way a shell splits it, closely enough to tell which words are
 * commands: a word is in command position at the start, after a
 * separator (; | & ( ) ` { } and $( ), after an assignment NAME=VALUE
 * there, and after a prefix word (sudo, nohup, exec, env, sh, bash -c,
 * ...). Quotes are dropped, so sh -c "/tmp/x" sees /tmp/x. Flags a
 * command word under /tmp, /var/tmp, /dev/shm (or ./x after cd into one),
 * and a curl/wget whose output goes through '|' into an interpreter. */
static void check_command(const char *s, size_t n, cmd_facts *f) {
    bool cmdpos = true, cd_tmp = false, after_cd = false, fetch = false, piped = false;
    size_t i = 0;
    while (i < n) {
        while (i < n && is_space(s[i]))
            i++;
        if (i >= n)
            break;
        if (is_sep(s[i])) {
            bool pipe = s[i] == '|' && !(i + 1 < n && s[i + 1] == '|');
            if (pipe && fetch)
                piped = true;
            else if (s[i] != '|')
                piped = false;
            if (s[i] == ';' || s[i] == '\n' || (s[i] == '&' && !(i + 1 < n && s[i + 1] == '&')))
                fetch = false;
            cmdpos = true;
            after_cd = false;
            i++;
            continue;
        }
        /* one word, quotes removed, "$(" ends it as a separator would */
        char w[512];
        size_t wl = 0;
        while (i < n && !is_space(s[i]) && !is_sep(s[i])) {
            if (s[i] == '$' && i + 1 < n && s[i + 1] == '(')
                break;
            if (s[i] != '"' && s[i] != '\'' && s[i] != '\\' && wl < sizeof(w) - 1)
                w[wl++] = s[i];
            i++;
        }
        if (i < n && s[i] == '$') {
            i++; /* the '(' that follows is a separator */
        }
        if (wl == 0)
            continue;
        const char *bw = w;
        size_t bl = wl;
        base_of(&bw, &bl);
        if (after_cd) {
            cd_tmp = is_tmp_dir(w, wl);
            after_cd = false;
        }
        if (cmdpos) {
            if (in_tmp(w, wl) || (cd_tmp && wl > 2 && w[0] == '.' && w[1] == '/'))
                f->tmp = true;
            if (word_is(bw, bl, "curl") || word_is(bw, bl, "wget"))
                fetch = true;
            if (piped && is_interpreter(w, wl))
                f->pipe = true;
            if (word_is(w, wl, "cd"))
                after_cd = true;
            const char *eq = memchr(w, '=', wl);
            bool assign = eq && eq != w && !memchr(w, '/', (size_t)(eq - w));
            if (is_prefix(w, wl) || assign)
                continue; /* the next word is a command too */
            cmdpos = false;
        }
    }
}

/* sh -c "$(curl URL)" / eval "$(wget -O- URL)": the download is run. */
static bool subst_run(const char *s, size_t n) {
    static const char *const pats[] = {"$(curl", "$(wget", "`curl", "`wget"};
    for (size_t k = 0; k < sizeof(pats) / sizeof(pats[0]); k++) {
        size_t pl = strlen(pats[k]);
        for (size_t i = 0; i + pl <= n; i++) {
            if (memcmp(s + i, pats[k], pl))
                continue;
            size_t j = i;
            while (j > 0 && (s[j - 1] == '"' || s[j - 1] == '\'' || is_space(s[j - 1])))
                j--;
            if ((j >= 2 && !memcmp(s + j - 2, "-c", 2)) || (j >= 4 && !memcmp(s + j - 4, "eval", 4)))
                return true;
        }
    }
    return false;
}

/* A copy of at most 160 bytes of a line for the evidence text. */
static void excerpt(const char *s, size_t n, char *out, size_t cap) {
    while (n && is_space(*s)) {
        s++;
        n--;
    }
    size_t k = n < cap - 4 ? n : cap - 4;
    memcpy(out, s, k);
    if (k < n)
        memcpy(out + k, "...", 4);
    else
        out[k] = '\0';
}

/* The command part of a crontab line, or NULL for a comment, a blank or
 * an environment line. */
static const char *cron_command(const char *s, size_t n, bool user_field, size_t *ret_n) {
    size_t i = 0;
    while (i < n && is_space(s[i]))
        i++;
    if (i >= n || s[i] == '#')
        return NULL;
    /* NAME=VALUE */
    size_t w = i;
    while (w < n && !is_space(s[w]) && s[w] != '=')
        w++;
    if (w < n && s[w] == '=')
        return NULL;
    int fields = s[i] == '@' ? 1 : 5;
    if (user_field)
        fields++;
    for (int f = 0; f < fields; f++) {
        while (i < n && !is_space(s[i]))
            i++;
        while (i < n && is_space(s[i]))
            i++;
    }
    if (i >= n)
        return NULL;
    *ret_n = n - i;
    return s + i;
}

/* The value of an authorized_keys command="..." option. */
static const char *authkeys_command(const char *s, size_t n, size_t *ret_n) {
    static const char opt[] = "command=\"";
    for (size_t i = 0; i + sizeof(opt) - 1 <= n; i++) {
        if (memcmp(s + i, opt, sizeof(opt) - 1))
            continue;
        size_t b = i + sizeof(opt) - 1, e = b;
        while (e < n && !(s[e] == '"' && s[e - 1] != '\\'))
            e++;
        *ret_n = e - b;
        return s + b;
    }
    return NULL;
}

/* The value of an Exec*= key (systemd) or Exec= (desktop). */
static const char *exec_value(const char *s, size_t n, bool systemd, size_t *ret_n) {
    size_t i = 0;
    while (i < n && is_space(s[i]))
        i++;
    if (n - i < 5 || memcmp(s + i, "Exec", 4))
        return NULL;
    size_t k = i + 4;
    if (systemd)
        while (k < n && ((s[k] >= 'A' && s[k] <= 'Z') || (s[k] >= 'a' && s[k] <= 'z')))
            k++;
    while (k < n && is_space(s[k]))
        k++;
    if (k >= n || s[k] != '=')
        return NULL;
    k++;
    /* systemd's special prefixes: - @ : + ! */
    while (systemd && k < n && (s[k] == '-' || s[k] == '@' || s[k] == ':' || s[k] == '+' || s[k] == '!'))
        k++;
    *ret_n = n - k;
    return s + k;
}

int ms_persist_check_lines(ms_persist_syntax syntax, const uint8_t *data, size_t size,
                           ms_live_info *li) {
    const char *p = (const char *)data, *end = p + size;
    unsigned lineno = 0;
    int r = 0;

    if (syntax == MS_SYN_PRELOAD || syntax == MS_SYN_BINARY)
        return 0;
    while (p < end && r == 0) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = (size_t)((nl ? nl : end) - p);
        const char *line = p;
        p = nl ? nl + 1 : end;
        lineno++;
        if (len > MS_PERSIST_MAX_LINE)
            continue;
        const char *cmd = NULL;
        size_t cl = 0;
        switch (syntax) {
        case MS_SYN_CRON_USER:
        case MS_SYN_CRON_SYSTEM:
            cmd = cron_command(line, len, syntax == MS_SYN_CRON_SYSTEM, &cl);
            break;
        case MS_SYN_SYSTEMD:
        case MS_SYN_DESKTOP:
            cmd = exec_value(line, len, syntax == MS_SYN_SYSTEMD, &cl);
            break;
        case MS_SYN_AUTHKEYS:
            cmd = authkeys_command(line, len, &cl);
            break;
        default: {
            size_t i = 0;
            while (i < len && is_space(line[i]))
                i++;
            if (i < len && line[i] != '#') {
                cmd = line + i;
                cl = len - i;
            }
            break;
        }
        }
        if (!cmd)
            continue;
        cmd_facts f = {0};
        check_command(cmd, cl, &f);
        if (subst_run(cmd, cl))
            f.pipe = true;
        char ex[168];
        if (f.tmp || f.pipe)
            excerpt(line, len, ex, sizeof(ex));
        if (f.tmp && !ms_live_has_evidence(li, "runs_from_tmp"))
            r = ms_live_add_evidence(li, "runs_from_tmp", "line %u: %s", lineno, ex);
        if (r == 0 && f.pipe && !ms_live_has_evidence(li, "download_pipe"))
            r = ms_live_add_evidence(li, "download_pipe", "line %u: %s", lineno, ex);
    }
    return r;
}

/* ---- ld.so.preload ---- */

int ms_preload_parse(const uint8_t *data, size_t size, char ***ret, size_t *ret_n) {
    char **v = NULL;
    size_t n = 0;
    const char *p = (const char *)data, *end = p + size;
    int r = 0;

    while (p < end && n < MS_PRELOAD_MAX_LIBS) {
        if (*p == '#') {
            while (p < end && *p != '\n')
                p++;
            continue;
        }
        if (is_space(*p) || *p == '\n' || *p == ':' || *p == '\0') {
            p++;
            continue;
        }
        const char *b = p;
        while (p < end && !is_space(*p) && *p != '\n' && *p != ':' && *p != '\0' && *p != '#')
            p++;
        if ((size_t)(p - b) >= 4096)
            continue;
        char **nv = realloc(v, (n + 1) * sizeof(*nv));
        if (!nv) {
            r = -ENOMEM;
            break;
        }
        v = nv;
        if (!(v[n] = dup_n(b, (size_t)(p - b)))) {
            r = -ENOMEM;
            break;
        }
        n++;
    }
    if (r < 0) {
        for (size_t i = 0; i < n; i++)
            free(v[i]);
        free(v);
        return r;
    }
    *ret = v;
    *ret_n = n;
    return 0;
}

/* ---- the machine ---- */

/* The first line of a small file under dir, NUL-terminated, newline cut;
 * false when it cannot be read. */
static bool read_line(const char *dir, const char *name, char *out, size_t cap) {
    char path[4096];
    if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
        return false;
    FILE *f = fopen(path, "re");
    if (!f)
        return false;
    bool ok = fgets(out, (int)cap, f) != NULL;
    fclose(f);
    if (ok)
        out[strcspn(out, "\n")] = '\0';
    return ok;
}

static int msr_state(const char *proc, const char *sys) {
    char path[4096];
    struct stat st;
    snprintf(path, sizeof(path), "%s/module/msr/initstate", sys);
    if (stat(path, &st) == 0)
        return 1;
    snprintf(path, sizeof(path), "%s/modules", proc);
    FILE *f = fopen(path, "re");
    if (!f)
        return -1; /* a kernel without modules: msr may be built in, unknown */
    char line[512];
    int found = 0;
    while (fgets(line, sizeof(line), f))
        if (!strncmp(line, "msr ", 4)) {
            found = 1;
            break;
        }
    fclose(f);
    return found;
}

int ms_host_collect(const char *proc, const char *sys, ms_live_info *host) {
    char buf[256];
    int r = 0;

    if (read_line(proc, "sys/kernel/hostname", buf, sizeof(buf)) && !(host->hostname = strdup(buf)))
        return -ENOMEM;
    if (read_line(proc, "sys/kernel/osrelease", buf, sizeof(buf)) && !(host->kernel = strdup(buf)))
        return -ENOMEM;
    if (read_line(proc, "sys/vm/nr_hugepages", buf, sizeof(buf))) {
        char *e = NULL;
        long v = strtol(buf, &e, 10);
        if (e != buf && v >= 0)
            host->nr_hugepages = v;
    }
    if (read_line(proc, "sys/kernel/nmi_watchdog", buf, sizeof(buf))) {
        char *e = NULL;
        long v = strtol(buf, &e, 10);
        if (e != buf && v >= 0 && v <= 1000)
            host->nmi_watchdog = (int)v;
    }
    host->msr_loaded = msr_state(proc, sys);

    if (host->nr_hugepages > 0 &&
        (r = ms_live_add_evidence(host, "hugepages", "vm.nr_hugepages = %ld (%ld MiB of 2 MiB pages)",
                                  host->nr_hugepages, host->nr_hugepages * 2)) < 0)
        return r;
    if (host->msr_loaded == 1 &&
        (r = ms_live_add_evidence(host, "msr_module", "the msr module is loaded")) < 0)
        return r;
    if (host->nmi_watchdog == 0 &&
        (r = ms_live_add_evidence(host, "nmi_watchdog_off", "kernel.nmi_watchdog = 0")) < 0)
        return r;
    return 0;
}

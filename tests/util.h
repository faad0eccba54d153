/*
 * util.h - test helpers: temporary directories, fixture files, compiling C
 * programs into real ELF (gcc) and PE (mingw-w64) files at test time,
 * running the minerscan binary, parsing its JSON Lines.
 */
#ifndef MS_TEST_UTIL_H
#define MS_TEST_UTIL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A fresh directory under $TMPDIR (or /tmp); removed by t_rmtree. */
char *t_mkdtemp(void);
void t_rmtree(const char *dir);
/* The suites' per-test directory: t_tmp_setup, a suite's .init, makes a
 * fresh t_tmp (failing the test when it cannot); t_tmp_setup_0755 also
 * lets an unprivileged user reach it; t_tmp_teardown, the .fini, removes
 * it. */
extern char *t_tmp;
void t_tmp_setup(void);
void t_tmp_setup_0755(void);
void t_tmp_teardown(void);
/* dir + "/" + name (malloc'd). */
char *t_path(const char *dir, const char *name);
/* Write a file (creating parent directories); returns its path (malloc'd). */
char *t_write(const char *dir, const char *name, const void *data, size_t n);
char *t_write_str(const char *dir, const char *name, const char *s);
/* Read a whole file; NULL if it cannot. */
char *t_read(const char *path, size_t *len);

/* Compile C source into an executable at out. cc is "cc" or
 * "x86_64-w64-mingw32-gcc"; extra is extra flags (may be NULL). Returns 0
 * on success; tests cr_skip when the compiler is missing. */
int t_compile(const char *cc, const char *source, const char *out, const char *extra);
bool t_have_program(const char *name);
/* The scanner under test is a ThreadSanitizer build (tests/run-tsan.sh
 * sets MS_UNDER_TSAN): its shadow memory multiplies RSS and its
 * instrumentation slows it several times, so tests that measure memory or
 * time, or preload an allocator, skip with this reason instead. */
#define T_TSAN_SKIP_REASON "SKIP: measures memory, time or preloads an allocator, which a ThreadSanitizer build of the scanner changes"
bool t_under_tsan(void);
/* Compile tests/fault_shim.c with extra flags (-shared -fPIC ...) into
 * t_tmp/name, executable by anyone; returns its path (malloc'd). The
 * test fails when it cannot. */
char *t_fault_shim(const char *name, const char *extra);

typedef struct t_result {
    int status;     /* exit code, or 128+signal */
    char *out;      /* stdout, NUL-terminated */
    size_t out_len;
    char *err;      /* stderr */
    size_t err_len;
} t_result;

/* Run argv (argv[0] is a program path or name in PATH), feed stdin_data
 * (NULL: /dev/null), capture everything. timeout_s kills it (status 137). */
int t_run(const char *const *argv, const char *stdin_data, unsigned timeout_s, t_result *res);
/* Start argv (a program path or a name in PATH) with stdin, stdout and
 * stderr on the given fds (in_fd < 0: /dev/null; out_fd/err_fd < 0: the
 * test's own), every signal unblocked and at its default action. Uses
 * posix_spawn, never fork (see util.c). Returns the pid or -errno. */
#include <sys/types.h>
pid_t t_spawn(const char *const *argv, int in_fd, int out_fd, int err_fd);
/* Wait up to timeout_s for pid: its exit code, 256 + the signal that
 * killed it, or -1 after killing it (SIGKILL) when the time ran out. */
int t_wait(pid_t pid, double timeout_s);
/* Run $MINERSCAN with args (NULL-terminated list). */
int t_minerscan(t_result *res, const char *stdin_data, ...);
/* Run $MINERSCAN -f jsonl --no-progress args (NULL-terminated list), no
 * stdin, and parse its output with t_jsonl; the test fails when it cannot
 * run or its output is not JSON Lines. */
json_t *t_run_jsonl(t_result *res, ...);
void t_result_free(t_result *res);

/* Parse JSON Lines: every line must be a JSON object. Returns a JSON array
 * (caller json_decref). NULL if any line is not JSON. */
json_t *t_jsonl(const char *text);
/* The same, without dropping anything: the run record first and the end
 * record (the seal) last, as minerscan wrote them (t_jsonl drops those
 * two, so that tests count and index the object and summary records). */
json_t *t_jsonl_all(const char *text);
/* The report without its run record (first line; in text with its
 * indented lines) and its seal (last line): what two runs of different
 * command lines have in common. Points into text; *ret_len bytes. */
const char *t_report_body(const char *text, size_t *ret_len);
/* The first "object" record whose "path" is path, or whose "path_b64"
 * (strict base64, for a name that is not UTF-8) decodes to its bytes. */
json_t *t_find_record(json_t *records, const char *path);
/* The "summary" record. */
json_t *t_summary(json_t *records);
/* Does record hold a rule hit named rule? */
bool t_has_rule(json_t *record, const char *rule);

/* The path of the minerscan binary ($MINERSCAN). */
const char *t_minerscan_path(void);

/* t_run, and also the child's resource usage from wait4() (ru_maxrss is
 * its peak resident set in KiB). */
struct rusage;
int t_run_rusage(const char *const *argv, const char *stdin_data, unsigned timeout_s, t_result *res,
                 struct rusage *ret_ru);

/* Remove a tree of any depth and path length (nftw gives up
 * past PATH_MAX): goes down with openat() and back up through "..",
 * making directories accessible on the way. Best effort. */
void t_rmtree_deep(const char *dir);
/* Microsoft's SARIF validator (npm: @microsoft/sarif-multitool). */
bool t_have_sarif_validator(void);
/* Run `sarif-multitool validate -o REPORT sarif_path` and read its own
 * SARIF report. Returns the number of errors it found (results of level
 * "error"), -1 if the tool could not run or its report could not be read.
 * *ret_text (may be NULL; caller frees) lists every error and warning, one
 * per line: "error SARIF1002 Error_UrisMustConformToRfc3986: arg; arg". */
int t_sarif_validate(const char *sarif_path, char **ret_text);

/* A dropper script (kills rival miners, persists in cron, starts a miner
 * on a Stratum pool): the shared fixture of the CLI and fault tests. */
extern const char t_dropper_sh[];

/* Is the ELF program at path statically linked (no PT_INTERP program
 * header, so LD_PRELOAD and the dynamic loader play no part)? false when
 * it is not a 64-bit ELF or cannot be read. */
bool t_elf_is_static(const char *path);

/* A Monero address: tag (18 standard, 19 integrated), random spend and
 * view keys [and payment id], Keccak[0:4]; out holds 107 bytes or more. */
void t_make_xmr(uint8_t tag, bool integrated, char *out, size_t cap);

#endif

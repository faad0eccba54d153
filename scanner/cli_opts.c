/* cli_opts.c - the option table (see cli_opts.h). */
#include "cli_opts.h"

#include <stddef.h>

const char ms_cli_summary[] = "find cryptocurrency miners and cryptojacking droppers at rest";

const char ms_cli_description[] =
    "minerscan walks files, directories, archives (nested, in memory) and container images, "
    "identifies each object with libmagic, matches built-in and user YARA rules for miner "
    "families, Stratum, pools, wallets and droppers, scores executables with a compiled-in "
    "model, and reports the verdict, the evidence and the pools and wallets it found. "
    "It never runs, changes or writes what it scans. PATH defaults to the current directory; "
    "a PATH of - reads newline-separated paths from standard input.";

const char ms_cli_exit_status[] =
    "0: nothing found and everything read. 1: something found (malicious or suspicious). "
    "2: nothing found but something could not be scanned (an error or a limit), or a usage "
    "or fatal error. 130: interrupted.";

const ms_cli_opt ms_cli_opts[] = {
    {OPT_FORMAT, 'f', "format", "FMT", "Output format: text (default), jsonl or sarif."},
    {OPT_OUTPUT, 'o', "output", "FILE", "Write the report to FILE instead of standard output."},
    {OPT_THREADS, 'j', "threads", "N", "Scan with N worker threads (default: online CPUs)."},
    {OPT_ALL, 0, "all", NULL, "Report clean objects too."},
    {OPT_RULES, 0, "rules", "PATH",
     "Add YARA rules from a file or a directory of *.yar/*.yara files (repeatable)."},
    {OPT_NO_BUILTIN, 0, "no-builtin-rules", NULL, "Do not use the built-in rules."},
    {OPT_THRESHOLD, 0, "threshold", "P", "Model score (0..1) at which an executable is suspicious."},
    {OPT_EXPLAIN, 0, "explain", NULL, "Show the model features that pushed each score up."},
    {OPT_MAX_DEPTH, 0, "max-depth", "N", "Archive nesting depth (default 16)."},
    {OPT_MAX_FILESIZE, 0, "max-filesize", "BYTES",
     "Bytes scanned of one file or archive member (default 256 MiB); suffixes K, M, G."},
    {OPT_MAX_ARCHIVE_BYTES, 0, "max-archive-bytes", "BYTES",
     "Bytes expanded from one top-level file, all levels together (default 4 GiB)."},
    {OPT_MAX_ENTRIES, 0, "max-entries", "N", "Entries read per archive (default 100000)."},
    {OPT_MAX_RATIO, 0, "max-ratio", "R",
     "Expansion ratio allowed for members over 1 MiB (default 200)."},
    {OPT_MAX_DIR_DEPTH, 0, "max-dir-depth", "N", "Directory depth walked (default 4096)."},
    {OPT_SCAN_TIMEOUT, 0, "scan-timeout", "SECONDS", "YARA time per object (default 60)."},
    {OPT_PASSWORD, 0, "password", "PW", "Try PW on encrypted archive members (repeatable)."},
    {OPT_EXCLUDE, 0, "exclude", "GLOB",
     "Skip paths whose full path or base name matches GLOB (repeatable)."},
    {OPT_ONE_FS, 0, "one-file-system", NULL, "Do not cross into other file systems."},
    {OPT_FOLLOW, 0, "follow-symlinks", NULL, "Follow symbolic links below the given paths."},
    {OPT_HASHES, 0, "hashes", "FILE",
     "Known-bad sha256/sha1/md5 digests, one per line (# comments); a match is malicious."},
    {OPT_ALLOW, 0, "allow", "FILE", "Known-good digests; a match is reported as allowed, not flagged."},
    {OPT_PROGRESS, 0, "progress", NULL, "Show a status line on standard error."},
    {OPT_NO_PROGRESS, 0, "no-progress", NULL, "Never show the status line (default off unless stderr is a terminal)."},
    {OPT_SORT, 0, "sort", NULL, "Sort records by path: byte-identical output run to run."},
    {OPT_LIST_RULES, 0, "list-rules", NULL, "List every rule with its metadata and exit."},
    {OPT_LIVE, 0, "live", NULL,
     "Triage the running host instead of PATHs: every process (its executable through "
     "/proc/PID/exe, memory, command line, environment, sockets), processes hidden from /proc, "
     "persistence (cron, systemd, rc.local, profile and shell start-up files, authorized_keys, "
     "/etc/ld.so.preload) and the kernel settings miners change. Run as root; as another user "
     "what cannot be read is reported as skipped."},
    {OPT_LIVE_ROOT, 0, "live-root", "DIR",
     "With --live, read persistence and configuration files (/etc, /var/spool/cron, homes) "
     "below DIR instead of /, e.g. a mounted copy of the system; processes and kernel settings "
     "still come from the running kernel."},
    {OPT_VERSION, 'V', "version", NULL, "Print the version, rule, model and schema versions."},
    {OPT_HELP, 'h', "help", NULL, "Print this help."},
    {0, 0, NULL, NULL, NULL},
};

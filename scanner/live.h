/*
 * live.h - --live: triage of the running host (issue 13).
 *
 * Instead of walking paths, ms_live_run reads the running system and
 * scans what it finds through the engine, like files:
 *
 *  - every process: its executable through /proc/PID/exe (so a deleted
 *    program is still read), its memory (the mappings that exist nowhere
 *    else: anonymous, heap, stack, deleted files, memfd, changed private
 *    data; bounded per mapping, per process and in total), the libraries
 *    it maps (each file once per run, through /proc/PID/map_files), its command
 *    line and environment (rules and IOC extraction), its user, start and
 *    CPU time, and its sockets with their remote endpoints checked against
 *    the pool ports, the pools it names and the addresses /etc/hosts gives
 *    known pool hosts; processes hidden from the /proc listing (probed
 *    over the whole pid range, as unhide does) are found and scanned too;
 *  - persistence: crontabs and cron directories, at jobs, systemd units
 *    and timers (system and users'), rc.local and init scripts, profile
 *    and shell start-up files, XDG autostart, authorized_keys,
 *    /etc/ld.so.preload and every library it names, each scanned as a
 *    file and its lines checked for programs run from /tmp, /var/tmp,
 *    /dev/shm and for download pipes (curl|wget ... | sh); immutable and
 *    append-only files are flagged;
 *  - the machine: vm.nr_hugepages, the msr module, kernel.nmi_watchdog.
 *
 * Records: a process, persistence or host record is an ms_verdict whose
 * `live` member (live_record.h) carries the facts; the parts of a process
 * are its members, "/proc/PID!exe", "/proc/PID!cmdline",
 * "/proc/PID!environ", "/proc/PID!mem@0xSTART", "/proc/PID!lib@PATH", reported like archive
 * members (the process record is the worst of its own evidence and its
 * members). The reporter prints them in the three formats.
 *
 * As a normal user it reads what it may: another user's process gets a
 * "skipped" record (its command line is still scanned), never an error,
 * so such a run does not exit 2 for what it was not allowed to read.
 */
#ifndef MS_LIVE_H
#define MS_LIVE_H

#include "cancel.h"
#include "engine.h"
#include "report.h"

/* Bytes of one memory mapping read at most: a larger one (a JVM heap, a
 * RandomX dataset of 2 GiB) is skipped and counted in the record's memory
 * note. Each worker holds one mapping at a time, so this bounds the
 * memory --live adds per worker. */
#define MS_LIVE_MAX_MAPPING (32ULL << 20)
/* Bytes of memory read per process: a miner's code, configuration and
 * pool strings are in its first few mappings; a 20 GiB database would
 * otherwise take the whole run. */
#define MS_LIVE_MAX_PROCESS_MEMORY (128ULL << 20)
/* Bytes of memory read in the whole run: a --live run on this 2-core
 * build machine read 259 MB (executables, memory and files of 47
 * processes) in 2 s of CPU, so this keeps a run on a busy host to about
 * ten seconds. */
#define MS_LIVE_MAX_TOTAL_MEMORY (1ULL << 30)
/* Bytes of a command line and of an environment read. */
#define MS_LIVE_MAX_CMDLINE (128u << 10)
#define MS_LIVE_MAX_ENVIRON (256u << 10)

typedef struct ms_live_options {
    /* Where persistence and configuration files are read (crontabs,
     * units, /etc/hosts, /etc/ld.so.preload, /etc/passwd for homes):
     * NULL or "/" for the running system, or a directory holding another
     * system's tree (--live-root). Processes, sockets and kernel settings
     * always come from the running kernel's /proc and /sys. */
    const char *root;
    /* The run's stop channel (a signal handler sets it): the run stops
     * between objects and reports what it has. May be NULL. */
    const ms_cancel *cancel;
} ms_live_options;

/* Triage the running host with the engine's rules and options (threads,
 * --all, --sort) and report every record through rep (begin, object...,
 * summary, end). Fills *ret_summary. Returns 0, or < 0 when the report
 * could not be written or on a fatal error (out of memory, no /proc);
 * problems with one process or file are records, not failures. */
int ms_live_run(ms_engine *e, const ms_live_options *lo, ms_report *rep, ms_summary *ret_summary);

#endif

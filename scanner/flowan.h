/*
 * flowan.h - internal: what capture.c hands the flow analysers
 * (stratum.c: Stratum lines, getwork/GBT over HTTP, a JSON first payload;
 * tlsdns.c: TLS handshakes and DNS messages) and what they give back.
 *
 * capture.c owns the flows. For each TCP flow it feeds the analysers the
 * reassembled bytes of each direction in order (dir 0: client to server),
 * one contiguous piece of one packet at a time with the capture-file
 * offset of its first byte, says where a gap is, and at the end hands
 * them the first MS_CAPTURE_PREFIX_BYTES of both directions. The
 * analysers record evidence (the first file offset of each kind) and the
 * facts in the flow's ms_flow; capture.c turns them into hits, IOCs and
 * flow records.
 */
#ifndef MS_FLOWAN_H
#define MS_FLOWAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture.h"

enum ms_ev {
    EV_STRATUM,
    EV_XMR,
    EV_ONE_SIDE,
    EV_GETWORK,
    EV_GETWORK_REQ,
    EV_TLS_STRATUM,
    EV_TLS_NAME,
    EV_DNS,
    EV_PORT_JSON,
    EV__MAX,
};

typedef struct ms_evidence {
    bool seen;
    uint64_t off, len;
} ms_evidence;

/* A client request waiting for its answer: the raw text of its id. */
typedef struct ms_pending {
    char id[24];
    uint8_t id_len;
    uint8_t kind; /* enum req_kind in stratum.c */
    uint8_t dir;  /* the direction the request went */
} ms_pending;

/* Line state of one direction. */
typedef struct ms_linebuf {
    char *buf;
    size_t len, cap;
    uint64_t start_off;  /* file offset of the line's first byte */
    int mode;            /* 0 not known yet, 1 JSON lines, -1 not JSON */
    bool resync;         /* after a gap: drop bytes up to the next newline */
    unsigned bad;        /* lines that were not JSON after JSON was seen */
} ms_linebuf;

typedef struct ms_flowan {
    ms_flow f;                 /* facts; strings malloc'd */
    char *pass;                /* the login's password (config.pass) */
    ms_evidence ev[EV__MAX];
    ms_linebuf lb[2];
    ms_pending pend[MS_CAPTURE_MAX_PENDING];
    size_t n_pend;
    /* Stratum v1 */
    unsigned v1_req[2];        /* mining requests sent, per direction */
    unsigned v1_kinds[2];      /* bit per request kind seen */
    unsigned v1_srv[2];        /* pool notifications (notify, set_difficulty) */
    unsigned v1_matched;       /* answers to mining requests, by id */
    /* Monero dialect */
    unsigned xmr_req[2];       /* login / submit / keepalived */
    unsigned xmr_srv[2];       /* job notifications, login answers with a job */
    unsigned xmr_matched;
    int miner_dir;             /* the direction that sent the miner's requests, -1 */
    uint64_t ev_line_off[2];   /* offset and length of the first mining line */
    uint64_t ev_line_len[2];
    bool ev_line_seen[2];
    size_t *budget;            /* capture-wide buffered bytes (capture.c) */
    uint64_t budget_cap;
    bool budget_hit;
} ms_flowan;

/* stratum.c */
/* Feed in-order stream bytes of direction dir; off is the file offset of
 * p[0]. 0 or -ENOMEM. */
int ms_flowan_stream(ms_flowan *a, int dir, const uint8_t *p, size_t n, uint64_t off);
/* Bytes of direction dir are missing here. */
void ms_flowan_gap(ms_flowan *a, int dir);
/* The flow ended: parse a last line without a newline, decide the Stratum
 * evidence. 0 or -ENOMEM. */
int ms_flowan_finish(ms_flowan *a);
/* getwork/GBT over HTTP and a JSON first payload to a Stratum port, from
 * the prefixes; off[d] is the file offset of pre[d][0]. 0 or -ENOMEM. */
int ms_flowan_http(ms_flowan *a, const uint8_t *const pre[2], const size_t n[2],
                   const uint64_t off[2]);
void ms_flowan_free(ms_flowan *a);
/* Is port one of the usual Stratum ports? */
bool ms_stratum_port(uint16_t port);

/* tlsdns.c */
/* The TLS handshake in the prefixes: SNI, version, certificate names.
 * 0 or -ENOMEM. */
int ms_flowan_tls(ms_flowan *a, const uint8_t *const pre[2], const size_t n[2],
                  const uint64_t off[2]);

/* What one DNS message said that matters here. */
typedef struct ms_dns_info {
    char *pool;         /* the first pool name asked or answered, or NULL */
    bool response;
    /* A/AAAA answers: owner name -> address text (each malloc'd) */
    char *ans_name[16];
    char *ans_addr[16];
    size_t n_ans;
} ms_dns_info;

/* Parse one DNS message (RFC 1035; name compression followed only
 * backwards, at most 32 jumps a name). 0 (info filled, possibly empty),
 * MS_E_CORRUPT when it is not DNS, -ENOMEM. */
int ms_dns_parse(const uint8_t *p, size_t n, ms_dns_info *ret);
void ms_dns_info_clear(ms_dns_info *i);

/* Replace *dst by a copy of src (NULL keeps NULL). 0 or -ENOMEM. */
int ms_flowan_set(char **dst, const char *src);

#endif

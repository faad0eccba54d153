/*
 * capture.h - packet captures at rest (issue 14, DESIGN.md "Captures").
 *
 * A pcap or pcapng file (or archive member) is read with libpcap from the
 * bytes in memory (fmemopen + pcap_fopen_offline; nothing is captured and
 * no network is touched). TCP is reassembled per connection in both
 * directions, UDP is taken per datagram. The flow analysers look for
 * mining on the wire:
 *
 *   net_stratum_session      high    plaintext Stratum v1 (mining.*), both
 *                                    sides: a request answered by id, or
 *                                    the pool's notify/set_difficulty
 *   net_stratum_xmr_session  high    the Monero dialect (login/job/submit/
 *                                    keepalived with blob, job_id, target)
 *   net_stratum_one_side     medium  one side of either dialect only
 *   net_getwork_session      medium  getwork/getblocktemplate over HTTP
 *                                    with the node's mining answer
 *   net_getwork_request      low     the request alone
 *   net_tls_pool_stratum     high    TLS to a pool name (SNI or the
 *                                    certificate) on a port that is not
 *                                    a web port: Stratum over TLS
 *   net_tls_pool_name        medium  TLS to a pool name on 443/8443
 *   net_dns_pool_lookup      medium  a DNS question or answer for a pool
 *   net_stratum_port_json    low     a JSON-RPC first payload to a usual
 *                                    Stratum port, nothing more known
 *
 * Pool names come from signatures/pools.txt, turned into a table at build
 * time (gen_pool_table.py). Each finding is an ms_rule_hit (namespace
 * "capture"); its offset and length are the capture-file bytes of the
 * packet payload that carried the first evidence.
 *
 * Facts read from the traffic: pools (host or IP and port; the name from
 * SNI or from a DNS answer in the same capture when there is one), wallets
 * (validated with iocs.h), login/worker, agent, algorithm, TLS version,
 * and one ms_flow per flow with a finding.
 *
 * What TLS 1.3 shows: the ClientHello (SNI, ALPN) and the ServerHello's
 * version only; the certificate is encrypted, so only TLS 1.2 and older
 * give the certificate names.
 */
#ifndef MS_CAPTURE_H
#define MS_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "minerscan.h"
#include "options.h"

/* ---- limits (ms_limits.h style: each with its reason) ---- */

/* TCP flows followed at once. A new flow past it finishes the flow seen
 * least recently (a limit event when that one was still active). Each
 * costs ~1 KiB of state plus its buffers; 16384 is more than a busy host
 * keeps open and bounds the table at ~16 MiB. */
#define MS_CAPTURE_MAX_FLOWS 16384u

/* Stream bytes kept per direction for the analysers that read the start
 * of a connection (TLS handshake, HTTP request and answer, the first
 * payload). A TLS 1.2 server's first flight with a certificate chain is
 * 3-12 KiB; an HTTP getwork answer is under 1 KiB. */
#define MS_CAPTURE_PREFIX_BYTES (64u << 10)

/* Longest Stratum line parsed. Stratum is newline-delimited JSON; the
 * largest real message, mining.notify with a long merkle branch, is under
 * 4 KiB. A longer line ends the line analysis of that direction. */
#define MS_CAPTURE_MAX_LINE (16u << 10)

/* Out-of-order segments held per direction while waiting for a gap to
 * fill, and their bytes. Past either the gap is given up (the stream is
 * marked incomplete and goes on after it). */
#define MS_CAPTURE_MAX_OOO_SEGS 64u
#define MS_CAPTURE_MAX_OOO_BYTES (256u << 10)

/* Bytes buffered for all flows of one file together (prefixes, lines,
 * out-of-order data). Past it new data is counted but not kept, and the
 * capture is a limit event: 16384 flows at the prefix size would be 2 GiB. */
#define MS_CAPTURE_MAX_BUFFERED (64ull << 20)

/* Packets read from one file. libpcap's reader costs ~0.1 us and ours
 * ~0.2 us per packet, so 64M packets bound a file at tens of seconds; a
 * file at --max-filesize (256 MiB) of the smallest records holds 16M. */
#define MS_CAPTURE_MAX_PACKETS (64ull << 20)

/* Tokens of one JSON message. A Stratum or xmrig message has under 64;
 * bounds the parse of a hostile line. Nesting depth of one message: the
 * deepest Stratum message (a subscribe answer) nests 4 levels. */
#define MS_CAPTURE_MAX_JSON_TOKENS 512u
#define MS_CAPTURE_MAX_JSON_DEPTH 16u

/* Client requests remembered per flow to match the server's answers by id.
 * A miner has one or two outstanding (a submit, a keepalive); 16 also
 * covers a burst of submits, and keeps a flow's state near 1 KiB. */
#define MS_CAPTURE_MAX_PENDING 16u

/* DNS names resolved to addresses remembered per file, so a flow to an
 * address can be named after the pool it was looked up as. */
#define MS_CAPTURE_MAX_DNS_MAP 4096u

/* Flow records kept per object (and after merging into a parent). */
#define MS_CAPTURE_MAX_FLOW_RECORDS 256u

/* ---- the flow record ---- */

/* What one flow with a finding showed. Plain data, owned by the ms_iocs
 * that holds it. Strings are NULL when not seen. Times are nanoseconds
 * since the Unix epoch, as the capture recorded them. */
typedef struct ms_flow {
    char *proto;         /* "tcp" | "udp" */
    char *client_ip;     /* the side that opened the connection (SYN), or
                            asked the DNS question; a guess by port when
                            the capture starts mid-connection */
    uint16_t client_port;
    char *server_ip;
    uint16_t server_port;
    char *server_name;   /* SNI, else the pool name a DNS answer in the
                            same capture gave for server_ip */
    char *dialect;       /* "stratum" | "xmr-stratum" | "getwork" |
                            "getblocktemplate" | "tls" | "dns" | "json-rpc" */
    char *tls;           /* NULL (plaintext) | "1.0" .. "1.3" */
    char *sni;
    char *cert_name;     /* pool name in the certificate (TLS <= 1.2) */
    char *wallet;        /* validated wallet from the login */
    char *worker;        /* worker / rig id */
    char *login;         /* the login as sent, when it is not a wallet */
    char *agent;         /* "XMRig/6.21.0 (Linux x86_64) ..." */
    char *algo;          /* "rx/0", ... */
    int64_t first_ts;
    int64_t last_ts;
    uint64_t bytes_to_server; /* TCP/UDP payload bytes, as captured */
    uint64_t bytes_to_client;
    uint64_t shares;     /* share submissions (mining.submit / submit) */
    uint64_t accepted;   /* of which the pool answered as accepted */
    bool complete;       /* both directions read without a gap or a cut */
} ms_flow;

/* Free every flow of i and empty the list (ms_iocs_clear calls it). */
void ms_flows_clear(ms_iocs *i);
/* Append a deep copy of f unless a flow with the same endpoints and
 * first_ts is there; at most MS_CAPTURE_MAX_FLOW_RECORDS. 0 or -ENOMEM. */
void ms_flows_add(ms_iocs *i, const ms_flow *f);
/* Append copies of src's flows to dst (ms_iocs_merge calls it). */
void ms_flows_merge(ms_iocs *dst, const ms_iocs *src);

/* A flow time as ISO 8601 UTC with nanoseconds,
 * "2024-04-20T00:00:00.001000000Z" (for the reporters; buf >= 40). */
void ms_flow_time(int64_t ns, char *buf, size_t cap);

/* ---- the reader ---- */

typedef struct ms_capture ms_capture;

/* Is d a pcap (any of the four magics, either byte order) or a pcapng
 * (a Section Header Block with its byte-order magic)? Reads at most 12
 * bytes. */
bool ms_capture_candidate(const uint8_t *d, size_t n);

/* A reader for captures. o may be NULL (defaults). One per worker: it is
 * not thread-safe; ms_capture_analyse resets it for every capture. */
int ms_capture_new(const ms_options *o, ms_capture **ret);
void ms_capture_free(ms_capture *c);

/* Read the capture d[0..n) and append to v: one rule hit per kind of
 * finding (ms_verdict_add_rule, namespace "capture"), pools and wallets
 * (v->iocs), and flow records (v->iocs.flows). Never fails on content:
 *   0                  read to its end;
 *   MS_E_CORRUPT       cut short or malformed (libpcap's words in the
 *                      reason), or packets cut by the snap length, or
 *                      TCP gaps; everything before is analysed;
 *   MS_E_LIMIT         a limit above cut the analysis;
 *   MS_E_UNSUPPORTED   a link type this reader does not decode;
 *   -ENOMEM.
 * On MS_E_CORRUPT, MS_E_LIMIT and MS_E_UNSUPPORTED v->incomplete is set
 * and v->reason says why (unless a reason was already set). */
int ms_capture_analyse(ms_capture *c, const uint8_t *d, size_t n, ms_verdict *v);

/* Is name (len bytes, any case, a trailing dot allowed) a pool in
 * signatures/pools.txt, or a subdomain of one? */
bool ms_pool_name_known(const char *name, size_t len);

#endif

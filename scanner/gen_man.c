/* gen_man.c - print minerscan.1 (roff) from the option table. */
#include <stdio.h>
#include <string.h>

#include "cli_opts.h"
#include "minerscan.h"

static void roff(const char *s) {
    for (; *s; s++) {
        if (*s == '\\')
            fputs("\\e", stdout);
        else if (*s == '-')
            fputs("\\-", stdout);
        else
            putchar(*s);
    }
}

int main(void) {
    printf(".TH MINERSCAN 1 \"\" \"minerscan %s\" \"User Commands\"\n", MS_VERSION);
    printf(".SH NAME\nminerscan \\- ");
    roff(ms_cli_summary);
    printf("\n.SH SYNOPSIS\n.B minerscan\n[\\fIOPTIONS\\fR] [\\fIPATH\\fR...]\n");
    printf(".SH DESCRIPTION\n");
    roff(ms_cli_description);
    printf("\n.SH OPTIONS\n");
    for (const ms_cli_opt *o = ms_cli_opts; o->long_name; o++) {
        printf(".TP\n");
        if (o->short_name)
            printf("\\fB\\-%c\\fR, ", o->short_name);
        printf("\\fB\\-\\-");
        roff(o->long_name);
        printf("\\fR");
        if (o->arg)
            printf(" \\fI%s\\fR", o->arg);
        printf("\n");
        char help[512];
        ms_cli_opt_help(o, help, sizeof(help));
        roff(help);
        printf("\n");
    }
    printf(".SH EXIT STATUS\n");
    roff(ms_cli_exit_status);
    /* issue 11: the man page is what `meson install` installs; it says
     * what it has to say itself instead of pointing at the README */
    printf("\n.SH OUTPUT\n"
           "Text for people: one line per reported object, then its rules with their grade and "
           "description, the first matches, pools, wallets and digests. JSON Lines (\\fB\\-f jsonl\\fR) for "
           "programs: one \\fBobject\\fR record per reported object (path, verdict, size, sha256, "
           "filetype, rules with their metadata, tags, grade and string matches, model, iocs, reason) "
           "and a final \\fBsummary\\fR record; fields are added, never renamed. SARIF 2.1.0 "
           "(\\fB\\-f sarif\\fR) for code-scanning tools.\n");
    printf(".SH RULES\n"
           "User rules (\\fB\\-\\-rules\\fR) are compiled with the external variables \\fBfilename\\fR, "
           "\\fBfilepath\\fR, \\fBextension\\fR, \\fBfiletype\\fR and \\fBowner\\fR declared and set for "
           "every object, as Loki and THOR set them; an archive member gets its own name. A rule's "
           "grade decides what it counts for: its \\fBseverity\\fR (high, medium, low, info), else its "
           "\\fBscore\\fR (75 and over high, 60 medium, 40 low, below 40 info), else Elastic's numeric "
           "\\fBseverity\\fR or \\fBthreat_name\\fR, else its tags; a rule with no grade is informational "
           "and never flags a file on its own.\n");
    printf(".SH EXAMPLES\n"
           ".TP\nScan a server:\n.B minerscan /\n"
           ".TP\nA CI job: SARIF for code scanning, exit status 1 on a finding:\n"
           ".B minerscan \\-\\-format sarif \\-o minerscan.sarif dist/ image.tar\n"
           ".TP\nA third-party rule set (directories are searched recursively), compiled once:\n"
           ".B minerscan \\-\\-rules signature\\-base/yara \\-\\-save\\-rules sb.yarc\n"
           ".br\n"
           ".B minerscan \\-\\-compiled\\-rules sb.yarc \\-f jsonl /srv\n"
           ".TP\nHunt for indicators and known-bad digests:\n"
           ".B minerscan \\-\\-ioc\\-file pools.txt \\-\\-hashes hash\\-iocs.txt /home\n"
           ".TP\nList the rules with their grades:\n"
           ".B minerscan \\-\\-list\\-rules \\-f jsonl\n");
    printf(".SH SEE ALSO\n"
           ".BR yara (1),\n.BR yarac (1),\n.BR file (1),\n.BR libmagic (3),\n.BR tcpdump (8)\n");
    return 0;
}

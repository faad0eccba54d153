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
    printf("\n.SH OUTPUT\nText for people; JSON Lines (one record per reported object and a final "
           "summary record); SARIF 2.1.0. See the README for the field contract.\n");
    return 0;
}

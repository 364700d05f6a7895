/* datagen.c - realistic values for generated rows. */
#include "workloads/datagen.h"

#include <math.h>
#include <stdio.h>
#include <time.h>

static const char *const first_names[] = {
    "Ada", "Alan", "Grace", "Linus", "Margaret", "Dennis", "Barbara", "Ken", "Frances", "Edsger",
    "Radia", "Donald", "Katherine", "John", "Sophie", "Niklaus", "Hedy", "Tim", "Annie", "Leslie",
    "Jean", "Bjarne", "Mary", "Guido", "Karen", "James", "Lynn", "Brian", "Shafi", "Robin",
};
static const char *const last_names[] = {
    "Lovelace", "Turing", "Hopper", "Torvalds", "Hamilton", "Ritchie", "Liskov", "Thompson",
    "Allen", "Dijkstra", "Perlman", "Knuth", "Johnson", "McCarthy", "Wilson", "Wirth", "Lamarr",
    "Berners-Lee", "Easley", "Lamport", "Sammet", "Stroustrup", "Kenyon", "Rossum", "Jones",
    "Gosling", "Conway", "Kernighan", "Goldwasser", "Milner",
};
static const char *const domains[] = { "example.com", "example.net", "example.org", "mail.test" };

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

int dg_name(rng_t *r, char *buf, size_t len)
{
    return snprintf(buf, len, "%s %s", first_names[rng_below(r, COUNT(first_names))],
                    last_names[rng_below(r, COUNT(last_names))]);
}

static char *base36(uint64_t v, char *end)
{
    *--end = '\0';
    do {
        *--end = "0123456789abcdefghijklmnopqrstuvwxyz"[v % 36];
        v /= 36;
    } while (v);
    return end;
}

int dg_email(rng_t *r, uint64_t a, uint64_t b, uint64_t c, char *buf, size_t len)
{
    char ba[16], bb[16], bc[16];
    const char *f = first_names[rng_below(r, COUNT(first_names))];
    const char *l = last_names[rng_below(r, COUNT(last_names))];
    int n = snprintf(buf, len, "%s.%s.%s.%s.%s@%s", f, l, base36(a, ba + sizeof ba),
                     base36(b, bb + sizeof bb), base36(c, bc + sizeof bc),
                     domains[rng_below(r, COUNT(domains))]);
    for (char *p = buf; *p; p++)   /* lower case, as mail addresses are usually stored */
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    return n;
}

static int format_utc(double epoch_s, char sep, const char *zone, char *buf, size_t len)
{
    time_t secs = (time_t)floor(epoch_s);
    int ms = (int)((epoch_s - (double)secs) * 1000.0);
    struct tm tm;
    gmtime_r(&secs, &tm);
    return snprintf(buf, len, "%04d-%02d-%02d%c%02d:%02d:%02d.%03d%s", tm.tm_year + 1900, tm.tm_mon + 1,
                    tm.tm_mday, sep, tm.tm_hour, tm.tm_min, tm.tm_sec, ms > 999 ? 999 : ms, zone);
}

int dg_iso8601(double epoch_s, char *buf, size_t len)
{
    return format_utc(epoch_s, 'T', "Z", buf, len);
}

int dg_sql_timestamp(double epoch_s, char *buf, size_t len)
{
    return format_utc(epoch_s, ' ', "", buf, len);
}

int dg_sku(rng_t *r, char *buf, size_t len)
{
    return snprintf(buf, len, "SKU-%05u", (unsigned)rng_below(r, 100000));
}

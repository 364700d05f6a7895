/* datagen.c - realistic values for generated rows. */
#include "workloads/datagen.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
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

int dg_first_name(rng_t *r, char *buf, size_t len)
{
    return snprintf(buf, len, "%s", first_names[rng_below(r, COUNT(first_names))]);
}

int dg_last_name(rng_t *r, char *buf, size_t len)
{
    return snprintf(buf, len, "%s", last_names[rng_below(r, COUNT(last_names))]);
}

int dg_phone(rng_t *r, char *buf, size_t len)
{
    return snprintf(buf, len, "+1-555-%04d-%04d", (int)rng_below(r, 10000), (int)rng_below(r, 10000));
}

static const char *const cities[] = {
    "Lisbon", "Oslo", "Kyoto", "Austin", "Lagos", "Lima", "Perth", "Ghent", "Porto", "Quebec",
    "Tartu", "Cork", "Denver", "Pune", "Bergen", "Graz", "Split", "Leeds", "Turin", "Malmo",
};
static const char *const countries[] = {
    "Portugal", "Norway", "Japan", "United States", "Nigeria", "Peru", "Australia", "Belgium",
    "Canada", "Estonia", "Ireland", "India", "Austria", "Croatia", "United Kingdom", "Italy", "Sweden",
};
static const char *const streets[] = {
    "Elm Street", "Harbour Road", "Mill Lane", "Station Road", "Park Avenue", "Church Street",
    "Quay Side", "Orchard Way", "High Street", "Bridge Road",
};
static const char *const lorem[] = {   /* enough words that generated texts rarely repeat */
    "lorem", "ipsum", "dolor", "sit", "amet", "consectetur", "adipiscing", "elit", "sed", "do",
    "eiusmod", "tempor", "incididunt", "ut", "labore", "et", "dolore", "magna", "aliqua", "enim",
    "ad", "minim", "veniam", "quis", "nostrud", "exercitation", "ullamco", "laboris", "nisi",
    "aliquip", "ex", "ea", "commodo", "consequat", "duis", "aute", "irure", "in", "reprehenderit",
    "voluptate", "velit", "esse", "cillum", "fugiat", "nulla", "pariatur", "excepteur", "sint",
    "occaecat", "cupidatat", "non", "proident", "sunt", "culpa", "qui", "officia", "deserunt",
    "mollit", "anim", "id", "est", "laborum", "curabitur", "pretium", "tincidunt", "lacus", "nunc",
    "vitae", "porta", "arcu", "mauris", "orci", "integer", "feugiat", "scelerisque", "varius",
    "morbi", "pulvinar", "etiam", "dignissim", "diam", "quam", "vulputate", "sagittis", "purus",
    "faucibus", "ornare", "suspendisse", "potenti", "nullam", "ac", "tortor", "facilisis", "mattis",
    "vestibulum", "rhoncus", "est", "pellentesque", "habitant", "senectus", "netus", "fames",
    "turpis", "egestas", "maecenas", "accumsan", "lectus", "gravida", "cursus",
};

int dg_city(rng_t *r, char *buf, size_t len)
{
    return snprintf(buf, len, "%s", cities[rng_below(r, COUNT(cities))]);
}

int dg_country(rng_t *r, char *buf, size_t len)
{
    return snprintf(buf, len, "%s", countries[rng_below(r, COUNT(countries))]);
}

int dg_address(rng_t *r, char *buf, size_t len)
{
    return snprintf(buf, len, "%d %s", 1 + (int)rng_below(r, 400), streets[rng_below(r, COUNT(streets))]);
}

int dg_url(rng_t *r, char *buf, size_t len)
{
    return snprintf(buf, len, "https://%s/%s/%d", domains[rng_below(r, COUNT(domains))],
                    lorem[rng_below(r, COUNT(lorem))], (int)rng_below(r, 100000));
}

int dg_lorem(rng_t *r, char *buf, size_t len)
{
    if (len == 0)
        return 0;
    /* A length drawn between a quarter of the room and all of it, then
     * words until it is reached: long enough that texts rarely repeat. */
    size_t room = len - 1, lo = room / 3 + 1;
    size_t want = room > lo ? lo + rng_below(r, room - lo + 1) : room, n = 0;
    buf[0] = '\0';
    while (n < want) {
        const char *w = lorem[rng_below(r, COUNT(lorem))];
        size_t wl = strlen(w);
        if (n + wl + (n ? 1 : 0) >= len)
            break;
        if (n)
            buf[n++] = ' ';
        memcpy(buf + n, w, wl);   /* not snprintf: seeding makes millions of these */
        n += wl;
    }
    buf[n] = '\0';
    return (int)n;
}

int dg_uuid(uint64_t hi, uint64_t lo, char *buf, size_t len)
{
    hi = (hi & ~(uint64_t)0xF000) | 0x4000;                         /* version 4 */
    uint64_t lo_v = (lo & 0x3FFFFFFFFFFFFFFFull) | 0x8000000000000000ull;   /* variant 10 */
    /* The variant takes lo's top two bits; keep them in hi's free bits so
     * lo alone still decides uniqueness. */
    hi ^= (lo >> 62) << 16;
    return snprintf(buf, len, "%08x-%04x-%04x-%04x-%012llx", (unsigned)(hi >> 32), (unsigned)((hi >> 16) & 0xFFFF),
                    (unsigned)(hi & 0xFFFF), (unsigned)(lo_v >> 48), (unsigned long long)(lo_v & 0xFFFFFFFFFFFFull));
}

int dg_base36(uint64_t v, int width, char *buf, size_t len)
{
    char tmp[16];
    const char *s = base36(v, tmp + sizeof tmp);
    int n = (int)strlen(s);
    int pad = width > n ? width - n : 0;
    return snprintf(buf, len, "%.*s%s", pad, "0000000000000000", s);
}

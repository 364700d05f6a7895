/* spell.h - how far apart two names are, for "did you mean" in messages
 * about a misspelt key, function or field (profiles, message templates). */
#ifndef SURGE_SPELL_H
#define SURGE_SPELL_H

/* The edit distance (insertions, deletions, substitutions) between a and
 * b; 99 when either is longer than 40 bytes, too long to be a slip. */
int spell_distance(const char *a, const char *b);

#endif

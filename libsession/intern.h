/* intern.h - the one intern table: byte strings (which may contain NULs)
 * to dense ids starting at 1. Each distinct string is stored once, in the
 * table's arena; "same string" is then "same id". */
#ifndef PYI_INTERN_H
#define PYI_INTERN_H

#include <stddef.h>
#include <stdint.h>

typedef struct pyi_intern_table pyi_intern_table;

pyi_intern_table *pyi_intern_new(void);
void pyi_intern_free(pyi_intern_table *t);
/* Returns the id of the string, adding it if new. */
uint32_t pyi_intern(pyi_intern_table *t, const char *s, size_t len);
/* Returns the id, or 0 when the string is not in the table. */
uint32_t pyi_intern_find(const pyi_intern_table *t, const char *s, size_t len);
/* The stored bytes of 'id' (NUL-terminated; length in '*len' if given). */
const char *pyi_intern_str(const pyi_intern_table *t, uint32_t id, size_t *len);
/* Number of strings; the largest id. */
uint32_t pyi_intern_count(const pyi_intern_table *t);
/* Bytes held, for statistics. */
size_t pyi_intern_bytes(const pyi_intern_table *t);

uint64_t pyi_hash_bytes(const void *p, size_t len, uint64_t seed);
/* A random seed for a hash table whose keys come from a file: with a fixed,
 * public hash, a file could be made whose keys all collide. */
uint64_t pyi_hash_seed(const void *salt);
/* Hash of a pair of ids under 'seed' (every bit of the result mixed). */
static inline uint64_t pyi_hash_pair(uint32_t a, uint32_t b, uint64_t seed) {
  uint64_t h = ((uint64_t)a << 32 | b) ^ seed;
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  return h ^ (h >> 33);
}

#endif

/* intern.c - open-addressing hash of byte strings to dense ids (intern.h).
 * Strings live in an arena; the slot array holds ids and the entry array
 * remembers each string's hash, so growing never re-reads the strings. */
#include "intern.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "alloc.h"
#include "arena.h"

struct entry {
  const char *s;
  uint32_t len, hash;
};

struct pyi_intern_table {
  pyi_arena arena;
  struct entry *entries; /* entries[0] unused: ids start at 1 */
  size_t count, cap;
  uint32_t *slots; /* 0 = empty, else an id */
  size_t mask;
  size_t bytes;
  uint64_t seed; /* per table, so no file can be made to collide */
};

static inline uint64_t mix(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

uint64_t pyi_hash_bytes(const void *p, size_t len, uint64_t seed) {
  const unsigned char *s = p;
  uint64_t h = seed ^ (len * 0x9e3779b97f4a7c15ULL);
  while (len >= 8) {
    uint64_t w;
    memcpy(&w, s, 8);
    h = (h ^ mix(w)) * 0x9e3779b97f4a7c15ULL;
    s += 8;
    len -= 8;
  }
  uint64_t w = 0;
  memcpy(&w, s, len);
  h = (h ^ mix(w ^ len)) * 0x9e3779b97f4a7c15ULL;
  return mix(h);
}

/* The hash is public, so with a fixed seed a file could hold thousands of
 * names whose hashes share their low bits and make every lookup walk one
 * long probe cluster. Ids are handed out in insertion order, so the seed
 * never shows in any output. */
uint64_t pyi_hash_seed(const void *salt) {
  uint64_t seed;
  if (getrandom(&seed, sizeof seed, GRND_NONBLOCK) == (ssize_t)sizeof seed)
    return seed;
  struct timespec ts; /* no entropy yet (early boot): still varies per run */
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return mix((uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 32) ^
             (uint64_t)(uintptr_t)salt);
}

pyi_intern_table *pyi_intern_new(void) {
  pyi_intern_table *t = pyi_xcalloc(1, sizeof *t);
  t->seed = pyi_hash_seed(t);
  t->mask = 255;
  t->slots = pyi_xcalloc(t->mask + 1, sizeof *t->slots);
  t->entries = pyi_xgrow(NULL, &t->cap, 64, sizeof *t->entries);
  t->count = 1;
  return t;
}

void pyi_intern_free(pyi_intern_table *t) {
  if (!t)
    return;
  pyi_arena_release(&t->arena);
  free(t->entries);
  free(t->slots);
  free(t);
}

static void rehash(pyi_intern_table *t) {
  size_t mask = t->mask * 2 + 1;
  uint32_t *slots = pyi_xcalloc(mask + 1, sizeof *slots);
  for (size_t id = 1; id < t->count; id++) {
    size_t i = t->entries[id].hash & mask;
    while (slots[i])
      i = (i + 1) & mask;
    slots[i] = (uint32_t)id;
  }
  free(t->slots);
  t->slots = slots;
  t->mask = mask;
}

static uint32_t lookup(const pyi_intern_table *t, const char *s, size_t len,
                       uint32_t h, size_t *slot) {
  size_t i = h & t->mask;
  for (;;) {
    uint32_t id = t->slots[i];
    if (!id) {
      *slot = i;
      return 0;
    }
    const struct entry *e = &t->entries[id];
    if (e->hash == h && e->len == len && memcmp(e->s, s, len) == 0)
      return id;
    i = (i + 1) & t->mask;
  }
}

uint32_t pyi_intern(pyi_intern_table *t, const char *s, size_t len) {
  uint32_t h = (uint32_t)pyi_hash_bytes(s, len, t->seed);
  size_t slot;
  uint32_t id = lookup(t, s, len, h, &slot);
  if (id)
    return id;
  char *copy = pyi_arena_alloc(&t->arena, len + 1);
  memcpy(copy, s, len);
  copy[len] = 0;
  t->entries = pyi_xgrow(t->entries, &t->cap, t->count + 1, sizeof *t->entries);
  id = (uint32_t)t->count++;
  t->entries[id] = (struct entry){copy, (uint32_t)len, h};
  t->slots[slot] = id;
  t->bytes += len + 1;
  if (t->count * 4 > (t->mask + 1) * 3)
    rehash(t);
  return id;
}

uint32_t pyi_intern_find(const pyi_intern_table *t, const char *s, size_t len) {
  size_t slot;
  return lookup(t, s, len, (uint32_t)pyi_hash_bytes(s, len, t->seed),
                &slot);
}

const char *pyi_intern_str(const pyi_intern_table *t, uint32_t id, size_t *len) {
  const struct entry *e = &t->entries[id];
  if (len)
    *len = e->len;
  return e->s;
}

uint32_t pyi_intern_count(const pyi_intern_table *t) {
  return (uint32_t)(t->count - 1);
}

size_t pyi_intern_bytes(const pyi_intern_table *t) {
  return t->bytes + t->cap * sizeof(struct entry) + (t->mask + 1) * 4;
}

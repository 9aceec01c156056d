/* load.h - the loader's streaming mode: each frame record is handed to a
 * callback as it is read instead of being stored, so a session of any
 * length passes through in the memory of its distinct frames and stacks
 * (pyi-combine reads its inputs this way). */
#ifndef PYI_LOAD_H
#define PYI_LOAD_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include "session.h"

typedef struct pyi_load_stream {
  /* Called for each record: 'node' is its stack in the trie of 's' (the
   * session being read, which holds the metadata seen so far). Returns 0,
   * or -1 after filling 'err', which stops the load. */
  int (*record)(void *ctx, const pyi_session *s, uint32_t node, double t,
                bool is_int, pyi_error *err);
  /* Or, when set instead: each record's stack as frame info ids, root
   * first. The trie of stacks is then not built at all, so a session of
   * any length passes in the memory of its distinct frames. */
  int (*record_stack)(void *ctx, const pyi_session *s, const uint32_t *stack,
                      size_t depth, double t, bool is_int, pyi_error *err);
  void *ctx;
  /* 0: every frame_records array goes to the callback; n: only the n-th.
   * A file may repeat the key, and then (as in Python) the last one
   * counts: read once to learn 'arrays', then again with only_array set. */
  unsigned only_array;
  unsigned arrays; /* out: frame_records arrays read so far */
  struct stat st;  /* out: the opened file's status (zero for memory) */
} pyi_load_stream;

/* Reads 'path' ("-" is stdin) as pyi_session_load does, but records go to
 * 'ls->record'. The returned session has the metadata and the frame
 * tables, and no records. NULL and 'err' filled on failure. */
pyi_session *pyi_session_load_stream(const char *path, pyi_load_stream *ls,
                                     pyi_error *err);

#endif

/* stacks.h - the session's samples as call stacks rather than a tree, for
 * the formats that want stacks (folded, pprof). Records are summed per
 * stack-trie node; a stack's frames come out after the trimming the call
 * tree also does, so no sample is ever dropped:
 *   - the frames above profiler.start() (start_call_stack, all but its
 *     last frame) when the stack begins with all of them;
 *   - pyinstrument's own command-line frames (its __main__.py, the exec'd
 *     <string> and the runpy frames below it) at the top of a stack;
 *   - unless 'show_all': importlib's bootstrap frames and frames that set
 *     __tracebackhide__ (pyinstrument's remove_importlib and
 *     remove_tracebackhide). */
#ifndef PYI_STACKS_H
#define PYI_STACKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proc.h"
#include "session.h"

typedef struct pyi_stacks {
  const pyi_session *s;
  size_t n;        /* distinct stacks (trie nodes ending a record) */
  uint32_t *node;  /* their trie nodes, in first-recorded order */
  double *time;    /* seconds of the records ending there */
  uint64_t *count; /* number of those records */
  bool show_all;
  uint32_t *raw, *out; /* PYI_MAX_DEPTH frame infos each */
} pyi_stacks;

/* Sums the session's records per stack. Does not fail (0); 'err' is
 * kept for the callers' sake. */
int pyi_stacks_init(pyi_stacks *st, const pyi_session *s, bool show_all,
                    pyi_error *err);
/* The frame infos of stack 'i', root first, after trimming; points into
 * 'st' and is valid until the next call. Returns the depth (maybe 0). */
size_t pyi_stacks_frames(pyi_stacks *st, size_t i, const uint32_t **frames);
void pyi_stacks_release(pyi_stacks *st);

/* The line of a frame info's 'l' attribute (the line being executed), or
 * 'fallback' when it has none that parses. */
int64_t pyi_finfo_line(const pyi_session *s, uint32_t finfo, int64_t fallback);
/* The class name of a frame info's 'c' attribute, or NULL (length in
 * '*len'). */
const char *pyi_finfo_class(const pyi_session *s, uint32_t finfo, size_t *len);

#endif

/* pyisession.h - the public API of libsession, the pyi-tools library.
 *
 * libsession reads and writes pyinstrument's .pyisession files, builds the
 * call tree that pyinstrument builds from them, runs its processors and
 * renders reports. Read it top to bottom: loading, building sessions,
 * options, rendering, errors.
 *
 * Ownership in one sentence: what a _new/_load/_detach function returns is
 * the caller's and goes back through the matching _free; everything else a
 * function returns is borrowed from its argument and lives as long as it.
 */
#ifndef PYISESSION_H
#define PYISESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(PYI_BUILDING) && defined(__GNUC__)
#define PYI_EXPORT __attribute__((visibility("default")))
#else
#define PYI_EXPORT
#endif

/** The library's own version, and the pyinstrument version whose formats
 * and behaviour it follows (shown in report banners). */
#define PYI_VERSION "0.1.0"
#define PYI_COMPAT_VERSION "5.1.2"

/** ## Errors
 *
 * Every fallible function takes a 'pyi_error *err' last (it may be NULL)
 * and returns -1 or NULL on failure after filling it with one line of text
 * that names the file and the problem:
 *   "run.pyisession: frame_records[12]: expected an array".
 * The library never prints anything itself.
 */
enum pyi_error_code {
  PYI_OK = 0,
  PYI_EIO,     /* the file could not be opened, read or written */
  PYI_EFORMAT, /* the input is not a valid session */
  PYI_ELIMIT,  /* the input exceeds a limit (depth, size, count) */
  PYI_EARG,    /* a caller mistake: bad option name or value */
};

typedef struct pyi_error {
  int code;
  char msg[512];
  int errnum; /* for PYI_EIO from the system: its errno value, else 0 */
} pyi_error;

/** ## Sessions
 *
 * A session is the raw profile: metadata plus the chronological list of
 * samples ("frame records"), each a call stack and the seconds it stands
 * for. Stacks are stored as ids into the session's intern tables, so a
 * session's memory grows with the number of distinct frames and samples,
 * not with the size of the file it came from.
 */
typedef struct pyi_session pyi_session;

/** Reads the session at 'path' ("-" means stdin). gzip input is detected
 * from its first two bytes, whatever the file name. Returns NULL and fills
 * 'err' on failure. Free the result with pyi_session_free. */
PYI_EXPORT pyi_session *pyi_session_load(const char *path, pyi_error *err);

/** Reads a session from 'len' bytes at 'data' (plain or gzip); 'name' is
 * used in error messages. */
PYI_EXPORT pyi_session *pyi_session_load_mem(const void *data, size_t len,
                                             const char *name, pyi_error *err);

/** Releases a session and everything it owns; NULL is a no-op. */
PYI_EXPORT void pyi_session_free(pyi_session *s);

/** Writes 's' as .pyisession JSON that real pyinstrument loads (gzip when
 * 'path' ends in ".gz"; "-" or NULL means stdout). The file is written under
 * a temporary name and renamed, so a failure never leaves a partial file. */
PYI_EXPORT int pyi_session_save(const pyi_session *s, const char *path,
                                pyi_error *err);

/** Returns a new session that is pyinstrument's Session.combine(a, b):
 * records of the earlier-started one first, durations, sample counts and
 * CPU times summed, intervals widened, sys_path merged. */
PYI_EXPORT pyi_session *pyi_session_combine(const pyi_session *a,
                                            const pyi_session *b);

/** Returns a new session holding the records of 's' one level deeper,
 * under the root frame 'frame_info' ('len' bytes, a frame-info string such
 * as "python3 job.py\0<process>\01234"), for combining sessions of several
 * processes into one tree. Each record that passes through the whole
 * start_call_stack of 's' (identifiers compared, attributes ignored) loses
 * the frames between its first one (the thread root, kept) and the frame
 * that started profiling (the start stack's last, kept): the stem that a
 * report of 's' alone would have trimmed. Other records keep every frame.
 * A record that would grow past the depth limit keeps its outermost
 * frames. The metadata is that of 's'; the start_call_stack of the result
 * is the new root frame alone. Fails (PYI_EARG) on an empty 'frame_info'.
 * Free the result with pyi_session_free. */
PYI_EXPORT pyi_session *pyi_session_nest(const pyi_session *s,
                                         const char *frame_info, size_t len,
                                         pyi_error *err);

/** ### Combining files
 *
 * pyi_combine_files is pyi_session_combine for any number of files, in
 * bounded memory: the result equals folding pyi_session_combine over the
 * inputs sorted by start time (ties keep the given order; a NaN start time
 * sorts last), so records follow in that order and sys_prefixes are
 * united in first-seen order. A single input is written as
 * pyi_session_save would write it.
 *
 * Every input is read twice, the first time completely before anything is
 * written, so a bad input stops the work with no output at all. Memory
 * holds the distinct frames of one input at a time and each input's
 * metadata, never the records; an input that cannot be read twice (stdin
 * "-", a pipe) is held in memory after its first reading.
 */
typedef struct pyi_combine_progress {
  int pass;         /* 1: reading and checking the inputs; 2: writing */
  size_t input;     /* the input being read (0-based; in pass 2 the
                       position in start-time order) */
  size_t inputs;    /* how many (pass 2: those not skipped) */
  uint64_t records; /* records read so far in this pass */
  uint64_t total_records; /* pass 2: how many will be written in all */
} pyi_combine_progress;

/** All-zero options stop at the first bad input and report no progress. */
typedef struct pyi_combine_opts {
  /** Leave out inputs that fail to load instead of failing; each one's
   * error goes to 'skipped' (if set). It still fails when none is left. */
  bool skip_bad;
  void (*skipped)(void *ctx, const pyi_error *e);
  /** Called after each input of each pass and every 65536 records. */
  void (*progress)(void *ctx, const pyi_combine_progress *p);
  void *ctx;
} pyi_combine_opts;

/** Combines the 'n' session files in 'paths' (plain or gzip; "-" is stdin,
 * at most once) and writes the result to 'out' as pyi_session_save does
 * (gzip when it ends in ".gz"; "-" or NULL is stdout; a file appears only
 * when complete). 'o' may be NULL. Returns 0, or -1 with 'err' naming the
 * input and its problem (PYI_EARG for no inputs or stdin twice). An input
 * that changes between the two readings is an error too. */
PYI_EXPORT int pyi_combine_files(const char *const *paths, size_t n,
                                 const char *out, const pyi_combine_opts *o,
                                 pyi_error *err);

/** Returns a new session resampled as pyinstrument's Session.resample:
 * records merged until each carries at least 'interval' seconds. */
PYI_EXPORT pyi_session *pyi_session_resample(const pyi_session *s,
                                             double interval);

/** ### Metadata (the keys of the format, in its order) */
PYI_EXPORT double pyi_session_start_time(const pyi_session *s);
PYI_EXPORT double pyi_session_duration(const pyi_session *s);
PYI_EXPORT double pyi_session_min_interval(const pyi_session *s);
PYI_EXPORT double pyi_session_max_interval(const pyi_session *s);
/** The stored sample_count (kept as written, not recounted). */
PYI_EXPORT double pyi_session_sample_count(const pyi_session *s);
PYI_EXPORT double pyi_session_cpu_time(const pyi_session *s);
/** Borrowed, NUL-terminated; may contain further NULs (length in 'len'). */
PYI_EXPORT const char *pyi_session_target_description(const pyi_session *s,
                                                      size_t *len);
PYI_EXPORT size_t pyi_session_sys_path_count(const pyi_session *s);
PYI_EXPORT const char *pyi_session_sys_path(const pyi_session *s, size_t i);
PYI_EXPORT size_t pyi_session_sys_prefix_count(const pyi_session *s);
PYI_EXPORT const char *pyi_session_sys_prefix(const pyi_session *s, size_t i);
/** Number of frame records actually held. */
PYI_EXPORT size_t pyi_session_record_count(const pyi_session *s);

/** ### Reading frames and records
 *
 * Frame ids are those of pyi_session_intern_frame: 1 up to
 * pyi_session_frame_count. */
PYI_EXPORT uint32_t pyi_session_frame_count(const pyi_session *s);
/** The frame-info string of 'id' (borrowed; it contains NULs, so its length
 * goes to '*len'). NULL for an unknown id. */
PYI_EXPORT const char *pyi_session_frame_info(const pyi_session *s,
                                              uint32_t id, size_t *len);
/** The start_call_stack, root first: its depth, with '*frames' pointing at
 * the ids (borrowed; valid until the session changes). */
PYI_EXPORT size_t pyi_session_start_call_stack(const pyi_session *s,
                                               const uint32_t **frames);
/** Record 'i' (0 <= i < pyi_session_record_count): returns its depth and
 * stores its seconds in '*seconds'. The frame ids, root first, are written
 * to 'frames' only when the depth is at most 'cap', so a caller can ask
 * again with a bigger buffer. */
PYI_EXPORT size_t pyi_session_record(const pyi_session *s, size_t i,
                                     uint32_t *frames, size_t cap,
                                     double *seconds);

/** ### Building a session (capture, tests, combine)
 *
 * A new session has start_time 0, duration 0, intervals 0.001, cpu_time 0,
 * an empty start_call_stack, description "" and empty sys_path/prefixes.
 * Strings are copied. Frame-info strings ("function\0file\0line\x01l12")
 * are interned once: pyi_session_intern_frame returns a small id that
 * pyi_session_add_record and pyi_session_set_start_call_stack take.
 */
PYI_EXPORT pyi_session *pyi_session_new(void);
PYI_EXPORT void pyi_session_set_times(pyi_session *s, double start_time,
                                      double duration, double cpu_time);
PYI_EXPORT void pyi_session_set_intervals(pyi_session *s, double min_interval,
                                          double max_interval);
/** Sets the stored sample_count (pyi_session_add_record does not). */
PYI_EXPORT void pyi_session_set_sample_count(pyi_session *s, double n);
PYI_EXPORT void pyi_session_set_target_description(pyi_session *s,
                                                   const char *text,
                                                   size_t len);
PYI_EXPORT void pyi_session_add_sys_path(pyi_session *s, const char *path);
PYI_EXPORT void pyi_session_add_sys_prefix(pyi_session *s, const char *prefix);
/** Interns a frame-info string of 'len' bytes; ids start at 1. */
PYI_EXPORT uint32_t pyi_session_intern_frame(pyi_session *s,
                                             const char *frame_info,
                                             size_t len);
PYI_EXPORT int pyi_session_set_start_call_stack(pyi_session *s,
                                                const uint32_t *frames,
                                                size_t depth, pyi_error *err);
/** Appends a sample: 'frames' root first, ids from pyi_session_intern_frame.
 * Fails (PYI_EARG) on an unknown id or a stack deeper than the limit. */
PYI_EXPORT int pyi_session_add_record(pyi_session *s, const uint32_t *frames,
                                      size_t depth, double seconds,
                                      pyi_error *err);

/** ### Editing a session's metadata and records
 *
 * pyinstrument's Session fields are assignable; these replace one list at
 * a time. Caches that depend on them (short paths, which code is the
 * application's) are recomputed on next use. */
PYI_EXPORT void pyi_session_clear_sys_path(pyi_session *s);
PYI_EXPORT void pyi_session_clear_sys_prefixes(pyi_session *s);
PYI_EXPORT void pyi_session_clear_records(pyi_session *s);

/** Session.shorten_path: 'path' relative to the sys_path entry that gives
 * the fewest components (unchanged when none is shorter, or when it holds
 * no '/'), relative entries taken from the current directory. Borrowed
 * from the session; the result for a path is computed once. */
PYI_EXPORT const char *pyi_session_shorten_path(pyi_session *s,
                                                const char *path, size_t len);

/** ## Options
 *
 * Renderer options are a map from names to JSON values, exactly as
 * pyinstrument's '-p' builds them: "processor_options.filter_threshold"
 * is a dotted key path; a value that parses as JSON is that value, anything
 * else is a string. A renderer rejects names it does not know when it runs.
 * The all-default options are an empty map (or NULL wherever a
 * 'const pyi_opts *' is taken).
 */
typedef struct pyi_opts pyi_opts;

PYI_EXPORT pyi_opts *pyi_opts_new(void);
PYI_EXPORT void pyi_opts_free(pyi_opts *o);
PYI_EXPORT pyi_opts *pyi_opts_copy(const pyi_opts *o);
/** '-p KEY=VALUE' semantics: VALUE parsed as JSON, else kept as a string.
 * Fails (PYI_EARG) when an intermediate key of the path is missing or not
 * an object. */
PYI_EXPORT int pyi_opts_set(pyi_opts *o, const char *keypath,
                            const char *value, pyi_error *err);
/** Sets KEYPATH to an exact JSON text (fails if 'json' does not parse). */
PYI_EXPORT int pyi_opts_set_json(pyi_opts *o, const char *keypath,
                                 const char *json, pyi_error *err);
PYI_EXPORT int pyi_opts_set_bool(pyi_opts *o, const char *keypath, bool v,
                                 pyi_error *err);
PYI_EXPORT int pyi_opts_set_number(pyi_opts *o, const char *keypath, double v,
                                   pyi_error *err);
/** 'v' NULL stores JSON null. */
PYI_EXPORT int pyi_opts_set_string(pyi_opts *o, const char *keypath,
                                   const char *v, pyi_error *err);
/** True when the top-level name is present. */
PYI_EXPORT bool pyi_opts_has(const pyi_opts *o, const char *name);

/** Python's fnmatch.translate: the regular expression (Python syntax) that
 * a --hide/--show glob stands for. Caller frees. */
PYI_EXPORT char *pyi_glob_to_regex(const char *glob);

/** ## Frame trees
 *
 * pyinstrument's Frame objects: the call tree that Session.root_frame()
 * builds, that processors edit and that frame renderers draw. A tree owns
 * its frames, which live until the tree is freed (a frame removed from the
 * tree stays valid, detached). A tree borrows its session, which must
 * outlive it: frames read identifiers, attributes, sys_path and
 * sys_prefixes from it, and new identifiers are added to it.
 *
 * No function here recurses over the depth of a tree.
 */
typedef struct pyi_tree pyi_tree;
typedef struct pyi_frame pyi_frame;

/** Session.root_frame(trim_stem): the timeline tree of 's' (each record
 * continues the previous one's path; every attribute kept), its stem above
 * profiler.start() trimmed when 'trim_stem'. The root is NULL for a
 * session without samples. NULL and 'err' on a session whose records
 * cannot form a tree (a frame below [self]). Free with pyi_tree_free. */
PYI_EXPORT pyi_tree *pyi_tree_new(pyi_session *s, bool trim_stem,
                                  pyi_error *err);
/** A tree without frames, for frames made one by one. */
PYI_EXPORT pyi_tree *pyi_tree_new_empty(pyi_session *s);
PYI_EXPORT void pyi_tree_free(pyi_tree *t);
PYI_EXPORT pyi_session *pyi_tree_session(const pyi_tree *t);
/** The root the tree was built with (NULL when empty). A frame is the
 * root of whatever subtree it heads; this is only where building left it. */
PYI_EXPORT pyi_frame *pyi_tree_root(const pyi_tree *t);

/** A new, detached frame from a frame-info string ("function\0file\0line"
 * and attributes after "\x01"), as pyinstrument's Frame(frame_info,
 * time=...): its time is 'time', each attribute is credited with it. */
PYI_EXPORT pyi_frame *pyi_frame_make(pyi_tree *t, const char *frame_info,
                                     size_t len, double time);

/** Links (NULL where there is none). */
PYI_EXPORT pyi_frame *pyi_frame_parent(const pyi_frame *f);
PYI_EXPORT pyi_frame *pyi_frame_first_child(const pyi_frame *f);
PYI_EXPORT pyi_frame *pyi_frame_last_child(const pyi_frame *f);
PYI_EXPORT pyi_frame *pyi_frame_next_sibling(const pyi_frame *f);
PYI_EXPORT pyi_frame *pyi_frame_prev_sibling(const pyi_frame *f);
/** One pointer a binding may keep per frame (NULL at first). */
PYI_EXPORT void *pyi_frame_user(const pyi_frame *f);
PYI_EXPORT void pyi_frame_set_user(pyi_frame *f, void *user);

/** The identifier "function\0file\0line" (borrowed; it holds NULs, so its
 * length goes to '*len'). */
PYI_EXPORT const char *pyi_frame_identifier(const pyi_tree *t,
                                            const pyi_frame *f, size_t *len);
/** Replaces the identifier (attributes and time stay). */
PYI_EXPORT void pyi_frame_set_identifier(pyi_tree *t, pyi_frame *f,
                                         const char *identifier, size_t len);
/** Parts of the identifier: the function (always), the file and the line
 * text (NULL when the identifier has fewer parts). */
PYI_EXPORT const char *pyi_frame_function(const pyi_tree *t,
                                          const pyi_frame *f, size_t *len);
PYI_EXPORT const char *pyi_frame_file(const pyi_tree *t, const pyi_frame *f,
                                      size_t *len);
PYI_EXPORT const char *pyi_frame_line_text(const pyi_tree *t,
                                           const pyi_frame *f, size_t *len);
/** [root], [self], [await], [out-of-context]; the last three are leaves
 * that take no children. */
PYI_EXPORT bool pyi_frame_is_synthetic(const pyi_tree *t, const pyi_frame *f);
PYI_EXPORT bool pyi_frame_is_leaf_only(const pyi_tree *t, const pyi_frame *f);

/** time: the frame's total seconds; absorbed: the time of descendants
 * that processors removed into it. */
PYI_EXPORT double pyi_frame_time(const pyi_frame *f);
PYI_EXPORT void pyi_frame_set_time(pyi_frame *f, double time);
PYI_EXPORT double pyi_frame_absorbed_time(const pyi_frame *f);
PYI_EXPORT void pyi_frame_set_absorbed_time(pyi_frame *f, double time);
/** total_self_time: time minus that of the children that are not
 * synthetic. await_time: the time of the [await] frames of the subtree. */
PYI_EXPORT double pyi_frame_total_self_time(const pyi_tree *t,
                                            const pyi_frame *f);
PYI_EXPORT double pyi_frame_await_time(const pyi_tree *t, const pyi_frame *f);

/** Attributes, in first-seen order: observation ("l12", "cMyClass", "h1")
 * and the seconds it was seen for. */
PYI_EXPORT size_t pyi_frame_attr_count(const pyi_frame *f);
/** Attribute 'i': its key (borrowed; length in '*len') and, in '*value',
 * its seconds; 'is_int' (may be NULL) tells whether every time added was
 * an integer. */
PYI_EXPORT const char *pyi_frame_attr(const pyi_tree *t, const pyi_frame *f,
                                      size_t i, size_t *len, double *value,
                                      bool *is_int);
/** Sets attribute 'key' to 'value' (appending it if new). */
PYI_EXPORT void pyi_frame_set_attr(pyi_tree *t, pyi_frame *f, const char *key,
                                   size_t len, double value, bool is_int);
PYI_EXPORT void pyi_frame_clear_attrs(pyi_frame *f);
/** The most observed attribute value for marker 'c' without the marker
 * (NULL when none or empty), and has_tracebackhide ('h' observation "1"). */
PYI_EXPORT const char *pyi_frame_class(const pyi_tree *t, const pyi_frame *f,
                                       size_t *len);
PYI_EXPORT bool pyi_frame_tracebackhide(const pyi_tree *t, const pyi_frame *f);
/** file_path_short: a synthetic frame with a parent answers for it; NULL
 * when there is no file. Borrowed from the session. */
PYI_EXPORT const char *pyi_frame_file_short(const pyi_tree *t,
                                            const pyi_frame *f);
/** is_application_code, with the session's sys_prefixes. */
PYI_EXPORT bool pyi_frame_is_application(const pyi_tree *t,
                                         const pyi_frame *f);

/** ### Editing
 *
 * Adding a frame first removes it from its parent. Both frames must be of
 * tree 't' (pyi_tree_adopt moves frames between trees). */
/** Appends 'child' to 'parent's children, or inserts it right after
 * 'after' (a child of 'parent') when 'after' is not NULL. PYI_EARG when
 * 'parent' is a leaf-only frame or 'child' is 'parent' or one of its
 * ancestors. */
PYI_EXPORT int pyi_frame_add_child(pyi_tree *t, pyi_frame *parent,
                                   pyi_frame *child, pyi_frame *after,
                                   pyi_error *err);
/** Frame.remove_from_parent. */
PYI_EXPORT void pyi_frame_remove(pyi_frame *f);

/** Copies the subtree of 'f' (a frame of 'from') into 't' and returns the
 * copy, detached; 'f' is detached from its parent and left as it was.
 * Groups do not follow (the copies belong to none). 'moved' (if not NULL)
 * is called once per frame copied, with the original and its copy, parents
 * before children. 'from' may be freed afterwards. */
PYI_EXPORT pyi_frame *pyi_tree_adopt(pyi_tree *t, pyi_tree *from, pyi_frame *f,
                                     void (*moved)(void *ctx, pyi_frame *old,
                                                   pyi_frame *copy),
                                     void *ctx);

/** ### Groups
 *
 * The frame groups of the library-grouping processor. A group is named by
 * a number from 1 (0: none) that stays valid as long as the tree. */
PYI_EXPORT size_t pyi_frame_group_of(const pyi_tree *t, const pyi_frame *f);
PYI_EXPORT size_t pyi_tree_group_count(const pyi_tree *t);
/** FrameGroup(root): a new group holding 'root'. */
PYI_EXPORT size_t pyi_group_create(pyi_tree *t, pyi_frame *root);
/** Adds 'f' (leaving the group it was in); removes 'f' from its group
 * when 'group' is 0. */
PYI_EXPORT void pyi_group_set(pyi_tree *t, size_t group, pyi_frame *f);
PYI_EXPORT pyi_frame *pyi_group_root(const pyi_tree *t, size_t group);
/** The group's frames in the order they joined. */
PYI_EXPORT size_t pyi_group_size(const pyi_tree *t, size_t group);
PYI_EXPORT pyi_frame *pyi_group_frame(const pyi_tree *t, size_t group,
                                      size_t i);
/** exit_frames: those of its frames with a child outside the group. */
PYI_EXPORT size_t pyi_group_exit_count(pyi_tree *t, size_t group);
PYI_EXPORT pyi_frame *pyi_group_exit(pyi_tree *t, size_t group, size_t i);
/** The group's id, a random version-4 UUID as text (borrowed). */
PYI_EXPORT const char *pyi_group_id(const pyi_tree *t, size_t group);

/** ### Processors
 *
 * pyinstrument's processors by name: "remove_importlib",
 * "remove_tracebackhide", "aggregate_repeated_calls",
 * "group_library_frames_processor", "merge_consecutive_self_time",
 * "remove_unnecessary_self_time_nodes", "remove_irrelevant_nodes",
 * "remove_first_pyinstrument_frames_processor". */
PYI_EXPORT const char *const *pyi_processor_names(void);
/** Runs processor 'name' on the subtree of 'root' (a frame of 't') with
 * the options map 'o' (filter_threshold, hide_regex, show_regex; NULL for
 * the defaults) and returns the root it leaves, which is 'root' or one of
 * its descendants (then detached). NULL and 'err' on an unknown name or a
 * bad option. */
PYI_EXPORT pyi_frame *pyi_tree_run_processor(pyi_tree *t, const char *name,
                                             pyi_frame *root,
                                             const pyi_opts *o,
                                             pyi_error *err);
/** Checks pyinstrument's self_check invariant on 'f' (and, when
 * 'recursive', its subtree): a frame that takes children has the time of
 * its children plus its absorbed time (relative tolerance 1e-9), a
 * leaf-only frame has no children. Returns NULL, or the first frame that
 * breaks it. */
PYI_EXPORT const pyi_frame *pyi_frame_check(const pyi_tree *t,
                                            const pyi_frame *f,
                                            bool recursive);

/** ## Rendering
 *
 * Renderers by name: "text", "json", "pyisession" (alias "session"),
 * "speedscope", "pstats", "html", "markdown", "folded", "pprof" (those
 * built into this library; pyi_renderer_exists tells). Frame renderers
 * build the call tree, run pyinstrument's processors for their kind and
 * options, and write the report.
 */
PYI_EXPORT bool pyi_renderer_exists(const char *name);
/** The renderer pyinstrument's CLI would pick for an output file name
 * (".txt", ".html", ".speedscope.json", ".json", ".pyisession", ".pstats",
 * and ours: ".md", ".folded", ".pprof", ".pb.gz"); NULL when no guess. */
PYI_EXPORT const char *pyi_renderer_guess(const char *path);
/** True for renderers that write binary data (pstats, pprof). */
PYI_EXPORT bool pyi_renderer_is_binary(const char *name);
/** The file extension the renderer's output uses, without a dot. */
PYI_EXPORT const char *pyi_renderer_extension(const char *name);
/** The names of the built-in renderers, NULL-terminated. */
PYI_EXPORT const char *const *pyi_renderer_names(void);

/** Renders 's' with renderer 'name' to 'path' ("-" or NULL: stdout). A file
 * is written under a temporary name beside 'path' and renamed when complete,
 * so on failure an existing file is untouched and no partial file remains.
 * Messages meant for the user while rendering (such as the HTML renderer's
 * resampling notice) go to 'notices' when it is not NULL. */
PYI_EXPORT int pyi_render_file(const pyi_session *s, const char *name,
                               const pyi_opts *o, const char *path,
                               FILE *notices, pyi_error *err);

/** Renders into a new buffer (caller frees); its length goes to '*len'.
 * The buffer is NUL-terminated for convenience (binary output may contain
 * NULs). */
PYI_EXPORT char *pyi_render_string(const pyi_session *s, const char *name,
                                   const pyi_opts *o, size_t *len,
                                   FILE *notices, pyi_error *err);

/** Renders the subtree of 'root' (a frame of 't', usually one that went
 * through processors of the caller's choosing) with frame renderer 'name',
 * as the report of session 's' (its metadata: description, duration,
 * sample count): the renderer runs no processors of its own. A NULL
 * 'root' (and 't' NULL too, if need be) renders as a session without
 * samples. Returns a new buffer as
 * pyi_render_string does; PYI_EARG for a renderer that draws no tree
 * (pyisession, folded, pprof, html). */
PYI_EXPORT char *pyi_render_frame_string(const pyi_session *s, pyi_tree *t,
                                         pyi_frame *root, const char *name,
                                         const pyi_opts *o, size_t *len,
                                         FILE *notices, pyi_error *err);
/** Writes 'len' bytes to 'path' ("-" or NULL: stdout) as rendered output
 * is written: under a temporary name renamed when complete. For output
 * made elsewhere (a binding's own renderer). */
PYI_EXPORT int pyi_write_file(const char *path, const void *data, size_t len,
                              pyi_error *err);
/** True for the renderers pyi_render_frame_string takes. */
PYI_EXPORT bool pyi_renderer_draws_tree(const char *name);

/** Checks the options against renderer 'name' without rendering (what
 * pyinstrument does when it constructs the renderer). */
PYI_EXPORT int pyi_render_check(const char *name, const pyi_opts *o,
                                pyi_error *err);

/** ## Comparing two sessions
 *
 * A diff answers "what got slower, what got faster" between a base session
 * and a new one (usually two recordings of one program). Both go through
 * the same processors, as for a text report with the same options, and
 * their call trees are lined up by call path: the path of identifiers from
 * the root. Frames the text report hides (inside library groups) are left
 * out where it hides them on every side they appear on: a changed library
 * internal does not break the paths around it, and a group drawn whole on
 * one side only does not turn into paths added and removed; their time is
 * self time of the frame that called into the library. A frame whose
 * identifier differs only in its line
 * number (the function moved in its file) still matches, when it is the
 * only candidate on both sides. [self] frames are folded into their
 * parent, whose self time they are.
 *
 * Each node carries its base and new time (seconds, or fractions of each
 * side's total with 'normalize') and is marked as on both sides, added or
 * removed; children are sorted by the size of their change. A node is
 * "shown" when a change of at least the threshold happens in its subtree.
 */
typedef struct pyi_diff pyi_diff;
typedef struct pyi_diff_node pyi_diff_node;

/** All-zero options: the text report's processors and the default
 * threshold. */
typedef struct pyi_diff_opts {
  /** The options map of pyi-render that apply: "show_all",
   * "processor_options" (hide_regex, show_regex, filter_threshold) and, for
   * the text format, "unicode" and "color". Copied. Unlike a report,
   * processor_options.filter_threshold defaults to 0 here: a frame just
   * under 1 % on one side only would otherwise look added or removed; the
   * diff's own threshold hides small changes instead. */
  const pyi_opts *opts;
  /** Compare fractions of each side's total instead of seconds. */
  bool normalize;
  /** Changes smaller than this percentage of the larger total (of 100 %
   * when normalized) are negligible: hidden in reports and ignored by the
   * regression check. 0 means the default, 1; a negative value shows every
   * change. */
  double threshold;
  /** Length of the lists of top regressions and improvements (0: 10). */
  int top;
  /** Names of the two sides in reports (NULL: "base" and "new"). Copied. */
  const char *base_name, *new_name;
} pyi_diff_opts;

/** Checks the options without building anything (PYI_EARG on an option
 * name or value the diff does not take). */
PYI_EXPORT int pyi_diff_check(const pyi_diff_opts *o, pyi_error *err);

/** Builds the diff of 'base' and 'new_' (neither is changed or kept).
 * 'o' may be NULL. Returns NULL and fills 'err' on bad options or when a
 * session's call tree cannot be built. Free with pyi_diff_free. */
PYI_EXPORT pyi_diff *pyi_diff_new(const pyi_session *base,
                                  const pyi_session *new_,
                                  const pyi_diff_opts *o, pyi_error *err);
PYI_EXPORT void pyi_diff_free(pyi_diff *d);

/** The root: the two totals; its children are the top frames. Nodes are
 * borrowed from the diff. */
PYI_EXPORT const pyi_diff_node *pyi_diff_root(const pyi_diff *d);
PYI_EXPORT const pyi_diff_node *pyi_diff_node_parent(const pyi_diff_node *n);
PYI_EXPORT const pyi_diff_node *
pyi_diff_node_first_child(const pyi_diff_node *n);
PYI_EXPORT const pyi_diff_node *pyi_diff_node_next(const pyi_diff_node *n);

enum pyi_diff_status {
  PYI_DIFF_BOTH = 0, /* the call path is in both sessions */
  PYI_DIFF_ADDED,    /* only in the new session */
  PYI_DIFF_REMOVED,  /* only in the base session */
};
PYI_EXPORT int pyi_diff_node_status(const pyi_diff_node *n);
/** Time in the base and the new session (seconds, or fractions of the
 * total when normalized), total and self. */
PYI_EXPORT double pyi_diff_node_base(const pyi_diff_node *n);
PYI_EXPORT double pyi_diff_node_new(const pyi_diff_node *n);
PYI_EXPORT double pyi_diff_node_base_self(const pyi_diff_node *n);
PYI_EXPORT double pyi_diff_node_new_self(const pyi_diff_node *n);
/** new - base. */
PYI_EXPORT double pyi_diff_node_delta(const pyi_diff_node *n);
/** The change in percent of the base time; NaN when the base is 0. */
PYI_EXPORT double pyi_diff_node_percent(const pyi_diff_node *n);
/** A change of at least the threshold is in this node's subtree. */
PYI_EXPORT bool pyi_diff_node_shown(const pyi_diff_node *n);
/** "Class.function" as reports show it ("" for the root); borrowed. */
PYI_EXPORT const char *pyi_diff_node_name(const pyi_diff_node *n);
/** "file.py:12" (short path and line, as reports show it), or "". */
PYI_EXPORT const char *pyi_diff_node_location(const pyi_diff_node *n);

/** The call path whose slowdown breaks a --fail-on-regression gate of
 * 'percent': the root when the total grew by more than 'percent', else the
 * node with the largest relative growth above 'percent' among changes of at
 * least the threshold (an added path counts as infinitely slower). NULL
 * when there is none. */
PYI_EXPORT const pyi_diff_node *pyi_diff_regression(const pyi_diff *d,
                                                   double percent);

/** Diff report formats: "text" (the tree with base, new and delta columns,
 * red for slower and green for faster with the "color" option), "markdown"
 * (the top regressions and improvements, then the tree), "json" (every
 * node, machine-readable) and "html" (a self-contained page). */
PYI_EXPORT bool pyi_diff_format_exists(const char *name);
/** The format for an output file name (".txt", ".md", ".json", ".html",
 * ".htm"); NULL when no guess. */
PYI_EXPORT const char *pyi_diff_format_guess(const char *path);
/** Writes the report to 'path' ("-" or NULL: stdout), under a temporary
 * name renamed when complete. */
PYI_EXPORT int pyi_diff_render_file(const pyi_diff *d, const char *format,
                                    const char *path, pyi_error *err);
/** The report in a new buffer (caller frees); length in '*len'. */
PYI_EXPORT char *pyi_diff_render_string(const pyi_diff *d, const char *format,
                                        size_t *len, pyi_error *err);

#ifdef __cplusplus
}
#endif

#endif

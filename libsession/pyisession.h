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

/** Renders 's' with renderer 'name' to 'path' ("-" or NULL: stdout).
 * Every file the library writes is written this way: a symlink is followed;
 * a regular file is written under a temporary name beside it (removed on
 * SIGINT, SIGTERM and SIGHUP) and renamed over it when complete, keeping
 * its mode and owner, so on failure it is untouched and no partial file
 * remains; a file with several hard links, or in a directory where no
 * temporary file can be made, is finished elsewhere first and then
 * rewritten in place; a device, FIFO or /dev/stdout is written directly; a
 * file that > could not write is refused. Messages meant for the user
 * while rendering (such as the HTML renderer's resampling notice) go to
 * 'notices' when it is not NULL. */
PYI_EXPORT int pyi_render_file(const pyi_session *s, const char *name,
                               const pyi_opts *o, const char *path,
                               FILE *notices, pyi_error *err);

/** Renders the session file 'in' ("-" is stdin) as pyi_session_load
 * followed by pyi_render_file would, in less memory: a timeline (the
 * speedscope renderer, or text, json and pstats with "timeline") of a
 * regular file is built while the records stream past, read twice, so
 * that memory follows the report's size, not the number of samples. */
PYI_EXPORT int pyi_render_path(const char *in, const char *name,
                               const pyi_opts *o, const char *out,
                               FILE *notices, pyi_error *err);

/** Writes 'len' bytes to 'path' as pyi_render_file writes its output
 * ("-" or NULL: stdout). */
PYI_EXPORT int pyi_write_file(const char *path, const void *data, size_t len,
                              pyi_error *err);

/** Renders into a new buffer (caller frees); its length goes to '*len'.
 * The buffer is NUL-terminated for convenience (binary output may contain
 * NULs). */
PYI_EXPORT char *pyi_render_string(const pyi_session *s, const char *name,
                                   const pyi_opts *o, size_t *len,
                                   FILE *notices, pyi_error *err);

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

/** Whether a regression gate can be judged at all: returns -1 and fills
 * 'err' (naming the session file and the call path) when a time compared
 * is NaN on either side, or its change is (an infinite time on both), so
 * that a gate never passes on numbers that say nothing; 0 otherwise. */
PYI_EXPORT int pyi_diff_gate_check(const pyi_diff *d, pyi_error *err);

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

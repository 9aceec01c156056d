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

/** Checks the options against renderer 'name' without rendering (what
 * pyinstrument does when it constructs the renderer). */
PYI_EXPORT int pyi_render_check(const char *name, const pyi_opts *o,
                                pyi_error *err);

#ifdef __cplusplus
}
#endif

#endif

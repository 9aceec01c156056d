/* gensession.c - writes large, realistic .pyisession files for `make bench`.
 *
 * The output looks like what pyinstrument's CLI records for a big program:
 * one thread, the CLI's own frames at the bottom, application and library
 * files, methods with class attributes, a few builtins at the leaves, deep
 * recursive bursts, and samples in timeline order that change a little at a
 * time (so the file compresses like a real one). Deterministic for a seed.
 *
 *   gensession -n 1M [-s SEED] [-r WALK_SEED] [-t START_TIME] [-f FUNCS]
 *              [-P PHASES] [-o FILE] [-z FILE.gz] [-l LEVEL]
 *   gensession -D DEPTH [-n N] ...   N samples of one DEPTH-deep recursion
 *
 * -s picks the program (files, functions, call graph), -r the run through
 * it: the same -s with two -r values gives two recordings of one program,
 * as pyi-combine and pyi-diff expect.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#define MAX_DEPTH 150
#define MIN_DEPTH 5
#define PREFIX 10   /* thread root, the CLI's frames, the program's <module> */
#define START_DEPTH 5 /* of which start_call_stack holds the first five */
#define NTIMES 65536

/* ---- deterministic randomness (splitmix64) ----
 * Two streams: rng_state decides the program and the paths the run takes
 * (reseeded at each phase, so that a repeated phase replays its stacks),
 * noise_state the details that vary between repetitions (lines, classes). */

static uint64_t rng_state, noise_state;

static uint64_t next(uint64_t *state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}
static uint64_t rnd(void) { return next(&rng_state); }
static uint32_t below(uint32_t n) { return (uint32_t)(rnd() % n); }
static uint32_t noise_below(uint32_t n) {
  return (uint32_t)(next(&noise_state) % n);
}
static double unit(void) { return (double)(rnd() >> 11) / 9007199254740992.0; }
static bool chance(double p) { return unit() < p; }
static uint32_t geometric(double p) { /* failures before success, capped */
  uint32_t k = 0;
  while (k < 64 && !chance(p))
    k++;
  return k;
}

/* ---- output: one buffer, flushed to a plain file and/or a gzip stream ---- */

struct out {
  char buf[1 << 20];
  size_t len;
  FILE *plain, *gz;
  const char *plain_name, *gz_name;
  z_stream zs;
  unsigned char zbuf[1 << 18];
};

static void die(const char *what, const char *name) {
  fprintf(stderr, "gensession: %s: %s\n", name, what);
  exit(1);
}

static void deflate_chunk(struct out *o, const void *p, size_t n, int flush) {
  o->zs.next_in = (unsigned char *)p;
  o->zs.avail_in = (uInt)n;
  do {
    o->zs.next_out = o->zbuf;
    o->zs.avail_out = sizeof o->zbuf;
    if (deflate(&o->zs, flush) == Z_STREAM_ERROR)
      die("deflate failed", o->gz_name);
    size_t have = sizeof o->zbuf - o->zs.avail_out;
    if (have && fwrite(o->zbuf, 1, have, o->gz) != have)
      die(strerror(errno), o->gz_name);
  } while (o->zs.avail_out == 0);
}

static void flush_out(struct out *o) {
  if (o->plain && o->len && fwrite(o->buf, 1, o->len, o->plain) != o->len)
    die(strerror(errno), o->plain_name);
  if (o->gz && o->len)
    deflate_chunk(o, o->buf, o->len, Z_NO_FLUSH);
  o->len = 0;
}

static void put(struct out *o, const char *s, size_t n) {
  if (o->len + n > sizeof o->buf) {
    flush_out(o);
    if (n > sizeof o->buf) { /* never happens with our short strings */
      memcpy(o->buf, s, sizeof o->buf);
      die("string too long", "output");
    }
  }
  memcpy(o->buf + o->len, s, n);
  o->len += n;
}
static void puts_(struct out *o, const char *s) { put(o, s, strlen(s)); }

static void put_uint(struct out *o, uint64_t v) {
  char tmp[24];
  int i = sizeof tmp;
  do
    tmp[--i] = (char)('0' + v % 10);
  while (v /= 10);
  put(o, tmp + i, sizeof tmp - (size_t)i);
}

static void put_double(struct out *o, double v) {
  char tmp[40];
  int n = snprintf(tmp, sizeof tmp, "%.17g", v);
  if (!strpbrk(tmp, ".eE")) /* keep floats floats, as Python would */
    n += snprintf(tmp + n, sizeof tmp - (size_t)n, ".0");
  put(o, tmp, (size_t)n);
}

/* ---- the simulated program ---- */

static const char *verbs[] = {
    "get", "set", "load", "save", "parse", "render", "build", "check",
    "compute", "update", "fetch", "send", "read", "write", "open", "close",
    "find", "match", "split", "join", "encode", "decode", "handle", "dispatch",
    "validate", "convert", "resolve", "merge", "apply", "collect", "emit",
    "flush", "scan", "visit", "walk", "sort", "filter", "group", "format",
    "normalize", "serialize", "register", "lookup", "refresh", "prepare",
    "execute", "commit", "rollback", "iter", "make", "create", "init"};
static const char *nouns[] = {
    "order", "user", "item", "config", "token", "record", "row", "column",
    "table", "query", "request", "response", "header", "body", "session",
    "cache", "entry", "node", "tree", "path", "file", "buffer", "stream",
    "event", "task", "job", "queue", "batch", "price", "invoice", "cart",
    "account", "message", "template", "context", "field", "schema", "model",
    "index", "key", "value", "result", "report", "metric", "span", "trace",
    "chunk", "block", "page", "frame", "state", "rule", "policy", "route"};
static const char *class_suffix[] = {"Manager", "Handler", "Parser", "Service",
                                     "Builder", "Loader", "Encoder", "Store",
                                     "Client", "View", "Model", "Visitor"};
static const char *special_names[] = {
    "__init__", "__call__", "__iter__", "__next__", "__enter__", "__exit__",
    "<listcomp>", "<genexpr>", "<lambda>", "<dictcomp>", "wrapper", "inner"};
/* non-ASCII names, already JSON-escaped the way Python writes them */
static const char *unicode_names[] = {"gr\\u00f6\\u00dfe", "m\\u00e9thode",
                                      "\\u8ba1\\u7b97", "na\\u00efve_sum"};
static const char *builtins[] = {
    "str.join", "Pattern.match", "Pattern.sub", "dict.get", "len",
    "isinstance", "list.append", "sorted", "sleep", "str.split",
    "str.encode", "bytes.decode", "dumps", "loads", "sum", "min", "max",
    "hasattr", "getattr", "BufferedReader.read", "TextIOWrapper.write",
    "select.poll", "lock.acquire", "_hashlib.HASH.update", "math.sqrt",
    "str.format", "list.sort", "dict.items", "set.add", "compile",
    "__build_class__", "exec", "posix.stat", "zlib.Decompress.decompress"};
#define NB (sizeof builtins / sizeof *builtins)
#define COUNT(a) (sizeof a / sizeof *a)

struct func {
  char *ident;   /* escaped "name\u0000file\u0000line" */
  char *cls[2];  /* escaped "\u0001cName" or NULL */
  uint32_t first_line;
  uint32_t callees[8], ncallees;
  uint32_t builtin_leaves[2], nbuiltin; /* indexes into builtins[] */
  bool recursive, hide, is_lib;
};

struct program {
  struct func *f;
  uint32_t n;          /* python functions, the first PREFIX are fixed */
  char *builtin_ident[NB];
  double times[NTIMES];
};

/* "name\u0000file\u0000line" */
static char *ident_new(const char *name, const char *file, const char *line) {
  size_t len = strlen(name) + strlen(file) + strlen(line) + 16;
  char *s = malloc(len);
  if (!s)
    die("out of memory", "gensession");
  snprintf(s, len, "%s\\u0000%s\\u0000%s", name, file, line);
  return s;
}

#define NUL "\\u0000"
static const char *fixed_prefix[PREFIX][3] = {
    /* name, file, first line */
    {"MainThread", "<thread>", "140211938297664"},
    {"_run_module_as_main", "<frozen runpy>", "173"},
    {"_run_code", "<frozen runpy>", "65"},
    {"<module>", "/opt/venv/lib/python3.11/site-packages/pyinstrument/__main__.py", "1"},
    {"main", "/opt/venv/lib/python3.11/site-packages/pyinstrument/__main__.py", "29"},
    {"<module>", "<string>", "1"},
    {"run_path", "<frozen runpy>", "262"},
    {"_run_module_code", "<frozen runpy>", "91"},
    {"_run_code", "<frozen runpy>", "65"},
    {"<module>", "shop/main.py", "1"},
};

static void make_name(char *dst, size_t cap) {
  if (chance(0.04))
    snprintf(dst, cap, "%s", special_names[below(COUNT(special_names))]);
  else if (chance(0.01))
    snprintf(dst, cap, "%s", unicode_names[below(COUNT(unicode_names))]);
  else
    snprintf(dst, cap, "%s_%s", verbs[below(COUNT(verbs))],
             nouns[below(COUNT(nouns))]);
}

static void make_class(char *dst, size_t cap) {
  const char *n = nouns[below(COUNT(nouns))];
  snprintf(dst, cap, "\\u0001c%c%s%s", n[0] - 'a' + 'A', n + 1,
           class_suffix[below(COUNT(class_suffix))]);
}

static uint32_t find_builtin(const char *name) {
  for (uint32_t b = 0; b < NB; b++)
    if (strcmp(builtins[b], name) == 0)
      return b;
  abort();
}

static void build_program(struct program *p, uint32_t nfuncs) {
  p->n = PREFIX + nfuncs;
  p->f = calloc(p->n, sizeof *p->f);
  if (!p->f)
    die("out of memory", "gensession");
  for (uint32_t i = 0; i < PREFIX; i++) {
    struct func *f = &p->f[i];
    f->ident = ident_new(fixed_prefix[i][0], fixed_prefix[i][1],
                         fixed_prefix[i][2]);
    f->first_line = (uint32_t)strtoul(fixed_prefix[i][2], NULL, 10);
    if (i + 1 < PREFIX)
      f->callees[f->ncallees++] = i + 1;
    if (i >= START_DEPTH - 1) /* startup and shutdown: imports, exec */
      f->builtin_leaves[f->nbuiltin++] =
          find_builtin(i % 2 ? "exec" : "__build_class__");
  }
  /* ~25 functions per file; early files are the application, later ones
   * increasingly libraries, so application code calls into libraries. */
  char file[160] = "", name[64], cls[64], num[16];
  uint32_t line = 1;
  bool file_is_lib = false, file_has_class = false;
  for (uint32_t i = PREFIX; i < p->n; i++) {
    struct func *f = &p->f[i];
    double pos = (double)(i - PREFIX) / nfuncs;
    if (i == PREFIX || chance(1.0 / 25)) {
      unsigned fno = i;
      file_is_lib = chance(0.15 + 0.8 * pos);
      if (!file_is_lib)
        snprintf(file, sizeof file, "/srv/app/shop/%s/%s.py",
                 nouns[below(COUNT(nouns))], verbs[below(COUNT(verbs))]);
      else if (chance(0.4))
        snprintf(file, sizeof file, "/usr/lib/python3.11/%s/%s.py",
                 nouns[below(COUNT(nouns))], nouns[below(COUNT(nouns))]);
      else
        snprintf(file, sizeof file,
                 "/srv/app/venv/lib/python3.11/site-packages/%slib/%s%u.py",
                 nouns[below(COUNT(nouns))], nouns[below(COUNT(nouns))], fno);
      line = 1 + below(20);
      file_has_class = chance(0.5);
      make_class(cls, sizeof cls);
    }
    make_name(name, sizeof name);
    line += 3 + below(40);
    f->first_line = line;
    f->is_lib = file_is_lib;
    snprintf(num, sizeof num, "%u", line);
    f->ident = ident_new(name, file, num);
    if (file_has_class && chance(0.6)) {
      f->cls[0] = strdup(cls);
      if (chance(0.1)) { /* an inherited method seen on a subclass too */
        char sub[64];
        make_class(sub, sizeof sub);
        f->cls[1] = strdup(sub);
      }
    }
    f->recursive = chance(0.03);
    f->hide = chance(0.005);
    /* callees mostly a little further on; the span makes ~40 frames reach
     * the last functions, so thousands of them show up */
    uint32_t span = nfuncs / 24 + 2;
    f->ncallees = 1 + below(6);
    for (uint32_t k = 0; k < f->ncallees; k++) {
      uint32_t c = i + 1 + below(span);
      if (c >= p->n) /* callbacks back into earlier code */
        c = PREFIX + below(nfuncs);
      f->callees[k] = c;
    }
    f->nbuiltin = below(3);
    for (uint32_t k = 0; k < f->nbuiltin; k++)
      f->builtin_leaves[k] = below(NB);
  }
  /* the program's <module> calls the first application functions */
  struct func *top = &p->f[PREFIX - 1];
  top->ncallees = 4;
  for (uint32_t k = 0; k < 4; k++)
    top->callees[k] = PREFIX + k % nfuncs;
  for (size_t b = 0; b < NB; b++)
    p->builtin_ident[b] = ident_new(builtins[b], "<built-in>", "0");
  /* sample times: mostly the 1 ms interval plus jitter, a few long waits */
  for (size_t t = 0; t < NTIMES; t++) {
    double v = 0.001 + 0.00004 * -log1p(-unit() * 0.999);
    if (chance(0.01))
      v = 0.002 + 0.05 * unit();
    p->times[t] = v;
  }
}

/* ---- the stack walk ---- */

struct slot {
  uint32_t func;   /* python function, or builtin index when builtin */
  uint32_t line;   /* the 'l' attribute (the line executing) */
  uint8_t cls;     /* which class attribute variant */
  bool builtin, await_;
};

static void frame_out(struct out *o, const struct program *p,
                      const struct slot *s) {
  if (s->await_) {
    puts_(o, "\"[await]\"");
    return;
  }
  put(o, "\"", 1);
  if (s->builtin) {
    puts_(o, p->builtin_ident[s->func]);
  } else {
    const struct func *f = &p->f[s->func];
    puts_(o, f->ident);
    if (f->cls[s->cls])
      puts_(o, f->cls[s->cls]);
    puts_(o, "\\u0001l");
    put_uint(o, s->line);
    if (f->hide)
      puts_(o, "\\u0001h1");
  }
  put(o, "\"", 1);
}

static uint32_t body_line(const struct func *f) {
  return f->first_line + 1 + noise_below(30);
}

static void push(const struct program *p, struct slot *st, uint32_t *depth,
                 uint32_t func) {
  const struct func *f = &p->f[func];
  st[*depth] = (struct slot){.func = func, .line = body_line(f),
                             .cls = (uint8_t)(f->cls[1] && noise_below(10) < 3)};
  (*depth)++;
}

/* The depth the walk heads for during a phase of the program. */
static uint32_t phase_target(void) {
  double r = unit();
  if (r < 0.03)
    return MIN_DEPTH + below(5);
  if (r < 0.91)
    return 13 + below(16);
  if (r < 0.98)
    return 26 + below(45);
  return 70 + below(MAX_DEPTH - 70 + 1);
}

/* Moves the stack to the next sample's: pops a few frames, then calls down
 * again towards the phase's depth. */
static void step(const struct program *p, struct slot *st, uint32_t *depth,
                 uint32_t target) {
  if (chance(0.35)) { /* a tight loop: same frames, maybe another line */
    struct slot *leaf = &st[*depth - 1];
    if (!leaf->builtin && !leaf->await_ && noise_below(2))
      leaf->line = body_line(&p->f[leaf->func]);
    return;
  }
  int goal = (int)target + (int)below(9) - 4;
  if (goal < MIN_DEPTH)
    goal = MIN_DEPTH;
  if (target > PREFIX && goal <= PREFIX) /* only shallow phases stop early */
    goal = PREFIX + 1;
  if (goal > MAX_DEPTH)
    goal = MAX_DEPTH;
  uint32_t pops = 1 + geometric(0.35);
  while (*depth > MIN_DEPTH && pops > 0) {
    (*depth)--;
    pops--;
  }
  while (st[*depth - 1].builtin || st[*depth - 1].await_)
    (*depth)--;
  while ((int)*depth < goal) {
    struct slot *top = &st[*depth - 1];
    const struct func *f = &p->f[top->func];
    if (f->ncallees == 0)
      break;
    uint32_t k = below(f->ncallees);
    uint32_t callee = f->recursive && chance(0.85) ? top->func : f->callees[k];
    top->line = f->first_line + 2 + k * 3; /* the call site */
    push(p, st, depth, callee);
  }
  const struct func *leaf = &p->f[st[*depth - 1].func];
  if (*depth < MAX_DEPTH && leaf->nbuiltin && chance(0.3)) {
    st[*depth] = (struct slot){.func = leaf->builtin_leaves[below(leaf->nbuiltin)],
                               .builtin = true};
    (*depth)++;
  } else if (*depth < MAX_DEPTH && chance(0.002)) {
    st[*depth] = (struct slot){.await_ = true};
    (*depth)++;
  }
}

/* The run is a sequence of phases (a request, a batch item, a loop), each
 * heading for its own depth. A program repeats its work: a phase is one of
 * 'nphases' seeds (0: every phase new), so the set of distinct call paths
 * grows quickly at first and then levels off, as in a real recording. */
static void write_session(struct out *o, const struct program *p, uint64_t n,
                          double start_time, uint32_t nphases) {
  static const uint32_t start_lines[START_DEPTH] = {0, 198, 88, 684, 405};
  double total = 0;
  puts_(o, "{\"start_time\": ");
  put_double(o, start_time);
  puts_(o, ", \"duration\": ");
  /* duration and cpu_time need the sum of times, known only at the end: the
   * times come from a fixed table, so sum them in a first pass */
  uint64_t tstate = rng_state;
  for (uint64_t i = 0; i < n; i++)
    total += p->times[(i * 2654435761u + tstate) % NTIMES];
  put_double(o, total + 0.00031);
  puts_(o, ", \"min_interval\": 0.001, \"max_interval\": 0.001, "
           "\"sample_count\": ");
  put_uint(o, n);
  puts_(o, ", \"start_call_stack\": [");
  for (uint32_t i = 0; i < START_DEPTH; i++) {
    struct slot s = {.func = i, .line = start_lines[i]};
    if (i)
      puts_(o, ", ");
    if (i == 0) {
      put(o, "\"", 1);
      puts_(o, p->f[0].ident);
      put(o, "\"", 1);
    } else
      frame_out(o, p, &s);
  }
  puts_(o, "], \"target_description\": \"Program: shop/main.py --batch "
           "nightly\", \"cpu_time\": ");
  put_double(o, total * 0.93);
  puts_(o, ", \"sys_path\": [\"\", \"/srv/app\", "
           "\"/usr/lib/python311.zip\", \"/usr/lib/python3.11\", "
           "\"/usr/lib/python3.11/lib-dynload\", "
           "\"/srv/app/venv/lib/python3.11/site-packages\"], "
           "\"sys_prefixes\": [\"/srv/app/venv\", \"/usr\", "
           "\"/srv/app/venv\", \"/usr\"], \"frame_records\": [");

  static struct slot st[MAX_DEPTH + 1];
  uint32_t depth = 0, target = 20, phase_left = 0;
  uint64_t *seeds = calloc(nphases ? nphases : 1, sizeof *seeds);
  if (!seeds)
    die("out of memory", "gensession");
  for (uint32_t i = 0; i < PREFIX; i++)
    push(p, st, &depth, i);
  for (uint32_t i = 0; i + 1 < PREFIX; i++)
    st[i].line = i < START_DEPTH ? start_lines[i] : p->f[i].first_line + 9;
  for (uint64_t i = 0; i < n; i++) {
    if (phase_left == 0) {
      uint32_t k = nphases ? noise_below(nphases) : 0;
      if (!nphases || !seeds[k])
        seeds[k] = next(&noise_state) | 1;
      rng_state = seeds[k];
      depth = PREFIX; /* back in the program's main loop */
      target = phase_target();
      phase_left = 50 + below(400);
    }
    phase_left--;
    step(p, st, &depth, target);
    puts_(o, i ? ", [[" : "[[");
    put(o, "\"", 1);
    puts_(o, p->f[0].ident);
    put(o, "\"", 1);
    for (uint32_t d = 1; d < depth; d++) {
      put(o, ", ", 2);
      frame_out(o, p, &st[d]);
    }
    puts_(o, "], ");
    put_double(o, p->times[(i * 2654435761u + tstate) % NTIMES]);
    put(o, "]", 1);
  }
  put(o, "]}", 2);
  free(seeds);
}

/* A session of 'n' identical samples, each a 'depth'-deep recursion: for
 * the deep-stack tests, where the depth itself is the point. */
static void write_deep(struct out *o, uint64_t n, uint64_t depth) {
  puts_(o, "{\"start_time\": 1700000000.0, \"duration\": 1.0, "
           "\"min_interval\": 0.001, \"max_interval\": 0.001, "
           "\"sample_count\": ");
  put_uint(o, n);
  puts_(o, ", \"start_call_stack\": [\"MainThread" NUL "<thread>" NUL
           "1\"], \"target_description\": \"Program: deep.py\", "
           "\"cpu_time\": 1.0, \"sys_path\": [\"/app\"], \"sys_prefixes\": "
           "[\"/usr\"], \"frame_records\": [");
  for (uint64_t i = 0; i < n; i++) {
    puts_(o, i ? ", [[\"MainThread" NUL "<thread>" NUL "1\""
               : "[[\"MainThread" NUL "<thread>" NUL "1\"");
    for (uint64_t d = 1; d < depth; d++)
      puts_(o, ", \"descend" NUL "/app/deep.py" NUL "7\\u0001l9\"");
    puts_(o, "], 0.001]");
  }
  put(o, "]}", 2);
}

static uint64_t parse_count(const char *s) {
  char *end;
  double v = strtod(s, &end);
  if (end == s || v < 0)
    die("not a count", s);
  if (*end == 'k' || *end == 'K')
    v *= 1e3, end++;
  else if (*end == 'm' || *end == 'M')
    v *= 1e6, end++;
  if (*end)
    die("not a count (use e.g. 10k, 1M)", s);
  return (uint64_t)v;
}

static void usage(int rc) {
  fputs("usage: gensession [-n SAMPLES] [-s SEED] [-r WALK_SEED] [-t START]\n"
        "                  [-f FUNCTIONS] [-P PHASES] [-D DEPTH] [-o FILE]\n"
        "                  [-z FILE.gz] [-l GZIP_LEVEL]\n"
        "Writes a synthetic .pyisession (default 10k samples to stdout).\n"
        "-s picks the program, -r the run through it (default: from -s).\n"
        "-P: distinct phases the run repeats (default 1500; 0: all new).\n"
        "-z writes a gzip copy in the same pass; -o - is stdout.\n"
        "-D writes SAMPLES samples of one DEPTH-deep recursive stack.\n",
        rc ? stderr : stdout);
  exit(rc);
}

int main(int argc, char **argv) {
  uint64_t n = 10000, seed = 1, walk_seed = 0, nfuncs = 5000, deep = 0;
  uint64_t nphases = 1500;
  double start_time = 1700000000.25;
  int level = 6, c;
  static struct out o;
  o.plain_name = "-";
  while ((c = getopt(argc, argv, "n:s:r:t:f:P:D:o:z:l:h")) != -1) {
    switch (c) {
    case 'n': n = parse_count(optarg); break;
    case 's': seed = strtoull(optarg, NULL, 10); break;
    case 'r': walk_seed = strtoull(optarg, NULL, 10); break;
    case 't': start_time = strtod(optarg, NULL); break;
    case 'P': nphases = parse_count(optarg); break;
    case 'f': nfuncs = parse_count(optarg); break;
    case 'D': deep = parse_count(optarg); break;
    case 'o': o.plain_name = optarg; break;
    case 'z': o.gz_name = optarg; break;
    case 'l': level = atoi(optarg); break;
    case 'h': usage(0); break;
    default: usage(2);
    }
  }
  if (optind != argc || nfuncs < 10 || nfuncs > 10000000 || level < 0 ||
      level > 9 || nphases > 10000000)
    usage(2);
  if (strcmp(o.plain_name, "-") == 0)
    o.plain = o.gz_name ? NULL : stdout;
  else if (!(o.plain = fopen(o.plain_name, "wb")))
    die(strerror(errno), o.plain_name);
  if (o.gz_name) {
    if (!(o.gz = fopen(o.gz_name, "wb")))
      die(strerror(errno), o.gz_name);
    if (deflateInit2(&o.zs, level, Z_DEFLATED, 15 + 16, 8,
                     Z_DEFAULT_STRATEGY) != Z_OK)
      die("deflateInit2 failed", o.gz_name);
  }
  rng_state = seed * 0x2545f4914f6cdd1dull + 1;
  if (deep) {
    write_deep(&o, n ? n : 1, deep);
  } else {
    static struct program p;
    build_program(&p, (uint32_t)nfuncs);
    noise_state = (walk_seed ? walk_seed : seed) * 0x9e3779b97f4a7c15ull + 7;
    write_session(&o, &p, n, start_time, (uint32_t)nphases);
  }
  flush_out(&o);
  if (o.gz) {
    deflate_chunk(&o, "", 0, Z_FINISH);
    deflateEnd(&o.zs);
    if (fclose(o.gz) != 0)
      die(strerror(errno), o.gz_name);
  }
  if (o.plain && (ferror(o.plain) || fclose(o.plain) != 0))
    die(strerror(errno), o.plain_name);
  return 0;
}

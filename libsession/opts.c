/* opts.c - the options map (opts.h, and pyi_opts_* in pyisession.h). */
#include "opts.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "error.h"

pyi_opts *pyi_opts_new(void) {
  pyi_opts *o = pyi_xmalloc(sizeof *o);
  o->root = cJSON_CreateObject();
  return o;
}

void pyi_opts_free(pyi_opts *o) {
  if (!o)
    return;
  cJSON_Delete(o->root);
  free(o);
}

pyi_opts *pyi_opts_copy(const pyi_opts *src) {
  pyi_opts *o = pyi_xmalloc(sizeof *o);
  o->root = src ? cJSON_Duplicate(src->root, 1) : cJSON_CreateObject();
  return o;
}

/* Walks all but the last component of 'keypath'; returns the container and
 * the last component (in 'last', a copy the caller frees). */
static cJSON *walk(pyi_opts *o, const char *keypath, char **last, pyi_error *err) {
  cJSON *cur = o->root;
  const char *p = keypath;
  for (;;) {
    const char *dot = strchr(p, '.');
    if (!dot) {
      *last = pyi_xstrdup(p);
      return cur;
    }
    char *key = pyi_xstrndup(p, (size_t)(dot - p));
    cJSON *next = NULL;
    if (cJSON_IsObject(cur))
      next = cJSON_GetObjectItemCaseSensitive(cur, key);
    else if (cJSON_IsArray(cur)) {
      char *end;
      long idx = strtol(key, &end, 10);
      if (*key && !*end)
        next = cJSON_GetArrayItem(cur, (int)(idx < 0 ? cJSON_GetArraySize(cur) + idx : idx));
    }
    if (!next || !(cJSON_IsObject(next) || cJSON_IsArray(next))) {
      pyi_fail(err, PYI_EARG, "render option '%s': '%s' is not %s", keypath, key,
               next ? "an object" : "set");
      free(key);
      return NULL;
    }
    free(key);
    cur = next;
    p = dot + 1;
  }
}

static int put(pyi_opts *o, const char *keypath, cJSON *v, pyi_error *err) {
  char *last = NULL;
  cJSON *c = walk(o, keypath, &last, err);
  int rc = -1;
  if (!c)
    cJSON_Delete(v);
  else if (cJSON_IsObject(c)) {
    if (cJSON_GetObjectItemCaseSensitive(c, last))
      cJSON_ReplaceItemInObjectCaseSensitive(c, last, v);
    else
      cJSON_AddItemToObject(c, last, v);
    rc = 0;
  } else {
    char *end;
    long idx = strtol(last, &end, 10);
    int n = cJSON_GetArraySize(c);
    if (idx < 0)
      idx += n;
    if (!*last || *end || idx < 0 || idx >= n) {
      pyi_fail(err, PYI_EARG, "render option '%s': no item '%s'", keypath, last);
      cJSON_Delete(v);
    } else {
      cJSON_ReplaceItemInArray(c, (int)idx, v);
      rc = 0;
    }
  }
  free(last);
  return rc;
}

/* Python's json.loads also reads these */
static cJSON *parse_special(const char *s) {
  while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
    s++;
  size_t n = strlen(s);
  while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
    n--;
  if (n == 3 && !memcmp(s, "NaN", 3))
    return cJSON_CreateNumber(NAN);
  if (n == 8 && !memcmp(s, "Infinity", 8))
    return cJSON_CreateNumber(INFINITY);
  if (n == 9 && !memcmp(s, "-Infinity", 9))
    return cJSON_CreateNumber(-INFINITY);
  return NULL;
}

int pyi_opts_set(pyi_opts *o, const char *keypath, const char *value, pyi_error *err) {
  cJSON *v = parse_special(value);
  if (!v) {
    const char *end = NULL;
    v = cJSON_ParseWithOpts(value, &end, 1);
  }
  if (!v)
    v = cJSON_CreateString(value);
  return put(o, keypath, v, err);
}

int pyi_opts_set_json(pyi_opts *o, const char *keypath, const char *json, pyi_error *err) {
  cJSON *v = parse_special(json);
  if (!v)
    v = cJSON_Parse(json);
  if (!v)
    return pyi_fail(err, PYI_EARG, "render option '%s': not JSON", keypath);
  return put(o, keypath, v, err);
}

int pyi_opts_set_bool(pyi_opts *o, const char *keypath, bool v, pyi_error *err) {
  return put(o, keypath, cJSON_CreateBool(v), err);
}

int pyi_opts_set_number(pyi_opts *o, const char *keypath, double v, pyi_error *err) {
  return put(o, keypath, cJSON_CreateNumber(v), err);
}

int pyi_opts_set_string(pyi_opts *o, const char *keypath, const char *v, pyi_error *err) {
  return put(o, keypath, v ? cJSON_CreateString(v) : cJSON_CreateNull(), err);
}

bool pyi_opts_has(const pyi_opts *o, const char *name) {
  return o && cJSON_GetObjectItemCaseSensitive(o->root, name) != NULL;
}

const cJSON *pyi_opt(const pyi_opts *o, const char *name) {
  return o ? cJSON_GetObjectItemCaseSensitive(o->root, name) : NULL;
}

static bool truthy(const cJSON *v) {
  if (!v || cJSON_IsNull(v) || cJSON_IsFalse(v))
    return false;
  if (cJSON_IsNumber(v))
    return v->valuedouble != 0; /* NaN is true, as in Python */
  if (cJSON_IsString(v))
    return v->valuestring[0] != 0;
  if (cJSON_IsArray(v) || cJSON_IsObject(v))
    return v->child != NULL;
  return true;
}

bool pyi_opt_bool(const pyi_opts *o, const char *name, bool dflt) {
  const cJSON *v = pyi_opt(o, name);
  return v ? truthy(v) : dflt;
}

const char *pyi_opt_string(const pyi_opts *o, const char *name) {
  const cJSON *v = pyi_opt(o, name);
  return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Reads the processor options held by the object 'po' (NULL or null:
 * the defaults). */
static int proc_opts_of(const cJSON *po, pyi_proc_opts *p, pyi_error *err) {
  p->filter_threshold = 0.01;
  p->hide_regex = p->show_regex = NULL;
  if (!po || cJSON_IsNull(po))
    return 0;
  if (!cJSON_IsObject(po))
    return pyi_fail(err, PYI_EARG, "render option 'processor_options' must be an object");
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(po, "filter_threshold");
  if (v && !cJSON_IsNull(v)) {
    if (cJSON_IsBool(v))
      p->filter_threshold = cJSON_IsTrue(v);
    else if (!cJSON_IsNumber(v))
      return pyi_fail(err, PYI_EARG, "processor option 'filter_threshold' must be a number");
    else
      p->filter_threshold = v->valuedouble;
  }
  static const char *const names[] = {"hide_regex", "show_regex"};
  const char **dst[] = {&p->hide_regex, &p->show_regex};
  for (int i = 0; i < 2; i++) {
    v = cJSON_GetObjectItemCaseSensitive(po, names[i]);
    if (!v || cJSON_IsNull(v))
      continue;
    if (!cJSON_IsString(v))
      return pyi_fail(err, PYI_EARG, "processor option '%s' must be a string", names[i]);
    *dst[i] = v->valuestring;
  }
  return 0;
}

int pyi_opt_proc(const pyi_opts *o, pyi_proc_opts *p, pyi_error *err) {
  return proc_opts_of(pyi_opt(o, "processor_options"), p, err);
}

int pyi_opt_proc_map(const pyi_opts *o, pyi_proc_opts *p, pyi_error *err) {
  return proc_opts_of(o ? o->root : NULL, p, err);
}

int pyi_opts_only(const pyi_opts *o, const char *const *allowed, const char *renderer,
                  pyi_error *err) {
  if (!o)
    return 0;
  for (const cJSON *c = o->root->child; c; c = c->next) {
    bool ok = false;
    for (const char *const *a = allowed; *a && !ok; a++)
      ok = strcmp(*a, c->string) == 0;
    if (!ok)
      return pyi_fail(err, PYI_EARG, "the %s renderer has no option '%s'", renderer,
                      c->string);
  }
  return 0;
}

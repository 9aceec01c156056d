/* awaits.c - how the timer sampler follows async contexts.
 *
 * The hook sees every return and so the moment a context is left, with
 * the coroutines that suspended on the way out. The timer sees samples
 * only. In context it keeps the stack and the asyncio task then running;
 * out of it, the task's coroutines are read from the task (suspended, so
 * they stand still), below the frames that ran the task. Without a task,
 * the context was left where the kept stack and the present one part.
 */
#include "sampler.h"

#include <string.h>

/* Longer chains of awaiting coroutines are cut (a sample's depth limit). */
#define CAPTURE_MAX_AWAITS 8192

/* The asyncio task running now (new reference) or NULL. Only asyncio's C
 * parts are used (the running loop, its task table), so no Python code
 * runs; errors are cleared. */
static PyObject *current_task(void) {
  static PyObject *name, *get_loop, *current, *tasks;
  if (!get_loop) {
    if (!name && !(name = PyUnicode_InternFromString("_asyncio")))
      goto none;
    PyObject *m = PyImport_GetModule(name); /* imported by asyncio, if */
    if (!m)
      goto none;
    PyObject *g = PyObject_GetAttrString(m, "_get_running_loop");
    PyErr_Clear();
    PyObject *c = PyObject_GetAttrString(m, "current_task"); /* 3.12 */
    PyErr_Clear();
    PyObject *t = c ? NULL : PyObject_GetAttrString(m, "_current_tasks");
    PyErr_Clear();
    Py_DECREF(m);
    if (g && PyCFunction_Check(g) &&
        ((c && PyCFunction_Check(c)) || (t && PyDict_Check(t)))) {
      get_loop = g; /* kept for the life of the process */
      current = c;
      tasks = t;
    } else {
      Py_XDECREF(g);
      Py_XDECREF(c);
      Py_XDECREF(t);
      goto none;
    }
  }
  PyObject *loop = PyObject_CallNoArgs(get_loop), *task = NULL;
  if (loop && loop != Py_None) {
    if (current)
      task = PyObject_CallOneArg(current, loop);
    else if (Py_TYPE(loop)->tp_hash == PyBaseObject_Type.tp_hash)
      Py_XINCREF(task = PyDict_GetItemWithError(tasks, loop)); /* (3.11) */
  }
  Py_XDECREF(loop);
  if (task && task != Py_None)
    return task;
  Py_XDECREF(task);
none:
  PyErr_Clear();
  return NULL;
}

/* Notes in 't' the task running now and how much of the present sample
 * (s->stack, s->keys) lies below its coroutine; 'copy' keeps those ids. */
static int note_task(SamplerObject *s, capture_task *t, bool copy) {
  PyObject *task = current_task();
  if (t->task && t->task != task) { /* let go of after the sample */
    if ((!s->retired && !(s->retired = PyList_New(0))) ||
        PyList_Append(s->retired, t->task)) {
      Py_XDECREF(task);
      return -1;
    }
  }
  Py_XSETREF(t->task, task); /* not its last reference: see above */
  t->n_below = 0;
  PyObject *coro = t->task ? PyObject_GetAttr(t->task, capture_str.coro)
                           : NULL;
  uintptr_t key = coro && PyCoro_CheckExact(coro)
                      ? capture_frames_coro_key(coro)
                      : 0;
  Py_XDECREF(coro);
  PyErr_Clear();
  for (size_t j = 0; key && j < s->n_keys; j++)
    if (s->keys[j] == key) { /* the root, then the frames outside it */
      t->n_below = s->n_keys - j;
      break;
    }
  if (copy && t->n_below) {
    if (capture_grow((void **)&t->below, &t->cap_below, t->n_below,
                     sizeof *t->below))
      return -1;
    memcpy(t->below, s->stack, t->n_below * sizeof *t->below);
  }
  return 0;
}

/* Keeps the present sample (s->stack, 'depth' ids; s->keys) as the last
 * one in the context of 'sub'; 'start' when the profiler starts here. */
int capture_keep_in_context(SamplerObject *s, capture_sub *sub, size_t depth,
                           bool start) {
  if (capture_grow((void **)&sub->seen, &sub->cap_seen, depth,
                   sizeof *sub->seen) ||
      capture_grow((void **)&sub->seen_keys, &sub->cap_seen_keys, s->n_keys,
                   sizeof *sub->seen_keys))
    return -1;
  memcpy(sub->seen, s->stack, depth * sizeof *sub->seen);
  memcpy(sub->seen_keys, s->keys, s->n_keys * sizeof *sub->seen_keys);
  sub->n_seen = depth;
  sub->n_seen_keys = s->n_keys;
  return note_task(s, &sub->last, false) ||
         (start && note_task(s, &sub->first, true));
}

/* Sets sub->info to the ids 'below' the coroutine of task 't', then the
 * coroutines it waits in, outermost first: those the hook sees return at
 * the await. Returns how many coroutines (0: 't' is not suspended in
 * one), or -1 with an exception set. */
static Py_ssize_t push_awaits(SamplerObject *s, capture_sub *sub,
                              const capture_task *t, const uint32_t *below) {
  if (!t->task || !t->n_below)
    return 0;
  PyObject *obj = PyObject_GetAttr(t->task, capture_str.coro);
  size_t n = t->n_below, added = 0;
  while (obj && PyCoro_CheckExact(obj) && added < CAPTURE_MAX_AWAITS) {
    PyObject *flag = PyObject_GetAttr(obj, capture_str.cr_suspended);
    PyObject *frame = flag == Py_True
                          ? PyObject_GetAttr(obj, capture_str.cr_frame)
                          : NULL;
    Py_XDECREF(flag);
    uint32_t id = frame && PyFrame_Check(frame)
                      ? capture_frames_python(s->frames, (PyFrameObject *)frame)
                      : 0;
    Py_XDECREF(frame);
    if (!id)
      break;
    if (capture_grow((void **)&sub->info, &sub->cap_info, n + added + 1,
                     sizeof *sub->info)) {
      Py_DECREF(obj);
      return -1;
    }
    sub->info[n + added++] = id;
    PyObject *next = PyObject_GetAttr(obj, capture_str.cr_await);
    Py_DECREF(obj);
    obj = next;
  }
  Py_XDECREF(obj);
  PyErr_Clear();
  if (added) {
    memcpy(sub->info, below, n * sizeof *sub->info);
    sub->n_info = n + added;
  }
  return (Py_ssize_t)added;
}

void capture_release_retired(SamplerObject *s) {
  PyObject *list = s->retired;
  s->retired = NULL; /* what the release runs may retire more */
  Py_XDECREF(list);
}

int capture_read_keys(SamplerObject *s) {
  Py_ssize_t n = capture_frames_running_keys(&s->keys, &s->cap_keys);
  if (n < 0)
    return -1;
  s->n_keys = (size_t)n;
  return 0;
}

/* Sets the state and info of each async subscriber for a timer sample
 * whose stack (root first, 'depth' ids) is in s->stack. */
int capture_timer_follow_async(SamplerObject *s, size_t depth) {
  PyObject *value;
  if (PyContextVar_Get(capture_str.context_var, NULL, &value) < 0)
    return -1;
  Py_XDECREF(value); /* compared only: a subscribed profiler is alive */
  if (capture_read_keys(s))
    return -1;
  for (size_t i = 0; i < s->n_subs; i++) {
    capture_sub *sub = &s->subs[i];
    if (sub->async_mode == CAPTURE_ASYNC_DISABLED)
      continue;
    if (value == sub->profiler) {
      sub->state = SUB_IN_CONTEXT;
      if (capture_keep_in_context(s, sub, depth, false))
        return -1;
      continue;
    }
    /* the last task seen in context, else the one that started it */
    Py_ssize_t awaits = push_awaits(s, sub, &sub->last, sub->seen);
    if (awaits == 0 && sub->first.task != sub->last.task)
      awaits = push_awaits(s, sub, &sub->first, sub->first.below);
    if (awaits < 0)
      return -1;
    if (awaits == 0) { /* no suspended task: where the two stacks part */
      size_t common = 0; /* frames, from the outermost (keys: leaf first) */
      while (common < sub->n_seen_keys && common < s->n_keys &&
             sub->seen_keys[sub->n_seen_keys - 1 - common] ==
                 s->keys[s->n_keys - 1 - common])
        common++;
      size_t n = common + 1 < sub->n_seen ? common + 1 : sub->n_seen;
      if (capture_grow((void **)&sub->info, &sub->cap_info, n + 1,
                       sizeof *sub->info))
        return -1;
      memcpy(sub->info, sub->seen, n * sizeof *sub->info);
      sub->n_info = n;
    }
    sub->state = awaits ? SUB_AWAITED : SUB_UNKNOWN;
  }
  return 0;
}

/* iframe.h - CPython's internal frames, for the files that read running
 * frames without making frame objects (frames.c, bytecode.c, timer.c,
 * threads.c). Only with CAPTURE_INTERNAL_FRAMES (capture.h). The layout
 * differs from version to version; the differences are the macros below,
 * and bytecode.c has those of the instruction set.
 */
#ifndef CAPTURE_IFRAME_H
#define CAPTURE_IFRAME_H

#include "capture.h"

#if CAPTURE_INTERNAL_FRAMES
#define Py_BUILD_CORE 1
#undef _PyGC_FINALIZED /* Python.h's public spelling; the core one follows */
#include <internal/pycore_frame.h>
#include <internal/pycore_interp.h>
#include <internal/pycore_runtime.h>
#include <opcode.h>
#undef Py_BUILD_CORE

/* ---- version shims ------------------------------------------------------
 * IFRAME_CODE(f)   the code object a frame runs
 * IFRAME_INSTR(f)  the instruction it runs (3.11 and 3.12 keep the unit
 *                  before the next one, which is the running instruction
 *                  while it runs; 3.13 the running one)
 * TSTATE_FRAME(t)  the top frame of a thread (maybe not started yet)
 * IFRAME_FROM_C(f) whether C code called or resumed the frame (3.11 marks
 *                  it; later versions put an entry frame of the C stack
 *                  below it)
 * GIL_LOCKED(i)    whether some thread holds interpreter i's GIL
 * GIL_HOLDER(i)    the thread that holds it or held it last */
#if PY_VERSION_HEX >= 0x030D0000
#define IFRAME_CODE(f) ((PyCodeObject *)(f)->f_executable)
#define IFRAME_INSTR(f) ((f)->instr_ptr)
#define TSTATE_FRAME(t) ((t)->current_frame)
#define IFRAME_FROM_C(f)                                                       \
  ((f)->previous && (f)->previous->owner == FRAME_OWNED_BY_CSTACK)
#define GIL_LOCKED(i) _Py_atomic_load_int_relaxed(&(i)->ceval.gil->locked)
#define GIL_HOLDER(i)                                                          \
  ((PyThreadState *)_Py_atomic_load_ptr_relaxed(&(i)->ceval.gil->last_holder))
#elif PY_VERSION_HEX >= 0x030C0000 /* one GIL per interpreter */
#define IFRAME_CODE(f) ((f)->f_code)
#define IFRAME_INSTR(f) ((f)->prev_instr)
#define TSTATE_FRAME(t) ((t)->cframe ? (t)->cframe->current_frame : NULL)
#define IFRAME_FROM_C(f)                                                       \
  ((f)->previous && (f)->previous->owner == FRAME_OWNED_BY_CSTACK)
#define GIL_LOCKED(i) _Py_atomic_load_relaxed(&(i)->ceval.gil->locked)
#define GIL_HOLDER(i)                                                          \
  ((PyThreadState *)_Py_atomic_load_relaxed(&(i)->ceval.gil->last_holder))
#else
#define IFRAME_CODE(f) ((f)->f_code)
#define IFRAME_INSTR(f) ((f)->prev_instr)
#define TSTATE_FRAME(t) ((t)->cframe ? (t)->cframe->current_frame : NULL)
#define IFRAME_FROM_C(f) ((f)->is_entry)
#define GIL_LOCKED(i) _Py_atomic_load_relaxed(&_PyRuntime.ceval.gil.locked)
#define GIL_HOLDER(i)                                                          \
  ((PyThreadState *)_Py_atomic_load_relaxed(&_PyRuntime.ceval.gil.last_holder))
#endif

/* The index of the running instruction's first code unit. */
static inline Py_ssize_t iframe_index(_PyInterpreterFrame *f) {
  return IFRAME_INSTR(f) - _PyCode_CODE(IFRAME_CODE(f));
}

/* The top frame of thread 't' that has started running, or NULL. */
static inline _PyInterpreterFrame *iframe_top(PyThreadState *t) {
  _PyInterpreterFrame *f = TSTATE_FRAME(t);
  while (f && _PyFrame_IsIncomplete(f))
    f = f->previous;
  return f;
}

/* The caller of an interpreter frame, skipping frames still being set up
 * and the C stack's entry frames (as PyFrame_GetBack does). */
static inline _PyInterpreterFrame *iframe_back(_PyInterpreterFrame *f) {
  for (f = f->previous; f && _PyFrame_IsIncomplete(f); f = f->previous)
    ;
  return f;
}

/* ---- bytecode.c: what a stopped frame is calling ------------------------ */

/* What one code object's bytecode says about its value stack: the depth
 * before each instruction, and the code without specialisations. */
typedef struct capture_stackmap capture_stackmap;

/* The map of 'code', or NULL when its bytecode is not understood or
 * memory runs out; no exception is set. */
capture_stackmap *capture_stackmap_new(PyCodeObject *code);
void capture_stackmap_free(capture_stackmap *m);
/* The instruction (without specialisation) at code unit 'i', or -1; its
 * argument (without EXTENDED_ARG) in *arg. */
int capture_stackmap_op(const capture_stackmap *m, Py_ssize_t i, int *arg);
/* The callable that frame 'f', stopped inside a call instruction (waiting
 * without the GIL, or at the check just after it), is calling. New
 * reference or NULL (no error set). */
PyObject *capture_stackmap_called(const capture_stackmap *m,
                                  _PyInterpreterFrame *f);
/* The callable of the call instruction frame 'f' stands at, found again
 * from the instructions that loaded it, for a frame at the check after
 * the call (whose callable's slot is stale). New reference or NULL. */
PyObject *capture_stackmap_returned(const capture_stackmap *m,
                                    _PyInterpreterFrame *f);
#else
#define GIL_LOCKED(i) 1 /* unknown: the timer sampler does not look */
#endif

#endif

/* floatfmt.c - repr() of doubles (floatfmt.h). The shortest digit string
 * that reads back to the same double is found by binary search over the
 * precision of %e (round-tripping is monotonic in the digit count). */
#include "floatfmt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t pyi_float_repr(double v, char *out) {
  if (isnan(v))
    return (size_t)sprintf(out, "NaN");
  if (isinf(v))
    return (size_t)sprintf(out, v > 0 ? "Infinity" : "-Infinity");
  if (v == 0)
    return (size_t)sprintf(out, signbit(v) ? "-0.0" : "0.0");
  char tmp[40];
  int lo = 1, hi = 17; /* 17 significant digits always round-trip */
  while (lo < hi) {
    int mid = (lo + hi) / 2;
    snprintf(tmp, sizeof tmp, "%.*e", mid - 1, v);
    if (strtod(tmp, NULL) == v)
      hi = mid;
    else
      lo = mid + 1;
  }
  snprintf(tmp, sizeof tmp, "%.*e", hi - 1, v);
  /* tmp is [-]d[.ddd]e[+-]XX: collect digits and exponent */
  char digits[20];
  int nd = 0;
  const char *p = tmp;
  bool neg = *p == '-';
  if (neg)
    p++;
  for (; *p && *p != 'e'; p++)
    if (*p != '.')
      digits[nd++] = *p;
  while (nd > 1 && digits[nd - 1] == '0')
    nd--;
  int exp10 = atoi(p + 1); /* value = d.ddd * 10^exp10 */
  int e = exp10 + 1;       /* value = 0.dddd * 10^e */
  char *o = out;
  if (neg)
    *o++ = '-';
  if (-4 < e && e <= 16) {
    if (e <= 0) {
      *o++ = '0';
      *o++ = '.';
      for (int i = 0; i < -e; i++)
        *o++ = '0';
      memcpy(o, digits, (size_t)nd);
      o += nd;
    } else {
      for (int i = 0; i < e; i++)
        *o++ = i < nd ? digits[i] : '0';
      *o++ = '.';
      if (nd > e) {
        memcpy(o, digits + e, (size_t)(nd - e));
        o += nd - e;
      } else
        *o++ = '0';
    }
  } else {
    *o++ = digits[0];
    if (nd > 1) {
      *o++ = '.';
      memcpy(o, digits + 1, (size_t)(nd - 1));
      o += nd - 1;
    }
    o += sprintf(o, "e%c%02d", exp10 < 0 ? '-' : '+', abs(exp10));
  }
  *o = 0;
  return (size_t)(o - out);
}

size_t pyi_num_repr(double v, bool is_int, char *out) {
  if (is_int && isfinite(v))
    return (size_t)sprintf(out, "%.0f", v);
  return pyi_float_repr(v, out);
}

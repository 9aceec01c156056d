/* replay.c - runs a fuzz target over files, for `make check`: the inputs
 * that once found bugs (tests/fuzz/regress/) keep being tried in every
 * build, sanitizers and valgrind included, without libFuzzer. File names
 * come from the arguments or, with none, one per line from stdin. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    perror(path);
    return 1;
  }
  size_t cap = 1 << 16, len = 0, got;
  uint8_t *buf = malloc(cap);
  while (buf && (got = fread(buf + len, 1, cap - len, f)) > 0) {
    len += got;
    if (len == cap)
      buf = realloc(buf, cap *= 2);
  }
  if (!buf || ferror(f)) {
    perror(path);
    fclose(f);
    free(buf);
    return 1;
  }
  fclose(f);
  fprintf(stderr, "replay: %s\n", path); /* names the culprit of a crash */
  LLVMFuzzerTestOneInput(buf, len);
  free(buf);
  return 0;
}

int main(int argc, char **argv) {
  int rc = 0;
  char line[4096];
  for (int i = 1; i < argc; i++)
    rc |= replay(argv[i]);
  if (argc == 1)
    while (fgets(line, sizeof line, stdin)) {
      line[strcspn(line, "\n")] = '\0';
      if (line[0])
        rc |= replay(line);
    }
  return rc;
}

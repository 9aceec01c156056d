#!/bin/sh
# output.sh - how the tools write their -o file (README, "Output files"):
# through symlinks; directly into devices, FIFOs and /dev/fd links; keeping
# the replaced file's mode, owner and hard links; refusing what > would
# refuse; in place where no temporary file can be made beside the target;
# no temporary file left after SIGINT, SIGTERM or SIGHUP; names of up to
# 255 bytes; one-line messages that name the path and the reason.
# pyi-render, pyi-combine and pyi-diff share the library's output sink;
# each is tried on the main cases.
. "$(dirname "$0")/setup.sh"
EX="$DATA/good/ex.pyisession"
SHIM=$top_builddir/tests/.libs/inject_errors.so
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0
export ASAN_OPTIONS
for prog in pyi-render pyi-combine pyi-diff bench/gensession; do
  [ -x "$top_builddir/$prog" ] || {
    echo "output: $top_builddir/$prog is not built" >&2
    exit 1
  }
done
[ -f "$SHIM" ] || {
  echo "output: $SHIM is not built" >&2
  exit 1
}
"$top_builddir/bench/gensession" -n 3000 -s 7 -o "$tmp/big.pyisession"

LD_LIBRARY_PATH="$top_builddir/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export LD_LIBRARY_PATH

# produce TOOL FILE: TOOL's output for the usual inputs, written to FILE
# (under valgrind when enabled, but not with the shim preloaded: $run).
run=tool
native() {
  _t=$1
  shift
  "$top_builddir/.libs/$_t" "$@"
}
produce() {
  case $1 in
  pyi-render) $run pyi-render -o "$2" "$EX" ;;
  pyi-combine) $run pyi-combine -o "$2" "$EX" "$EX" ;;
  pyi-diff) $run pyi-diff -r text -o "$2" "$EX" "$tmp/big.pyisession" ;;
  esac
}
# reference outputs, written to plain new files
for t in pyi-render pyi-combine pyi-diff; do
  produce $t "$tmp/ref.$t" 2>"$tmp/err" || fail "$t: $(cat "$tmp/err")"
done

inode() { stat -c %i "$1"; }
perms() { stat -c %a "$1"; }
owner() { stat -c %u:%g "$1"; }

for t in pyi-render pyi-combine pyi-diff; do
  d=$tmp/$t
  mkdir -p "$d/sub"
  ref=$tmp/ref.$t

  # a symlink is written through: the link stays, its target changes
  echo old >"$d/target"
  ln -s target "$d/link"
  ln -s ../link "$d/sub/link2" # two hops, relative to each link's folder
  produce $t "$d/sub/link2" 2>"$tmp/err" && pass || fail "$t -o symlink: $(cat "$tmp/err")"
  [ -L "$d/link" ] && [ -L "$d/sub/link2" ] && pass || fail "$t: a symlink was replaced"
  cmp -s "$ref" "$d/target" && pass || fail "$t: the symlink's target was not written"
  [ -z "$(ls -A "$d/sub" | grep -v '^link2$')" ] && pass || fail "$t: files left: $(ls -A "$d/sub")"
  # a dangling symlink: its target is created, as > creates it
  ln -s made-by-link "$d/dangling"
  produce $t "$d/dangling" 2>"$tmp/err" && [ -L "$d/dangling" ] &&
    cmp -s "$ref" "$d/made-by-link" && pass || fail "$t: dangling symlink: $(cat "$tmp/err")"

  # the replaced file keeps its mode (600 stays private) and hard links
  echo old >"$d/private"
  chmod 600 "$d/private"
  produce $t "$d/private" && [ "$(perms "$d/private")" = 600 ] && pass ||
    fail "$t: mode 600 became $(perms "$d/private")"
  chmod 640 "$d/private"
  produce $t "$d/private" && [ "$(perms "$d/private")" = 640 ] && pass ||
    fail "$t: mode 640 became $(perms "$d/private")"
  echo old >"$d/linked"
  ln "$d/linked" "$d/sub/other-name"
  before=$(inode "$d/linked")
  produce $t "$d/linked" 2>"$tmp/err" || fail "$t: hard link: $(cat "$tmp/err")"
  [ "$(inode "$d/linked")" = "$before" ] && [ "$(inode "$d/sub/other-name")" = "$before" ] &&
    cmp -s "$ref" "$d/sub/other-name" && pass || fail "$t: the hard link was split"
  # a longer old file is cut to the new length
  head -c 100000 /dev/zero >"$d/linked"
  produce $t "$d/linked" && cmp -s "$ref" "$d/sub/other-name" && pass ||
    fail "$t: a longer file written in place keeps its old tail"

  # the owner stays (only root can give a file away to try it)
  if [ "$(id -u)" -eq 0 ]; then
    echo old >"$d/owned"
    chown 65534:65534 "$d/owned"
    produce $t "$d/owned" && [ "$(owner "$d/owned")" = 65534:65534 ] &&
      cmp -s "$ref" "$d/owned" && pass || fail "$t: owner became $(owner "$d/owned")"
  fi

  # a read-only file: the tool does what > does (root may write it)
  echo old >"$d/readonly"
  chmod 444 "$d/readonly"
  if (: >>"$d/readonly") 2>/dev/null; then
    produce $t "$d/readonly" 2>"$tmp/err" && cmp -s "$ref" "$d/readonly" &&
      [ "$(perms "$d/readonly")" = 444 ] && pass ||
      fail "$t: > may write a 444 file here, so must the tool (mode kept): $(cat "$tmp/err")"
  else
    set +e
    produce $t "$d/readonly" 2>"$tmp/err"
    rc=$?
    set -e
    [ $rc -eq 1 ] && [ "$(cat "$d/readonly")" = old ] && pass || fail "$t: a 444 file was written"
    one_line_error "$d/readonly: Permission denied"
  fi

  # no temporary file can be made beside the target (a read-only folder,
  # here made so by the shim even for root): an existing file is written
  # in place, a new one cannot be created
  rm -rf "$d/ro" && mkdir "$d/ro"
  echo old >"$d/ro/report"
  before=$(inode "$d/ro/report")
  set +e
  (
    export PYI_INJECT=create PYI_INJECT_PATH="$d/ro/" LD_PRELOAD="$SHIM"
    run=native
    produce $t "$d/ro/report"
  ) 2>"$tmp/err"
  rc=$?
  set -e
  [ $rc -eq 0 ] && cmp -s "$ref" "$d/ro/report" && [ "$(inode "$d/ro/report")" = "$before" ] &&
    [ "$(ls -A "$d/ro")" = report ] && pass ||
    fail "$t: read-only folder, existing file: exit $rc, $(cat "$tmp/err")"
  set +e
  (
    export PYI_INJECT=create PYI_INJECT_PATH="$d/ro/" LD_PRELOAD="$SHIM"
    run=native
    produce $t "$d/ro/new"
  ) 2>"$tmp/err"
  rc=$?
  set -e
  [ $rc -eq 1 ] && [ "$(ls -A "$d/ro")" = report ] && pass || fail "$t: read-only folder, new file: exit $rc"
  one_line_error "$d/ro/new: cannot create: Permission denied"

  # names of 250 to 255 bytes (the temporary name is shortened to fit)
  for n in 250 255; do
    name=$(printf "%${n}s" | tr ' ' r)
    produce $t "$d/$name" 2>"$tmp/err" && cmp -s "$ref" "$d/$name" && pass ||
      fail "$t: a $n-byte name: $(cat "$tmp/err")"
    rm -f "$d/$name"
  done

  # SIGINT, SIGTERM or SIGHUP in the middle of the write (raised by the
  # shim at the first write to the temporary file): the tool dies of the
  # signal, the old file stays, no temporary file is left
  for sig in 2 15 1; do
    rm -rf "$d/sig" && mkdir "$d/sig"
    echo old >"$d/sig/report"
    set +e
    (
      export PYI_INJECT=signal PYI_INJECT_SIGNAL=$sig PYI_INJECT_AFTER=0 \
        PYI_INJECT_PATH="$d/sig/" LD_PRELOAD="$SHIM"
      run=native
      produce $t "$d/sig/report"
    ) 2>/dev/null
    rc=$?
    set -e
    [ $rc -eq $((128 + sig)) ] && pass || fail "$t: signal $sig: exit $rc, expected $((128 + sig))"
    [ "$(cat "$d/sig/report")" = old ] && [ "$(ls -A "$d/sig")" = report ] && pass ||
      fail "$t: signal $sig left: $(ls -A "$d/sig")"
  done
  # an ignored signal stays ignored (nohup): the write completes
  rm -rf "$d/sig" && mkdir "$d/sig"
  set +e
  (
    trap '' HUP
    export PYI_INJECT=signal PYI_INJECT_SIGNAL=1 PYI_INJECT_AFTER=0 \
      PYI_INJECT_PATH="$d/sig/" LD_PRELOAD="$SHIM"
    run=native
    produce $t "$d/sig/report"
  ) 2>"$tmp/err"
  rc=$?
  set -e
  [ $rc -eq 0 ] && cmp -s "$ref" "$d/sig/report" && pass || fail "$t: ignored SIGHUP: exit $rc $(cat "$tmp/err")"

  # messages name the path and the reason
  set +e
  produce $t /dev/full 2>"$tmp/err"
  rc=$?
  set -e
  [ $rc -eq 1 ] && pass || fail "$t -o /dev/full: exit $rc"
  one_line_error "/dev/full: write failed: No space left on device"
  set +e
  produce $t "" 2>"$tmp/err"
  rc=$?
  set -e
  [ $rc -eq 1 ] && pass || fail "$t -o '': exit $rc"
  one_line_error "output file name is empty"
  set +e
  produce $t "$d/no/such/dir/out" 2>"$tmp/err"
  set -e
  one_line_error "$d/no/such/dir/out: cannot create: No such file or directory"
  set +e
  produce $t "$d/sub" 2>"$tmp/err"
  set -e
  one_line_error "$d/sub: Is a directory"
done

# devices, FIFOs and descriptor links are written directly, never replaced
d=$tmp/direct
mkdir "$d"
ref=$tmp/ref.pyi-render
tool pyi-render -o /dev/null "$EX" && pass || fail "-o /dev/null"
[ -c /dev/null ] && pass || fail "/dev/null is no longer a device"
mkfifo "$d/fifo"
cat "$d/fifo" >"$d/from-fifo" &
reader=$!
tool pyi-render -o "$d/fifo" "$EX" && pass || fail "-o FIFO"
wait $reader
[ -p "$d/fifo" ] && cmp -s "$ref" "$d/from-fifo" && pass || fail "the FIFO was replaced or not written"
# a link to our own stdout (what /dev/stdout is) writes to stdout
ln -s /proc/self/fd/1 "$d/to-stdout"
tool pyi-render -o "$d/to-stdout" "$EX" >"$d/captured" && pass || fail "-o link to stdout"
[ -L "$d/to-stdout" ] && cmp -s "$ref" "$d/captured" && pass ||
  fail "a link to /proc/self/fd/1 was replaced or stdout not written"
tool pyi-render -o /dev/fd/1 "$EX" >"$d/captured2" && cmp -s "$ref" "$d/captured2" &&
  pass || fail "-o /dev/fd/1"
# appending to stdout stays appending
echo first >"$d/appended"
tool pyi-render -o /dev/fd/1 "$EX" >>"$d/appended" &&
  [ "$(head -1 "$d/appended")" = first ] && pass || fail "-o /dev/fd/1 truncated an appended stdout"

# as root, also as an ordinary user, who may not write a 444 file (a copy
# of the tool, which the build tree may not let others run)
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
  pub=$tmp/pub
  mkdir -p "$pub/bin"
  chmod 711 "$tmp"
  chmod 777 "$pub"
  cp "$top_builddir/.libs/pyi-render" "$top_builddir"/.libs/libsession.so* "$pub/bin/"
  cp "$EX" "$pub/in.pyisession"
  echo old >"$pub/readonly"
  chmod 444 "$pub/readonly"
  chmod -R a+rX "$pub"
  set +e
  setpriv --reuid=65534 --regid=65534 --clear-groups env LD_LIBRARY_PATH="$pub/bin" \
    "$pub/bin/pyi-render" -o "$pub/readonly" "$pub/in.pyisession" 2>"$tmp/err"
  rc=$?
  set -e
  [ $rc -eq 1 ] && [ "$(cat "$pub/readonly")" = old ] && pass ||
    fail "an ordinary user wrote a 444 file: exit $rc"
  one_line_error "$pub/readonly: Permission denied"
fi

finish

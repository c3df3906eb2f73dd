#!/usr/bin/env bash
# Builds the kernel-side helper of the live conformance tester with the system C compiler.
#
#   tools/conformance-live/build.sh [--out DIR]
#
# DIR defaults to tools/conformance-live/bin (git-ignored). CC (default cc) and CFLAGS (default
# -O2 -Wall -Wextra) are taken from the environment. Prints the directory of the binary.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="$here/bin"
while [ $# -gt 0 ]; do
  case "$1" in
    --out)
      out="${2:?--out needs a directory}"
      shift 2
      ;;
    *)
      echo "build.sh: unknown argument $1" >&2
      exit 2
      ;;
  esac
done
cc="${CC:-cc}"
# shellcheck disable=SC2206 # CFLAGS is a list of words
cflags=(${CFLAGS:--O2 -Wall -Wextra})
mkdir -p "$out"
"$cc" "${cflags[@]}" -o "$out/ftrace_live" "$here/ftrace_live.c"
"$cc" "${cflags[@]}" -o "$out/mmap_live" "$here/mmap_live.c"
# built aside and renamed: a run in progress keeps executing the old binary
"$cc" "${cflags[@]}" -o "$out/perf_live.$$" "$here/perf_live.c"
mv -f "$out/perf_live.$$" "$out/perf_live"
echo "$out"

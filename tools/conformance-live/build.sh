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
# each built aside and renamed into place: a run in progress (another runner, the mmap or perf
# half of this one) keeps executing the old binary instead of failing with ETXTBSY
for helper in ftrace_live mmap_live perf_live; do
  "$cc" "${cflags[@]}" -o "$out/$helper.$$" "$here/$helper.c"
  mv -f "$out/$helper.$$" "$out/$helper"
done
echo "$out"

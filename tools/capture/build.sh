#!/usr/bin/env bash
# Builds the fixture capture programs with the system C compiler.
#
#   tools/capture/build.sh [--out DIR]
#
# DIR defaults to tools/capture/bin (git-ignored). CC (default cc) and CFLAGS (default
# -O2 -Wall -Wextra) are taken from the environment. Prints the directory of the binaries.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="$here/bin"
while [ $# -gt 0 ]; do
  case "$1" in
    --out)
      out="${2:?--out needs a directory}"
      shift 2
      ;;
    -h | --help)
      sed -n '2,8p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *)
      echo "build.sh: unknown argument $1 (try --help)" >&2
      exit 2
      ;;
  esac
done

cc="${CC:-cc}"
# shellcheck disable=SC2206 # CFLAGS is a list of words
cflags=(${CFLAGS:--O2 -Wall -Wextra})
mkdir -p "$out"
for prog in capture_ftrace capture_perf capture_tracepoint; do
  "$cc" "${cflags[@]}" -o "$out/$prog" "$here/$prog.c"
done
echo "$out"

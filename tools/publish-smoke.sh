#!/usr/bin/env bash
# Publishes the quickstart trimmed or as Native AOT, runs it to its OK line and reports how long each step took
# and how big the result is. Exit code 0 only when the published quickstart printed OK as its last line.
# Usage: tools/publish-smoke.sh [trimmed|aot] [output-dir]
# Without an output dir the publish goes to a temp folder that is deleted afterwards.
# Native AOT needs clang and zlib1g-dev (Debian/Ubuntu: apt-get install -y clang zlib1g-dev).
set -euo pipefail
mode="${1:-aot}"
case "$mode" in trimmed|aot) ;; *) echo "usage: $0 [trimmed|aot] [output-dir]" >&2; exit 2 ;; esac
repo="$(cd "$(dirname "$0")/.." && pwd)"
if [ -n "${2:-}" ]; then
  out="$2"
else
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  out="$tmp/quickstart-$mode"
fi
rid="linux-x64"
case "$(uname -s)-$(uname -m)" in
  Linux-aarch64) rid="linux-arm64" ;;
  Darwin-arm64) rid="osx-arm64" ;;
  Darwin-x86_64) rid="osx-x64" ;;
esac
if [ "$mode" = aot ] && ! command -v clang >/dev/null; then
  echo "publish-smoke: Native AOT needs clang (and zlib1g-dev) on PATH; not found" >&2
  exit 3
fi

start=$(date +%s.%N)
dotnet publish "$repo/samples/Quickstart/Quickstart.csproj" -c Release -r "$rid" -p:QuickstartPublish="$mode" -o "$out" -nologo -v q
published=$(date +%s.%N)
log="$out.run.log"
timeout 180 "$out/Quickstart" >"$log" 2>&1 || { echo "publish-smoke: the $mode quickstart failed:" >&2; tail -40 "$log" >&2; exit 1; }
ran=$(date +%s.%N)
if [ "$(tail -n 1 "$log")" != "OK" ]; then
  echo "publish-smoke: the $mode quickstart did not end with OK:" >&2; tail -40 "$log" >&2; exit 1
fi
# The executable (for aot: the whole program; the .dbg symbols and librdkafka's .so files lie next to it) and the folder.
binary=$(du -h "$out/Quickstart" | cut -f1)
size=$(du -sh "$out" | cut -f1)
awk -v m="$mode" -v r="$rid" -v s="$start" -v p="$published" -v e="$ran" -v b="$binary" -v z="$size" \
  'BEGIN { printf "publish-smoke %s (%s): publish %.1f s, run %.1f s to OK, executable %s, output folder %s\n", m, r, p - s, e - p, b, z }'

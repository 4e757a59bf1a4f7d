#!/usr/bin/env bash
# Rewrites PublicAPI.Unshipped.txt of the three packages from the code (the analyzer's code fix, through dotnet format, fills
# an empty file reliably; appending to a filled one does not always run), then shows what changed. Review the diff:
# every line is a public API promise.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
for dir in src/Runtime src/Testing src/Avro.Confluent; do
  project=$(ls "$repo/$dir"/*.csproj)
  printf '#nullable enable\n' > "$repo/$dir/PublicAPI.Unshipped.txt"
  dotnet format analyzers "$project" --diagnostics RS0016 --severity warn -v q || true
done
git -C "$repo" diff --stat -- src/Runtime/PublicAPI.Unshipped.txt src/Testing/PublicAPI.Unshipped.txt src/Avro.Confluent/PublicAPI.Unshipped.txt

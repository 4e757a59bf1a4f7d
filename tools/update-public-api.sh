#!/usr/bin/env bash
# Brings PublicAPI.Unshipped.txt of both packages up to date with the code: adds what is new (RS0016) and drops what
# was removed (RS0017). Review the diff: every line is a public API promise.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
for project in src/Runtime/Kafka.Typed.csproj src/Testing/Kafka.Typed.Testing.csproj; do
  dotnet format analyzers "$repo/$project" --diagnostics RS0016 RS0017 --severity warn -v q
done
git -C "$repo" diff --stat -- src/Runtime/PublicAPI.Unshipped.txt src/Testing/PublicAPI.Unshipped.txt

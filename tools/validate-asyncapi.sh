#!/usr/bin/env bash
# Validates AsyncAPI documents with the official AsyncAPI parser (JSON Schema validation of the document, Avro
# payloads through the Avro schema parser): tools/validate-asyncapi.sh FILE.asyncapi.json [...]
# Installs @asyncapi/parser and @asyncapi/avro-schema-parser from npm into a temporary folder (needs Node.js 18+ and
# npm); nothing is added to the repository. Exit code 0 when every document parses without an error.
set -euo pipefail
if [ "$#" -eq 0 ]; then
  echo "usage: $0 FILE.asyncapi.json [...]" >&2
  exit 2
fi
files=()
for f in "$@"; do
  [ -f "$f" ] || { echo "no such file: $f" >&2; exit 2; }
  files+=("$(cd "$(dirname "$f")" && pwd)/$(basename "$f")")
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
npm init -y >/dev/null
npm install --no-audit --no-fund --silent @asyncapi/parser@3.6.3 @asyncapi/avro-schema-parser@3.0.24 >/dev/null
cat > validate.mjs <<'JS'
import { Parser } from '@asyncapi/parser';
import { AvroSchemaParser } from '@asyncapi/avro-schema-parser';
import fs from 'node:fs';
const parser = new Parser();
parser.registerSchemaParser(AvroSchemaParser());
let failed = 0;
for (const file of process.argv.slice(2)) {
  const { document, diagnostics } = await parser.parse(fs.readFileSync(file, 'utf8'));
  const errors = diagnostics.filter(d => d.severity === 0);
  console.log(`${file}: ${document ? 'valid' : 'INVALID'}, ${errors.length} error(s), ${diagnostics.length - errors.length} other diagnostic(s)`);
  for (const d of diagnostics) console.log(`  [${['error', 'warning', 'info', 'hint'][d.severity] ?? d.severity}] ${d.message} at /${d.path.join('/')}`);
  if (!document || errors.length > 0) failed++;
}
process.exit(failed ? 1 : 0);
JS
node validate.mjs "${files[@]}"

#!/usr/bin/env bash
# The README's test command: Debian packages the tests need, type check, every test, the short
# benchmarks (they assert no loss, not speed), and a plain "N passed, N failed" closing line.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-test-deps.sh
npx tsc --noEmit -p tsconfig.json
mkdir -p .tmp
status=0
npx vitest run --reporter=default --reporter=json --outputFile=.tmp/vitest.json || status=$?
if [ -f bench/ingest/run.ts ]; then npm run --silent bench:ingest -- --short || status=$?; fi
node -e "const r=require('./.tmp/vitest.json'); console.log(r.numPassedTests + ' passed, ' + (r.numFailedTests + r.numPendingTests + r.numTodoTests) + ' failed')"
exit $status

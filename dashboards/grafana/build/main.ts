// Writes the dashboard JSON files from the builders: `node --import tsx dashboards/grafana/build/main.ts`.
// With `--check`, writes nothing and exits 1 when a committed file differs (dashboards.test.ts checks the same).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DASHBOARDS, render } from './index.ts';

const DIR = fileURLToPath(new URL('../dashboards/', import.meta.url));
const check = process.argv.includes('--check');
let stale = 0;
mkdirSync(DIR, { recursive: true });
for (const [file, d] of Object.entries(DASHBOARDS)) {
  const path = join(DIR, file);
  const text = render(d);
  const same = existsSync(path) && readFileSync(path, 'utf8') === text;
  if (check) {
    if (!same) { stale++; console.error(`stale: ${path}`); }
  } else if (!same) {
    writeFileSync(path, text);
    console.log(`wrote ${path}`);
  }
}
process.exit(stale > 0 ? 1 : 0);

// npm run bench: every benchmark in tools/bench/*.ts, in order. Figures and ratios against a reference
// measured in the same run; nothing here is asserted.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const only = process.argv[2];
const run = (cmd, args) => {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  return r.status ?? 1;
};
if (run(process.execPath, [join(root, 'tools/setup.mjs')]) !== 0) process.exit(1);
// Measure what ships: the production (minified) bundles.
if (run(process.execPath, [join(root, 'tools/build.mjs'), '--production']) !== 0) process.exit(1);
let failed = 0;
for (const f of readdirSync(join(root, 'tools/bench')).filter((f) => f.endsWith('.ts')).sort()) {
  if (only && !f.includes(only)) continue;
  console.log(`\n## ${f.replace(/\.ts$/, '')}`);
  if (run(process.execPath, ['--import', 'tsx', join(root, 'tools/bench', f)]) !== 0) failed++;
}
process.exit(failed ? 1 : 0);

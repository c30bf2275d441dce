// The panels end to end in code-server (the e2e harness: Debian's Chromium driving VS Code): the first paint of the
// graph and classify panels after the command, and the first top-5 on screen after a right-click, for a first
// panel (nothing cached: the ONNX is built and downloaded) and a second one (the ONNX cached). The figures are the
// e2e tests' own [timing] lines (test/e2e/visualize.test.ts, classify.test.ts); nothing is asserted here.
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
const before = loadavg()[0]!.toFixed(1);
const r = spawnSync(process.execPath, [join(root, 'tools/test.mjs'), '--only', 'e2e', 'visualize', 'classify'], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 26 });
const lines = `${r.stdout}\n${r.stderr}`.split('\n').filter((l) => l.startsWith('[timing]')).map((l) => l.slice('[timing] '.length));
console.log(`code-server e2e, load average ${before} before, ${loadavg()[0]!.toFixed(1)} after (a first webview in a fresh window includes VS Code's own webview start-up)`);
for (const l of lines) console.log(`  ${l}`);
if (lines.length === 0 || r.status !== 0) {
  console.log(`the e2e run ended with status ${r.status}: ${(r.stdout + r.stderr).trim().split('\n').slice(-5).join(' / ')}`);
  process.exitCode = 1;
}

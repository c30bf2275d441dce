// Runs the built CLI (dist/cli.js) in this process and writes its exit status, wall time and peak RSS as JSON to
// the file named by $MEASURE_FILE: the hardening tests measure each hostile input in a child process this way.
// Usage: MEASURE_FILE=out.json node tools/measure-cli.mjs ARGS...
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const started = performance.now();
const { main } = require('../dist/cli.js');
const status = await main(process.argv.slice(2));
const result = { status, wallMs: Math.round(performance.now() - started), maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024) };
if (process.env.MEASURE_FILE) writeFileSync(process.env.MEASURE_FILE, JSON.stringify(result));
process.exit(status);

// alexnet-explorer: the same core from a terminal.
import { readFileSync, statSync } from 'node:fs';
import { analyzeSource } from './core/model/analyze';
import { formatInspectTable, toInspectJson } from './core/model/report';

const USAGE = `Usage:
  alexnet-explorer inspect FILE.py [--input C,H,W] [--entry NAME] [--json | --ir]

Commands:
  inspect   Read a PyTorch model file (no Python needed) and print every layer's output shape,
            parameters and MACs, torchinfo-style; --json prints the summary as JSON, --ir the whole graph.

Exit status: 0 success, 1 the model is wrong (PyTorch would raise), 2 unusable input.`;

const MAX_SOURCE_BYTES = 5 * 1024 * 1024;

class UsageError extends Error {}

interface Parsed { command: string; files: string[]; flags: Map<string, string | true> }

function parseArgs(argv: string[]): Parsed {
  const [command = '', ...rest] = argv;
  const files: string[] = [];
  const flags = new Map<string, string | true>();
  const withValue = new Set(['--input', '--entry']);
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    if (a.startsWith('--')) {
      const [k, v] = a.split('=', 2);
      if (withValue.has(k)) {
        const val = v ?? rest[++i];
        if (val === undefined) throw new UsageError(`${k} needs a value`);
        flags.set(k, val);
      } else if (['--json', '--ir', '--help'].includes(k)) {
        flags.set(k, true);
      } else {
        throw new UsageError(`unknown option ${k}`);
      }
    } else if (a === '-h') {
      flags.set('--help', true);
    } else {
      files.push(a);
    }
  }
  return { command, files, flags };
}

function parseInput(s: string): number[] {
  const parts = s.trim().split(/\s*[,x×]\s*|\s+/);
  const dims = parts.map((p) => (/^\d+$/.test(p) ? Number(p) : NaN));
  if (dims.length < 1 || dims.length > 3 || dims.some((d) => !Number.isInteger(d) || d <= 0)) {
    throw new UsageError(`--input expects C,H,W with positive integers, got '${s}'`);
  }
  return dims;
}

function readSource(file: string): string {
  let size: number;
  try {
    const st = statSync(file);
    if (st.isDirectory()) throw new UsageError(`${file}: is a directory, expected a .py file`);
    size = st.size;
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`${file}: no such file`);
  }
  if (size > MAX_SOURCE_BYTES) throw new UsageError(`${file}: ${size} bytes is too large for a model source (limit ${MAX_SOURCE_BYTES})`);
  const buf = readFileSync(file);
  if (buf.includes(0)) throw new UsageError(`${file}: binary file, expected Python source`);
  return buf.toString('utf8');
}

function inspect(p: Parsed): number {
  if (p.files.length !== 1) throw new UsageError('inspect takes exactly one FILE.py');
  const file = p.files[0];
  const source = readSource(file);
  const input = typeof p.flags.get('--input') === 'string' ? parseInput(p.flags.get('--input') as string) : undefined;
  const entry = p.flags.get('--entry') as string | undefined;
  const analysis = analyzeSource(source, { input, entry });
  if (!analysis.entry) {
    process.stderr.write(`${file}: no PyTorch model found (a class deriving from nn.Module or a module-level nn.Sequential)\n`);
    return 2;
  }
  if (entry && analysis.entry !== entry) {
    throw new UsageError(`${file}: no model named '${entry}'; found: ${analysis.candidates.join(', ')}`);
  }
  if (p.flags.has('--ir')) {
    process.stdout.write(JSON.stringify(analysis) + '\n');
  } else if (p.flags.has('--json')) {
    process.stdout.write(JSON.stringify(toInspectJson(analysis), null, 2) + '\n');
  } else {
    process.stdout.write(formatInspectTable(analysis, file));
  }
  if (analysis.error) {
    if (!p.flags.has('--json') && !p.flags.has('--ir')) process.stderr.write(`${file}:${analysis.error.line}: ${analysis.error.message}\n`);
    return 1;
  }
  return 0;
}

export function main(argv: string[]): number {
  try {
    const p = parseArgs(argv);
    if (p.flags.has('--help') || p.command === 'help' || p.command === '') {
      process.stdout.write(USAGE + '\n');
      return p.command === '' && !p.flags.has('--help') ? 2 : 0;
    }
    switch (p.command) {
      case 'inspect': return inspect(p);
      default: throw new UsageError(`unknown command '${p.command}'`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`alexnet-explorer: ${e.message}\n${USAGE}\n`);
      return 2;
    }
    process.stderr.write(`alexnet-explorer: internal error: ${(e as Error).stack ?? e}\n`);
    return 2;
  }
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2));
}

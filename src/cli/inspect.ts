// alexnet-explorer inspect: every layer's output shape, parameters and MACs of a model file.
import { diskModules } from '../core/module-files.node';
import { analyzeSourceSafely as analyzeSource } from '../core/model/analyze';
import { formatInspectTable, missingOutputReason, toInspectJson } from '../core/model/report';
import { escapeControls, escapeControlsKeepingLines } from '../core/text';
import { type Parsed, UsageError, failed, parseInput, readSource, safeJson } from './common';

export function main(p: Parsed): number {
  try {
    return inspect(p);
  } catch (e) {
    return failed(e);
  }
}

function inspect(p: Parsed): number {
  if (p.files.length !== 1) throw new UsageError('inspect takes exactly one FILE.py');
  const file = p.files[0];
  const source = readSource(file);
  const input = typeof p.flags.get('--input') === 'string' ? parseInput(p.flags.get('--input') as string) : undefined;
  const entry = p.flags.get('--entry') as string | undefined;
  const depthFlag = p.flags.get('--depth') as string | undefined;
  if (depthFlag !== undefined && !(/^\d+$/.test(depthFlag) && Number(depthFlag) >= 1)) throw new UsageError(`--depth expects a positive integer, got '${depthFlag}'`);
  const depth = depthFlag === undefined ? undefined : Number(depthFlag);
  const analysis = analyzeSource(source, { input, entry, file, readModule: diskModules() });
  if (!analysis.entry) {
    // the real reason first: an error PyTorch would raise, a budget the code ran out of, an internal error
    const reason = analysis.diagnostics.find((d) => d.severity === 'error' || d.code === 'budget' || d.code === 'internal');
    if (reason) {
      process.stderr.write(`${file}:${reason.range.line}: ${escapeControls(reason.message)}\n`);
      return reason.severity === 'error' && reason.code !== 'internal' ? 1 : 2;
    }
    process.stderr.write(`${file}: no PyTorch model found (a class deriving from nn.Module or a module-level nn.Sequential)\n`);
    return 2;
  }
  if (entry && analysis.entry !== entry) {
    throw new UsageError(`${file}: no model named '${entry}'; found: ${analysis.candidates.map(escapeControls).join(', ')}`);
  }
  if (p.flags.has('--ir')) {
    process.stdout.write(safeJson(analysis) + '\n');
  } else if (p.flags.has('--json')) {
    process.stdout.write(safeJson(toInspectJson(analysis), 2) + '\n');
  } else {
    process.stdout.write(escapeControlsKeepingLines(formatInspectTable(analysis, file, depth)));
  }
  if (analysis.error) {
    if (!p.flags.has('--json') && !p.flags.has('--ir')) process.stderr.write(`${file}:${analysis.error.line}: ${escapeControls(analysis.error.message)}\n`);
    return 1;
  }
  const syntax = analysis.diagnostics.find((d) => d.code === 'syntax' || d.code === 'internal');
  if (syntax) {
    if (!p.flags.has('--json') && !p.flags.has('--ir')) process.stderr.write(`${file}:${syntax.range.line}: ${escapeControls(syntax.message)}\n`);
    return syntax.code === 'internal' ? 2 : 1;
  }
  // Never silent: no output shape and no model error means a construct the analysis cannot follow.
  const unsupported = missingOutputReason(analysis);
  if (unsupported) {
    if (!p.flags.has('--json') && !p.flags.has('--ir')) process.stderr.write(`${file}:${unsupported.line}: ${escapeControls(unsupported.message)}\n`);
    return 2;
  }
  return 0;
}


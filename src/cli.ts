// alexnet-explorer: the same core from a terminal. This entry reads the arguments and loads only the command asked
// for (src/cli/*.ts, each its own bundle in dist/cli/, see src/cli/load.ts): `inspect` never loads the weights
// readers, the image decoders, the training code or onnxruntime-node.
import { type Parsed, USAGE, UsageError, failed, parseArgs } from './cli/common';
import { loadCommand } from './cli/load';

interface Command {
  main(p: Parsed): number | Promise<number>;
}

const MODULE_OF: Record<string, string> = { inspect: 'inspect', export: 'classify', classify: 'classify', train: 'train' };

export function main(argv: string[]): number | Promise<number> {
  let p: Parsed;
  try {
    p = parseArgs(argv);
    if (p.flags.has('--help') || p.command === 'help' || p.command === '--help' || p.command === '-h' || p.command === '') {
      process.stdout.write(USAGE + '\n');
      return p.command === '' ? 2 : 0;
    }
    if (!Object.hasOwn(MODULE_OF, p.command)) throw new UsageError(`unknown command '${p.command}'`);
  } catch (e) {
    return failed(e);
  }
  let command;
  try {
    command = loadCommand<Command>(__dirname, MODULE_OF[p.command]!);
  } catch (e) {
    return failed(e);
  }
  const status = command.exports.main(p);
  if (typeof status === 'number') {
    command.done();
    return status;
  }
  return status.finally(() => command.done());
}

if (require.main === module) {
  void Promise.resolve(main(process.argv.slice(2))).then((code) => {
    process.exitCode = code;
  });
}

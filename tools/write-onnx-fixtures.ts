// Writes the ONNX files our builder makes for the models of test/fixtures/onnx/expected.json, for
// tools/make-onnx-fixtures.py to run onnx.checker on. Usage: node --import tsx tools/write-onnx-fixtures.ts OUT_DIR
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildFixtureOnnx, fixtureVariants, readFixtureSpec } from '../test/fixtures/onnx/fixture';

const outDir = process.argv[2];
if (!outDir) {
  process.stderr.write('usage: write-onnx-fixtures.ts OUT_DIR\n');
  process.exit(2);
}
mkdirSync(outDir, { recursive: true });
const spec = readFixtureSpec();
for (const model of spec.models) {
  for (const variant of fixtureVariants(model)) {
    const bytes = buildFixtureOnnx(model, variant.options);
    writeFileSync(join(outDir, `${model.name}${variant.suffix}.onnx`), bytes);
    process.stdout.write(`${model.name}${variant.suffix}.onnx ${bytes.length} bytes\n`);
  }
}

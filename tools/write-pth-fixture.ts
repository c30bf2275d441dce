// Writes test/fixtures/training/written-by-us.pth with our .pth writer; then run
// `/usr/bin/python3 tools/check-pth-writer.py` so torch checks it. Usage: node --import tsx tools/write-pth-fixture.ts
import { writeFileSync } from 'node:fs';
import { WRITTEN_BY_US, writtenByUs } from '../test/fixtures/training/written-by-us';

const bytes = writtenByUs();
writeFileSync(WRITTEN_BY_US, bytes);
process.stdout.write(`wrote ${WRITTEN_BY_US} (${bytes.length} bytes); now run /usr/bin/python3 tools/check-pth-writer.py\n`);

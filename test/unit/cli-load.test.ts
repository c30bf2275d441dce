// The CLI's command loader (src/cli/load.ts): a bundle runs as CommonJS, its V8 code cache is used when it checks
// out and ignored, never fatal, when it is corrupt, stale, refused by V8 or cannot be written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as zlib from 'node:zlib';
import { cacheFolder, loadBundle } from '../../src/cli/load';

interface Mod { twice(n: number): number; dir: string; path: string }

function setup(body = 'exports.twice = (n) => 2 * n;') {
  const dir = mkdtempSync(join(tmpdir(), 'cli-load-'));
  const bundle = join(dir, 'cmd.js');
  writeFileSync(bundle, `${body}\nexports.dir = __dirname; exports.path = require('node:path').basename(__filename);\n`);
  return { bundle, folder: join(dir, 'cache'), dir };
}

const cacheFiles = (folder: string) => readdirSync(folder).filter((f) => f.endsWith('.bin'));

test('a bundle runs as CommonJS (exports, require, __filename, __dirname) and its code cache is made, then used', () => {
  const { bundle, folder, dir } = setup();
  const first = loadBundle<Mod>(bundle, folder);
  assert.equal(first.exports.twice(21), 42);
  assert.equal(first.exports.dir, dir);
  assert.equal(first.exports.path, 'cmd.js');
  assert.equal(first.cache, 'made');
  first.done();
  assert.equal(cacheFiles(folder).length, 1);
  const second = loadBundle<Mod>(bundle, folder);
  assert.equal(second.cache, 'used');
  assert.equal(second.exports.twice(4), 8);
});

test('a corrupt, truncated or V8-refused cache is ignored and made again; a changed bundle replaces its stale cache', () => {
  const { bundle, folder, dir } = setup();
  loadBundle<Mod>(bundle, folder).done();
  const [name] = cacheFiles(folder);
  const file = join(folder, name!);
  const good = readFileSync(file);
  const flipped = Buffer.from(good);
  flipped[flipped.length - 5] ^= 0xff;
  // a payload of the right length and CRC-32 that is not V8's: V8 refuses it
  const header = good.subarray(0, 8).length;
  const garbage = Buffer.alloc(good.length - header - 8, 7);
  const forged = Buffer.alloc(header + 8);
  good.copy(forged, 0, 0, header);
  forged.writeUInt32LE(garbage.length, header);
  forged.writeUInt32LE(zlib.crc32(garbage) >>> 0, header + 4);
  for (const [i, bad] of [flipped, good.subarray(0, good.length >> 1), Buffer.alloc(0), Buffer.concat([forged, garbage])].entries()) {
    writeFileSync(file, bad);
    // the same bytes from another path: V8's in-process compilation cache (by source and file name) would not look at the cache
    const copy = join(dir, `${i}`, 'cmd.js');
    mkdirSync(join(dir, `${i}`));
    copyFileSync(bundle, copy);
    const loaded = loadBundle<Mod>(copy, folder);
    assert.equal(loaded.cache, 'made', `case ${i}`);
    assert.equal(loaded.exports.twice(3), 6);
    loaded.done();
    assert.deepEqual(readFileSync(file).subarray(0, header), good.subarray(0, header));
    assert.equal(loadBundle<Mod>(bundle, folder).cache, 'used');
  }
  writeFileSync(bundle, 'exports.twice = (n) => n + n;\n');
  const changed = loadBundle<Mod>(bundle, folder);
  assert.equal(changed.cache, 'made');
  changed.done();
  assert.equal(cacheFiles(folder).length, 1);
  assert.notEqual(cacheFiles(folder)[0], name);
});

test('a cache folder that cannot be written costs nothing but the cache; ALEXNET_EXPLORER_CACHE=off turns it off', () => {
  const { bundle, dir } = setup();
  const notAFolder = join(dir, 'file');
  writeFileSync(notAFolder, 'x');
  const loaded = loadBundle<Mod>(bundle, join(notAFolder, 'cache'));
  assert.equal(loaded.exports.twice(5), 10);
  assert.doesNotThrow(() => loaded.done());
  assert.equal(loadBundle<Mod>(bundle, null).cache, 'off');
  assert.equal(cacheFolder({ ALEXNET_EXPLORER_CACHE: 'off' }), null);
  assert.equal(cacheFolder({ ALEXNET_EXPLORER_CACHE: '/x/y' }), '/x/y');
  assert.equal(cacheFolder({ XDG_CACHE_HOME: '/c' }, 'linux', '/h'), join('/c', 'alexnet-explorer', 'v8-cache'));
  assert.equal(cacheFolder({}, 'darwin', '/h'), join('/h', 'Library', 'Caches', 'alexnet-explorer', 'v8-cache'));
});

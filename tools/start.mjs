// `npm start`: set up, package the VSIX, install it into a persistent code-server profile (.tools/code-server-data)
// and serve VS Code on http://127.0.0.1:8080 with models/ open and alexnet.py shown. Ctrl-C stops it.
// PORT=NNNN picks another port.
import { existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setup, root, toolsDir } from './setup.mjs';
import { installExtensions, packageVsix, startCodeServer, workbenchUrl, writeUserSettings } from './code-server.mjs';

const port = Number(process.env.PORT ?? 8080);
const dataDir = join(toolsDir, 'code-server-data');
const extensionsDir = join(dataDir, 'extensions');
const userDataDir = join(dataDir, 'user-data');
const models = join(root, 'models');

function portFree(p) {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(p, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

async function main() {
  setup();
  const { vsix } = packageVsix();
  // The profile persists (settings, other extensions): only our extension is (re)installed when it changed.
  installExtensions(extensionsDir, [vsix], { wipe: false });
  if (!existsSync(join(userDataDir, 'User', 'settings.json'))) {
    mkdirSync(userDataDir, { recursive: true });
    writeUserSettings(userDataDir);
  }
  if (!(await portFree(port))) {
    throw new Error(`port ${port} is in use (another npm start?); stop it or run PORT=8081 npm start`);
  }
  const server = await startCodeServer({ port, userDataDir, extensionsDir, openPath: models });
  const url = workbenchUrl(server.url, models, join(models, 'alexnet.py'));
  console.log('\n  AlexNet Explorer in VS Code (code-server):');
  console.log(`  ${url}`);
  console.log(`  (models/ and alexnet.py; plain ${server.url} opens the last workspace)\n  Ctrl-C stops it.\n`);
  let stopping = false;
  const stop = async (sig) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n[start] ${sig}: stopping code-server`);
    await server.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('exit', () => server.killNow());
  server.proc.on('exit', (code, signal) => {
    if (stopping) return;
    console.error(`[start] code-server exited (${code ?? signal})`);
    process.exit(code || 1);
  });
}

main().catch((err) => {
  console.error(`[start] ${err.message ?? err}`);
  process.exit(1);
});

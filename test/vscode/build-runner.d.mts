// Types for test/vscode/build-runner.mjs.
export const runnerDir: string;
export const runnerVsix: string;
export const runnerMain: string;
export const RUNNER_ID: string;
export function buildTestRunner(opts?: { log?: (msg: string) => void }): Promise<{ dir: string; vsix: string; main: string; suites: string[]; built: boolean }>;

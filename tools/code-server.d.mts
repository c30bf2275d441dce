// Types for tools/code-server.mjs (imported by the TypeScript e2e harness).
import type { ChildProcess } from 'node:child_process';

export const root: string;
export const toolsDir: string;
export const CODE_SERVER_VERSION: string;
export const EXTENSION_ID: string;
export const vsixPath: string;
export const paths: { node24: string; node24Headers: string; codeServerEntry: string; codeServerStamp: string };
export const DEFAULT_SETTINGS: Record<string, unknown>;

export function hashFiles(base: string, inputs: string[]): string;
export function packageVsix(opts?: { log?: (msg: string) => void; force?: boolean }): { vsix: string; key: string; built: boolean };
export function codeServerCli(args: string[], opts?: object): string;
export function installExtensions(extensionsDir: string, vsixFiles: string[], opts?: { log?: (msg: string) => void; wipe?: boolean }): boolean;
export function extensionsDirFor(vsixFiles: string[], opts?: { log?: (msg: string) => void }): string;
export function withLock<T>(name: string, fn: () => T, opts?: { staleMs?: number; log?: (msg: string) => void }): T;
export function listExtensions(extensionsDir: string): string[];
export function writeUserSettings(userDataDir: string, settings?: Record<string, unknown>): void;
export function freePort(): Promise<number>;
export function workbenchUrl(serverUrl: string, folder?: string, file?: string): string;

export interface CodeServer {
  proc: ChildProcess;
  pid: number;
  port: number;
  url: string;
  stop(graceMs?: number): Promise<void>;
  killNow(): void;
}
export function startCodeServer(opts: {
  port: number;
  userDataDir: string;
  extensionsDir: string;
  openPath?: string;
  env?: Record<string, string>;
  logFile?: string;
  extraArgs?: string[];
  readyTimeoutMs?: number;
}): Promise<CodeServer>;

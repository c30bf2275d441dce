// Types for tools/setup.mjs (imported by the TypeScript e2e harness).
export const root: string;
export const toolsDir: string;
export const CODE_SERVER_VERSION: string;
export const CODE_SERVER_NODE_MAJOR: number;
export const APT_PACKAGES: string[];
export const paths: { node24: string; node24Headers: string; codeServerEntry: string; codeServerStamp: string };
export function ensureNodeModules(): boolean;
export function ensureAptPackages(packages?: string[]): boolean;
export function codeServerInstalled(): boolean;
export function ensureCodeServer(): boolean;
export function setup(): boolean;

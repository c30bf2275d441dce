/** Node-only: where torch.hub keeps downloaded checkpoints, found the way torch 1.13 finds it. */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { TORCHVISION_ALEXNET_FILE } from './labels';

/** Python's os.path.expanduser for a leading `~` (the only form torch's default uses). */
function expandUser(path: string, home: string): string {
  return path === '~' ? home : /^~[\\/]/.test(path) ? join(home, path.slice(2)) : path;
}

/**
 * torch.hub's checkpoint folder: $TORCH_HOME/hub/checkpoints, $TORCH_HOME defaulting to $XDG_CACHE_HOME/torch and
 * that to ~/.cache/torch (torch.hub._get_torch_home; like os.getenv, a variable set to '' counts as set).
 * torch.hub.set_dir() inside a Python program cannot be seen from here.
 */
export function torchHubCheckpointsDir(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): string {
  const torchHome = env.TORCH_HOME ?? join(env.XDG_CACHE_HOME ?? '~/.cache', 'torch');
  return join(expandUser(torchHome, home), 'hub', 'checkpoints');
}

/** The path of torchvision's AlexNet weights in the hub cache, or null when they were never downloaded. */
export function findTorchvisionAlexNet(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): string | null {
  const path = join(torchHubCheckpointsDir(env, home), TORCHVISION_ALEXNET_FILE);
  return existsSync(path) ? path : null;
}

// How a spelling reads on screen; no dependencies, so the webviews can use it without the op registry.

/** "torch.nn.functional.relu" -> "F.relu", ".view" -> "view", "Conv2d" -> "Conv2d". */
export function displayOp(spelling: string): string {
  if (spelling === '.__getitem__') return 'slice';
  if (spelling.startsWith('torch.nn.functional.')) return `F.${spelling.slice('torch.nn.functional.'.length)}`;
  if (spelling.startsWith('.')) return spelling.slice(1);
  return spelling;
}

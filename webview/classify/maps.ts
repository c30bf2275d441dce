// Activation maps and the input tensor as pictures: one channel of a [1, C, H, W] output onto a canvas.

/** viridis at 9 stops (perceptually even, readable on light and dark backgrounds). */
const VIRIDIS = [
  [68, 1, 84], [71, 44, 122], [59, 81, 139], [44, 113, 142], [33, 144, 141],
  [39, 173, 129], [92, 200, 99], [170, 220, 50], [253, 231, 37],
];

const LUT = (() => {
  const lut = new Uint8ClampedArray(256 * 3);
  for (let i = 0; i < 256; i++) {
    const x = (i / 255) * (VIRIDIS.length - 1);
    const k = Math.min(Math.floor(x), VIRIDIS.length - 2);
    const t = x - k;
    for (let c = 0; c < 3; c++) lut[i * 3 + c] = VIRIDIS[k][c] + (VIRIDIS[k + 1][c] - VIRIDIS[k][c]) * t;
  }
  return lut;
})();

export interface ChannelRange {
  min: number;
  max: number;
}

/** Min and max of channel `c` of a [1, C, H, W] tensor. */
export function channelRange(data: Float32Array, c: number, size: number): ChannelRange {
  let min = Infinity;
  let max = -Infinity;
  for (let i = c * size, end = i + size; i < end; i++) {
    const v = data[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max };
}

/** Draws channel `c` (H x W) onto `canvas` at its own resolution, scaled to its own min..max. */
export function drawChannel(canvas: HTMLCanvasElement, data: Float32Array, c: number, h: number, w: number): ChannelRange {
  canvas.width = w;
  canvas.height = h;
  const size = h * w;
  const range = channelRange(data, c, size);
  const span = range.max - range.min;
  const ctx = canvas.getContext('2d');
  if (!ctx) return range;
  const img = ctx.createImageData(w, h);
  for (let i = 0; i < size; i++) {
    const v = span > 0 ? Math.round(((data[c * size + i] - range.min) / span) * 255) : 0;
    img.data[i * 4] = LUT[v * 3];
    img.data[i * 4 + 1] = LUT[v * 3 + 1];
    img.data[i * 4 + 2] = LUT[v * 3 + 2];
    img.data[i * 4 + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
  return range;
}

/** The normalized input tensor [C, H, W] back to pixels (x * std + mean), as the network sees the image. */
export function drawInput(canvas: HTMLCanvasElement, tensor: Float32Array, channels: number, height: number, width: number, mean: number[], std: number[]): void {
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const img = ctx.createImageData(width, height);
  const n = width * height;
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++) {
      const k = channels === 1 ? 0 : c;
      img.data[i * 4 + c] = Math.round((tensor[k * n + i] * std[k] + mean[k]) * 255);
    }
    img.data[i * 4 + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}

// Upsampling: nn.Upsample, nn.UpsamplingNearest2d, nn.UpsamplingBilinear2d (align_corners=True), F.interpolate and
// F.upsample. Python's interpolate picks the output size (size, or floor(in * scale_factor) when the scale is
// recomputed), then ATen's compute_output_size truncates in * scale_factor and checks the sizes.
// ONNX: Resize (opset 13) with the coordinate transform that reproduces PyTorch's source index; the scale factor
// itself goes to Resize when PyTorch maps coordinates with 1/scale_factor rather than in/out.
import type { ArgValue, Shape } from '../types';
import { badArg, err, fmtShape, isErr, isInt, isNumber, numel, ok, oneInput, pyRepr, truthy, ai, astr } from './common';
import { inferAdaptiveAvgPool2d } from './adaptive_avg_pool2d';
import type { Attribute } from '../onnx/model-proto';
import type { Args, BackwardCall, Gradients, LowerCall, OnnxEmitter, OpDef, ShapeErr, ShapeResult, ShapeRule } from './types';

const MODES_TEXT = 'nearest | linear | bilinear | bicubic | trilinear | area | nearest-exact';
/** The input rank each interpolating mode needs (nearest, nearest-exact and area take 3-, 4- and 5-D inputs). */
const MODE_RANK: Record<string, number> = { linear: 3, bilinear: 4, bicubic: 4, trilinear: 5 };

/** F.interpolate's arguments as a module or function spelling gives them. */
interface Interpolate {
  size: ArgValue;
  scaleFactor: ArgValue;
  mode: ArgValue;
  alignCorners: ArgValue;
  recompute: ArgValue;
  antialias: ArgValue;
  /** The module converted scale_factor with float(): Python prints 2 as 2.0. */
  floatScale: boolean;
}

function interpolateArgs(spelling: string, a: Args): Interpolate {
  // nn.Upsample keeps `float(scale_factor) if scale_factor else None` (a tuple of floats for a tuple)
  const moduleScale = a.scale_factor === 0 || a.scale_factor === false ? null : a.scale_factor ?? null;
  const floats = Array.isArray(moduleScale) || typeof moduleScale === 'number';
  const base = { size: a.size ?? null, recompute: a.recompute_scale_factor ?? null, antialias: a.antialias ?? false };
  const module = { ...base, scaleFactor: moduleScale, floatScale: floats };
  if (spelling === 'UpsamplingNearest2d') return { ...module, mode: 'nearest', alignCorners: null };
  if (spelling === 'UpsamplingBilinear2d') return { ...module, mode: 'bilinear', alignCorners: true };
  if (spelling === 'Upsample') return { ...module, mode: a.mode ?? 'nearest', alignCorners: a.align_corners ?? null };
  return { ...base, scaleFactor: a.scale_factor ?? null, floatScale: false, mode: a.mode ?? 'nearest', alignCorners: a.align_corners ?? null };
}

/** repr() of a tuple of floats: (2.0, 1.5). */
function floatTuple(v: ArgValue[]): string {
  const items = v.map((x) => (typeof x === 'number' && Number.isInteger(x) ? `${x}.0` : pyRepr(x)));
  return items.length === 1 ? `(${items[0]},)` : `(${items.join(', ')})`;
}

interface Resolved {
  mode: string;
  alignCorners: boolean;
  /** The output's spatial sizes. */
  output: number[];
  /** The scale factors ATen maps coordinates with (1/scale), or null when it uses in/out. */
  scales: number[] | null;
}

/** F.interpolate's Python checks and dispatch, then ATen's output size and its checks. */
function resolve(op: string, x: Shape, i: Interpolate): Resolved | ShapeErr {
  const mode = i.mode;
  if (typeof mode !== 'string') return badArg(op, 'mode', mode, 'a string');
  let alignCorners = i.alignCorners;
  if (mode === 'nearest' || mode === 'area' || mode === 'nearest-exact') {
    if (alignCorners !== null) {
      return err('align_corners option can only be set with the interpolating modes: linear | bilinear | bicubic | trilinear');
    }
  } else if (alignCorners === null) alignCorners = false;
  const dim = x.length - 2;
  const spatial = fmtShape(x.slice(2));
  let output: ArgValue[] | null = null;
  let scales: ArgValue[] | null = null;
  if (i.size !== null && i.scaleFactor !== null) return err('only one of size or scale_factor should be defined');
  if (i.size !== null) {
    if (Array.isArray(i.size)) {
      if (i.size.length !== dim) {
        return err(
          `Input and output must have the same number of spatial dimensions, but got input with spatial dimensions of ${spatial} and output size of ${pyRepr(i.size)}. Please provide input tensor in (N, C, d1, d2, ...,dK) format and output size in (o1, o2, ...,oK) format.`,
        );
      }
      output = i.size;
    } else output = Array(Math.max(dim, 0)).fill(i.size);
  } else if (i.scaleFactor !== null) {
    if (Array.isArray(i.scaleFactor)) {
      if (i.scaleFactor.length !== dim) {
        return err(
          `Input and scale_factor must have the same number of spatial dimensions, but got input with spatial dimensions of ${spatial} and scale_factor of shape ${i.floatScale ? floatTuple(i.scaleFactor) : pyRepr(i.scaleFactor)}. Please provide input tensor in (N, C, d1, d2, ...,dK) format and scale_factor in (s1, s2, ...,sK) format.`,
        );
      }
      scales = i.scaleFactor;
    } else scales = Array(Math.max(dim, 0)).fill(i.scaleFactor);
  } else {
    return err('either size or scale_factor should be defined');
  }
  let recompute = truthy(i.recompute);
  if (recompute && i.size !== null) return err('recompute_scale_factor is not meaningful with an explicit size.');
  if (mode === 'area' && output === null) recompute = true;
  if (scales && !scales.every(isNumber)) return badArg(op, 'scale_factor', i.scaleFactor, 'a float or a tuple of floats');
  if (output && !output.every(isInt)) return badArg(op, 'size', i.size, 'an int or a tuple of ints');
  if (recompute && scales) {
    output = scales.map((s, d) => Math.floor(x[d + 2] * (s as number)));
    scales = null;
  }
  if (truthy(i.antialias) && !((mode === 'bilinear' || mode === 'bicubic') && x.length === 4)) {
    return err('Anti-alias option is only supported for bilinear and bicubic modes');
  }
  const needs = MODE_RANK[mode];
  const anyRank = mode === 'nearest' || mode === 'nearest-exact' || mode === 'area';
  if ((anyRank && (x.length < 3 || x.length > 5)) || (needs !== undefined && (x.length < 3 || x.length > 5)) || (!anyRank && needs === undefined)) {
    return err(`Input Error: Only 3D, 4D and 5D input Tensors supported (got ${x.length}D) for the modes: ${MODES_TEXT} (got ${mode})`);
  }
  if (needs !== undefined && x.length !== needs) return err(`Got ${x.length}D input, but ${mode} mode needs ${needs}D input`);
  const sizes = output ? (output as number[]) : (scales as number[]).map((s, d) => Math.trunc(x[d + 2] * s));
  return { mode, alignCorners: alignCorners === true, output: sizes, scales: output ? null : (scales as number[]) };
}

const LABELS = [['W'], ['H', 'W'], ['D', 'H', 'W']];

function inferInterpolate(op: string, spelling: string, inputs: Shape[], a: Args): ShapeResult {
  const x = oneInput(op, inputs);
  if (isErr(x)) return x;
  const r = resolve(op, x, interpolateArgs(spelling, a));
  if (isErr(r)) return r;
  if (r.mode === 'area') {
    if (x.length === 4) return inferAdaptiveAvgPool2d('adaptive_avg_pool2d', [x], { output_size: r.output });
    return err(`F.interpolate(mode='area') on a ${x.length}D input is not supported by the shape analysis yet (4D is)`);
  }
  // upsample_{1,2,3}d_common_check, then the meta function's non-empty check
  const labels = LABELS[x.length - 3];
  const inSizes = x.slice(2);
  if (inSizes.some((d) => d <= 0) || r.output.some((d) => d <= 0)) {
    const show = (v: number[]) => labels.map((l, k) => `${l}: ${v[k]}`).join(', ');
    const and = x.length === 3 ? 'and ' : '';
    return err(`Input and output sizes should be greater than 0, but got input (${show(inSizes)}) ${and}output (${show(r.output)})`);
  }
  if (numel(x) === 0 && numel(x.slice(1)) === 0) {
    return err(`Non-empty ${x.length}D data tensor expected but got a tensor with sizes ${fmtShape(x)}`);
  }
  const formula = labels.map((l, k) =>
    r.scales ? `${l}: floor(${inSizes[k]} * ${r.scales[k]}) = ${r.output[k]} (${r.mode})` : `${l}: ${inSizes[k]} -> ${r.output[k]} (${r.mode})`,
  );
  return ok([...x.slice(0, 2), ...r.output], 0, 0, formula);
}

const SIZE_AND_SCALE = [
  { name: 'size', default: null },
  { name: 'scale_factor', default: null },
];

function rule(op: string, kind: 'module' | 'function', pyName: string, signature: ShapeRule['signature'], label = op): ShapeRule {
  return {
    op,
    kind,
    pyName,
    ...(kind === 'function' ? { tensorInputs: 1 } : {}),
    signature,
    infer: (inputs, args) => inferInterpolate(label, op, inputs, args),
  };
}

const upsampleRules: ShapeRule[] = [
  rule('Upsample', 'module', 'Upsample.__init__', [
    ...SIZE_AND_SCALE,
    { name: 'mode', default: 'nearest' },
    { name: 'align_corners', default: null },
    { name: 'recompute_scale_factor', default: null },
  ]),
  rule('UpsamplingNearest2d', 'module', 'UpsamplingNearest2d.__init__', SIZE_AND_SCALE),
  rule('UpsamplingBilinear2d', 'module', 'UpsamplingBilinear2d.__init__', SIZE_AND_SCALE),
  rule(
    'torch.nn.functional.interpolate',
    'function',
    'interpolate',
    [
      ...SIZE_AND_SCALE,
      { name: 'mode', default: 'nearest' },
      { name: 'align_corners', default: null },
      { name: 'recompute_scale_factor', default: null },
      { name: 'antialias', default: false },
    ],
    'interpolate',
  ),
  rule(
    'torch.nn.functional.upsample',
    'function',
    'upsample',
    [...SIZE_AND_SCALE, { name: 'mode', default: 'nearest' }, { name: 'align_corners', default: null }],
    'upsample',
  ),
];

/** Resize's attributes for a mode PyTorch and ONNX compute alike. */
function resizeAttributes(g: OnnxEmitter, r: Resolved, rank: number): Record<string, Attribute> {
  if (r.mode === 'nearest') {
    // PyTorch: src = floor(dst * scale)
    return { mode: astr('nearest'), coordinate_transformation_mode: astr('asymmetric'), nearest_mode: astr('floor') };
  }
  if (r.mode === 'nearest-exact') {
    // PyTorch: src = floor((dst + 0.5) * scale), i.e. half_pixel rounded half up
    return { mode: astr('nearest'), coordinate_transformation_mode: astr('half_pixel'), nearest_mode: astr('round_prefer_ceil') };
  }
  if (r.mode === 'bilinear' && rank === 4) {
    return { mode: astr('linear'), coordinate_transformation_mode: astr(r.alignCorners ? 'align_corners' : 'pytorch_half_pixel') };
  }
  return g.fail(`mode='${r.mode}' has no ONNX mapping here (nearest, nearest-exact and bilinear do)`);
}

/**
 * Whether Resize gives these output sizes from float32 scales whether floor(in * scale) is computed in float32
 * (onnxruntime's kernels) or in float64 (ONNX shape inference, onnxruntime-web's WebGPU Resize).
 */
function scalesGive(scales: number[], inSizes: number[], output: number[]): boolean {
  return scales.every((v, k) => {
    const product = Math.fround(v) * inSizes[k];
    return Math.floor(product) === output[k] && Math.floor(Math.fround(product)) === output[k];
  });
}

function lowerUpsample(g: OnnxEmitter, { spelling, args, inputs: [x], inShapes: [s], out }: LowerCall): void {
  const r = resolve(spelling, s, interpolateArgs(spelling, args));
  if (isErr(r)) return g.fail(r.error);
  const attributes = resizeAttributes(g, r, s.length);
  const inSizes = s.slice(2);
  const resizeBy = (scales: number[]) => void g.op('Resize', [x, '', g.floatConst([1, 1, ...scales], [s.length])], attributes, out);
  if (r.scales) {
    // ATen maps coordinates with 1/scale_factor: Resize gets the same scales
    if (!scalesGive(r.scales, inSizes, r.output)) g.fail(`scale_factor ${pyRepr(r.scales)} rounds differently in float32 (onnxruntime) than in float64 (PyTorch)`);
    return resizeBy(r.scales);
  }
  // an explicit size: scales out/in where float32 gives the size exactly, else sizes (N and C read from the input)
  const ratios = r.output.map((o, k) => o / inSizes[k]);
  if (scalesGive(ratios, inSizes, r.output)) return resizeBy(ratios);
  const leading = g.op('Slice', [g.op('Shape', [x]), g.intConst([0]), g.intConst([2]), g.intConst([0])]);
  const sizes = g.op('Concat', [leading, g.intConst(r.output)], { axis: ai(0) });
  g.op('Resize', [x, '', '', sizes], attributes, out);
}

/** PyTorch's compute_scales_value<float>: 1/scale_factor when one was given, else in/out. */
function coordinateScale(r: Resolved, k: number, inSize: number, outSize: number): number {
  const given = r.scales?.[k];
  return Math.fround(given !== undefined && given > 0 ? 1 / given : inSize / outSize);
}

/**
 * The out x in matrix of one axis of the forward (each output row holds its sources' weights), from ATen's
 * nearest_idx / nearest_neighbor_exact_compute_source_index / area_pixel_compute_source_index in float32.
 */
function axisMatrix(r: Resolved, k: number, inSize: number, outSize: number): Float32Array {
  const m = new Float32Array(outSize * inSize);
  const f = Math.fround;
  for (let dst = 0; dst < outSize; dst++) {
    if (r.mode === 'nearest' || r.mode === 'nearest-exact') {
      let src: number;
      if (r.mode === 'nearest' && outSize === inSize) src = dst;
      else if (r.mode === 'nearest' && outSize === 2 * inSize) src = dst >> 1;
      else {
        const scale = coordinateScale(r, k, inSize, outSize);
        src = Math.min(Math.floor(f((r.mode === 'nearest' ? dst : dst + 0.5) * scale)), inSize - 1);
      }
      m[dst * inSize + src] = 1;
      continue;
    }
    const scale = r.alignCorners ? (outSize > 1 ? f((inSize - 1) / (outSize - 1)) : 0) : coordinateScale(r, k, inSize, outSize);
    const src = r.alignCorners ? f(scale * dst) : Math.max(f(f(scale * (dst + 0.5)) - 0.5), 0);
    const i0 = Math.floor(src);
    const step = i0 < inSize - 1 ? 1 : 0;
    const l1 = f(src - i0);
    m[dst * inSize + i0] += f(1 - l1);
    m[dst * inSize + i0 + step] += l1;
  }
  return m;
}

function transposed(m: Float32Array, rows: number, cols: number): Float32Array {
  const t = new Float32Array(m.length);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) t[j * rows + i] = m[i * cols + j];
  return t;
}

/** dLoss/dInput = Mh^T . dOut . Mw: each output's gradient goes back to its sources with the forward's weights. */
function backwardUpsample(g: OnnxEmitter, { spelling, args, inShapes: [s], outShape, dOut }: BackwardCall): Gradients {
  const r = resolve(spelling, s, interpolateArgs(spelling, args));
  if (isErr(r)) return g.fail(r.error);
  if (s.length !== 4 || !(r.mode === 'nearest' || r.mode === 'nearest-exact' || r.mode === 'bilinear')) {
    return g.fail(`the gradient of mode='${r.mode}' on a ${s.length}D input is not built (nearest, nearest-exact and bilinear on 4D are)`);
  }
  const [ih, iw, oh, ow] = [s[2], s[3], outShape[2], outShape[3]];
  const rowsT = g.floatConst(transposed(axisMatrix(r, 0, ih, oh), oh, ih), [ih, oh]);
  const cols = g.floatConst(axisMatrix(r, 1, iw, ow), [ow, iw]);
  return { inputs: [g.op('MatMul', [g.op('MatMul', [rowsT, dOut]), cols])] };
}

export const upsample: OpDef = {
  key: 'upsample',
  rules: upsampleRules,
  title(a) {
    const parts: string[] = [];
    if (a.size !== null && a.size !== undefined) parts.push(`size ${Array.isArray(a.size) ? a.size.join('x') : String(a.size)}`);
    else if (a.scale_factor !== null && a.scale_factor !== undefined) parts.push(`x${Array.isArray(a.scale_factor) ? a.scale_factor.join(',') : String(a.scale_factor)}`);
    if (typeof a.mode === 'string') parts.push(a.mode);
    if (a.align_corners === true) parts.push('align_corners');
    return parts;
  },
  lower: lowerUpsample,
  backward: backwardUpsample,
  traits: { perChannel: true },
};

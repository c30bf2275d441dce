// nn.BatchNorm1d in training mode: [N, C] or [N, C, L]; everything else as BatchNorm2d (batchnorm2d.ts).
import { BATCH_NORM_SIGNATURE, batchNormCommon, inferBatchNorm } from './batchnorm2d';
import type { OpDef, ShapeRule } from './types';

const batchNorm1dRules: ShapeRule[] = [
  {
    op: 'BatchNorm1d',
    kind: 'module',
    pyName: '_BatchNorm.__init__',
    signature: BATCH_NORM_SIGNATURE,
    infer: (inputs, args) => inferBatchNorm('BatchNorm1d', inputs, args, (n) => (n !== 2 && n !== 3 ? `expected 2D or 3D input (got ${n}D input)` : null)),
  },
];

export const batchNorm1d: OpDef = {
  key: 'batch_norm1d',
  rules: batchNorm1dRules,
  ...batchNormCommon,
};

// nn.BatchNorm2d in training mode (a module's default, as when the model is called right after construction).
import type { Shape } from '../model/ir';
import { badArg, err, isErr, isInt, ok, oneInput, truthy } from './common';
import type { Args, ShapeResult, ShapeRule } from './types';

function inferBatchNorm2d(inputs: Shape[], a: Args): ShapeResult {
  const op = 'BatchNorm2d';
  const c = a.num_features;
  if (!isInt(c)) return badArg(op, 'num_features', c, 'an int');
  const affine = truthy(a.affine);
  const tracking = truthy(a.track_running_stats);
  if ((affine || tracking) && c < 0) return err(`Trying to create tensor with negative dimension ${c}: [${c}]`);
  const x = oneInput(op, inputs);
  if (isErr(x)) return x;
  if (x.length !== 4) return err(`expected 4D input (got ${x.length}D input)`);
  // F.batch_norm's _verify_batch_size: N*H*W values per channel.
  if (x[0] * x[2] * x[3] === 1) {
    return err(`Expected more than 1 value per channel when training, got input size torch.Size([${x.join(', ')}])`);
  }
  const checked = [...(tracking ? ['running_mean', 'running_var'] : []), ...(affine ? ['weight', 'bias'] : [])];
  for (const name of checked) {
    if (x[1] !== c) return err(`${name} should contain ${x[1]} elements not ${c}`);
  }
  const params = affine ? 2 * c : 0;
  return ok([...x], params, 0, affine ? [`params: 2*${c} = ${params} (weight, bias)`] : []);
}

export const batchNorm2dRules: ShapeRule[] = [
  {
    op: 'BatchNorm2d',
    kind: 'module',
    pyName: '_BatchNorm.__init__',
    signature: [
      { name: 'num_features' },
      { name: 'eps', default: 1e-5 },
      { name: 'momentum', default: 0.1 },
      { name: 'affine', default: true },
      { name: 'track_running_stats', default: true },
      { name: 'device', default: null },
      { name: 'dtype', default: null },
    ],
    infer: inferBatchNorm2d,
  },
];

// Registry of shape rules: adding an op is one rule file plus one line here.
import { adaptiveAvgPool2dRules } from './adaptive_avg_pool2d';
import { addRules } from './add';
import { avgPool2dRules } from './avgpool2d';
import { batchNorm2dRules } from './batchnorm2d';
import { catRules } from './cat';
import { conv2dRules } from './conv2d';
import { dropoutRules } from './dropout';
import { dropout2dRules } from './dropout2d';
import { flattenRules } from './flatten';
import { geluRules } from './gelu';
import { identityRules } from './identity';
import { leakyReluRules } from './leaky_relu';
import { linearRules } from './linear';
import { localResponseNormRules } from './local_response_norm';
import { logSoftmaxRules } from './log_softmax';
import { maxPool2dRules } from './maxpool2d';
import { reluRules } from './relu';
import { relu6Rules } from './relu6';
import { sigmoidRules } from './sigmoid';
import { siluRules } from './silu';
import { softmaxRules } from './softmax';
import { tanhRules } from './tanh';
import type { ShapeRule } from './types';
import { viewRules } from './view';

const rules: ShapeRule[] = [
  ...conv2dRules,
  ...maxPool2dRules,
  ...avgPool2dRules,
  ...adaptiveAvgPool2dRules,
  ...localResponseNormRules,
  ...batchNorm2dRules,
  ...reluRules,
  ...relu6Rules,
  ...leakyReluRules,
  ...tanhRules,
  ...sigmoidRules,
  ...geluRules,
  ...siluRules,
  ...dropoutRules,
  ...dropout2dRules,
  ...flattenRules,
  ...linearRules,
  ...softmaxRules,
  ...logSoftmaxRules,
  ...identityRules,
  ...addRules,
  ...catRules,
  ...viewRules,
];

const byName = new Map<string, ShapeRule>();
for (const r of rules) byName.set(r.op, r);

/**
 * Look up a rule by module class ("Conv2d"), canonical qualified function ("torch.nn.functional.relu",
 * "torch.flatten", "add" for Python's +, "iadd" for +=) or tensor method (".view").
 */
export function getRule(op: string): ShapeRule | undefined {
  return byName.get(op);
}

export function allRules(): readonly ShapeRule[] {
  return rules;
}

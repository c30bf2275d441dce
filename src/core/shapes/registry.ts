// Registry of shape rules: adding an op is one rule file plus one line here.
import type { ShapeRule } from './types';

const rules: ShapeRule[] = [];

const byName = new Map<string, ShapeRule>();
for (const r of rules) byName.set(r.op, r);

/** Look up a rule by module class ("Conv2d"), qualified function ("F.relu", "torch.flatten") or method (".view"). */
export function getRule(op: string): ShapeRule | undefined {
  return byName.get(op);
}

export function allRules(): readonly ShapeRule[] {
  return rules;
}

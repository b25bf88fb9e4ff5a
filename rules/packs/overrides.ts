// The overrides file (config/rules.yaml): design-institute and enterprise values that replace pack defaults,
// per enterprise, site, sensor or type (domain.md §5: per point, "thresholds loaded from enterprise design
// data where present and defaults otherwise"). Versioned: an alert cites the file's `version` when an
// override applied to its rule (contract.md ruleVersion; resolve.ts).
//
//   version: 3
//   overrides:
//     - { enterprise: yuxi-mining, site: pond-1, sensor: pz-01, rule: tailings_phreatic.threshold,
//         params: { levels: { blue: { enter: 7.0 } } }, source: '…设计院 …', thresholdSource: design }
//     - { enterprise: yuxi-chem, type: gas_combustible, rule: gas_combustible.rise, disabled: true, source: '…' }
//
// `params` is deep-merged into the resolved params (objects key by key, anything else replaced). Every error
// names the file, the entry index and the path inside it, with the line.
import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { RwError } from '../../core/errors.ts';
import { Id } from '../../core/registry.ts';
import { SENSOR_TYPE_IDS } from '../../core/sensor-types.ts';
import { knownRuleId } from './index.ts';

const OverrideEntrySchema = z
  .strictObject({
    enterprise: Id,
    site: Id.optional(),
    sensor: Id.optional(),
    type: z.enum(SENSOR_TYPE_IDS as [string, ...string[]]).optional(),
    /** Full rule id, e.g. 'tailings_phreatic.threshold' or 'tailings_pond.item.phreatic'. */
    rule: z.string().min(1).refine(knownRuleId, 'not a rule of any pack (rules/packs/index.ts), e.g. gas_combustible.threshold'),
    params: z.record(z.string(), z.unknown()).optional(),
    disabled: z.literal(true).optional(),
    /** Where the values come from (design document, clause, date): cited in every alert of the rule. */
    source: z.string().min(1).max(500),
    /** 'design' marks the values as the design institute's (the default-values note goes away). */
    thresholdSource: z.literal('design').optional(),
  })
  .superRefine((o, ctx) => {
    if (o.params === undefined && o.disabled === undefined) ctx.addIssue({ code: 'custom', path: [], message: 'give `params` or `disabled: true`' });
    if (o.params !== undefined && o.disabled) ctx.addIssue({ code: 'custom', path: ['disabled'], message: 'a disabled rule takes no params' });
    // A sensor type's rules are named after the type: `type` and `rule` must agree.
    const pack = o.rule.split('.')[0]!;
    if (o.type !== undefined && (SENSOR_TYPE_IDS as string[]).includes(pack) && pack !== o.type) {
      ctx.addIssue({ code: 'custom', path: ['type'], message: `rule ${o.rule} belongs to type ${pack}, not ${o.type}` });
    }
  });

export const OverridesSchema = z.strictObject({
  /** Positive integer, bumped on every change (the alerts of overridden rules cite it). */
  version: z.number().int().positive(),
  overrides: z.array(OverrideEntrySchema).default([]),
});

export type OverrideEntry = z.infer<typeof OverrideEntrySchema>;
export type Overrides = z.infer<typeof OverridesSchema>;

/** Parses and validates an overrides document; throws RW_ERR_CONFIG naming `file`, entry and path. Pure. */
export function parseOverrides(text: string, file: string): Overrides {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false });
  if (doc.errors.length > 0) {
    const problems = doc.errors.map((e) => `${file}:${lc.linePos(e.pos[0]).line}: ${e.message}`);
    throw new RwError('RW_ERR_CONFIG', `rule overrides refused:\n  ${problems.join('\n  ')}`, { problems });
  }
  const parsed = OverridesSchema.safeParse(doc.toJS() ?? {});
  if (parsed.success) return parsed.data;
  const lineOf = (path: (string | number)[]): number | null => {
    for (let n = path.length; n >= 0; n--) {
      const node = doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
      if (node?.range) return lc.linePos(node.range[0]).line;
    }
    return null;
  };
  const problems = parsed.error.issues.map((i) => {
    const path = i.path as (string | number)[];
    const line = lineOf(path);
    const where = path[0] === 'overrides' && typeof path[1] === 'number'
      ? `overrides[${path[1]}]${path.length > 2 ? `.${path.slice(2).join('.')}` : ''}`
      : path.join('.') || '(top)';
    return `${file}${line ? `:${line}` : ''}: ${where}: ${i.message}`;
  });
  throw new RwError('RW_ERR_CONFIG', `rule overrides refused (${problems.length} problem${problems.length > 1 ? 's' : ''}):\n  ${problems.join('\n  ')}`, { problems });
}

/** Reads and validates the overrides file (the shell around parseOverrides). */
export function loadOverrides(file: string): Overrides {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new RwError('RW_ERR_CONFIG', `${file}: cannot read the rule overrides file: ${(err as Error).message}`);
  }
  return parseOverrides(text, file);
}

// Per-shape evaluators: the hot path of one reading (metric values → every rule of the sensor → levels),
// generated once per distinct shape of a sensor's rules and metrics (performance.md "rule engine alone ≥ 5M
// readings/s per core").
//
// Why generated: the generic loop (engine.ts `evaluateRules`) reads five rule columns per rule, dispatches on
// the bank number and looks the metric up by a name held in a column (a keyed load V8 cannot cache). A
// sensor's shape (its metrics, and per rule the bank, metric, track and season gate) is the same for every
// sensor of a type under one pack, so a plan has a handful of shapes. For each, a function with the metric
// names as constant property loads (one inline cache each) and one call site per rule (monomorphic: V8
// inlines the kind's evaluate there) does the same work as the loop. The source is built from numbers
// and JSON-quoted names only; the kinds' code is called, never copied.
import type { RuleBank, Sample } from '../kinds/kind.ts';
import type { MetricColumns, ProgramShape, RuleColumns } from './plan.ts';

/** Evaluates the rules of the sensor whose metrics start at `m0` and rules at `r0`; true when a level moved.
 * Writes the metric values' last value and time (M.last, M.lastTs) as the generic loop does. */
export type SensorProgram = (m0: number, r0: number, values: Readonly<Record<string, number | boolean>>, ok: boolean) => boolean;

/** A plan has few shapes; past this many, the rest run the generic loop (no unbounded code generation). */
export const MAX_PROGRAMS = 64;

/** The identity of a shape (sensors with equal keys share a program). */
export function shapeKey(shape: ProgramShape): string {
  return JSON.stringify(shape);
}

type Factory = (M: MetricColumns, R: RuleColumns, banks: readonly RuleBank[], sample: Sample) => SensorProgram;
const factories = new Map<string, Factory>();

/** The evaluator of `shape` over a plan's columns and banks and an engine's scratch sample. */
export function buildProgram(shape: ProgramShape, M: MetricColumns, R: RuleColumns, banks: readonly RuleBank[], sample: Sample): SensorProgram {
  const key = shapeKey(shape);
  let make = factories.get(key);
  if (!make) {
    make = new Function('M', 'R', 'banks', 'sample', source(shape)) as Factory;
    factories.set(key, make);
  }
  return make(M, R, banks, sample);
}

/** The factory's body: binds the banks the shape uses, returns the evaluator. */
function source(shape: ProgramShape): string {
  const used = [...new Set(shape.rules.map((r) => r.bank))];
  const lines: string[] = [];
  for (const b of used) lines.push(`const b${b} = banks[${b}];`);
  lines.push('const level = R.level, row = R.row, spec = R.spec, last = M.last, lastTs = M.lastTs;');
  lines.push('return function program(m0, r0, values, ok) {');
  // The sample's time is read from the sample: a double passed as an argument to a call V8 does not inline is
  // boxed (a heap number per reading).
  lines.push('  const ts = sample.ts;');
  shape.metrics.forEach((m, k) => {
    if (m.derived) {
      lines.push(`  const dx${k} = values.dx, dy${k} = values.dy;`);
      lines.push(`  const v${k} = typeof dx${k} === 'number' && typeof dy${k} === 'number' ? Math.hypot(dx${k}, dy${k}) : NaN;`);
    } else {
      lines.push(`  const x${k} = values[${JSON.stringify(m.name)}];`);
      lines.push(`  const v${k} = typeof x${k} === 'number' ? x${k} : x${k} === true ? 1 : x${k} === false ? 0 : NaN;`);
    }
    lines.push(`  if (v${k} === v${k}) { last[m0 + ${k}] = v${k}; lastTs[m0 + ${k}] = ts; }`);
  });
  lines.push('  let changed = false;');
  lines.push('  let l = 0;');
  shape.rules.forEach((r, j) => {
    const v = `v${r.metric}`;
    const call = `l = b${r.bank}.evaluate(row[r0 + ${j}], sample);`;
    // Device-track rules see every sample; process rules only quality-ok ones with a value (engine.ts).
    if (r.track === 1) lines.push(`  sample.value = ${v}; ${call}`);
    else {
      const gate = r.seasonal ? ` if (l !== 0 && !spec[r0 + ${j}].inSeason(ts)) l = 0;` : '';
      lines.push(`  if (ok && ${v} === ${v}) { sample.value = ${v}; ${call}${gate} } else l = level[r0 + ${j}];`);
    }
    lines.push(`  if (l !== level[r0 + ${j}]) { level[r0 + ${j}] = l; changed = true; }`);
  });
  lines.push('  return changed;');
  lines.push('};');
  return lines.join('\n');
}

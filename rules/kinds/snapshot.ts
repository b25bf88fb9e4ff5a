// Checkpoints of rule state without asking every kind to serialise itself: the data of a state object
// (numbers, strings, booleans, typed arrays, arrays and plain objects) is copied out; functions and class
// instances (views, the env) are left behind. Restoring merges the data into a freshly initialised
// state of the same rule, so references set up by `init` stay as they are.

type Plain = number | string | boolean | null | undefined | ArrayBufferView | Plain[] | { [k: string]: Plain };

const isPlainObject = (v: object): boolean => {
  const p = Object.getPrototypeOf(v);
  return p === Object.prototype || p === null;
};

export function snapshotOf(value: unknown, depth = 0): Plain {
  if (value === null || value === undefined) return value as null | undefined;
  const t = typeof value;
  if (t === 'number' || t === 'string' || t === 'boolean') return value as number | string | boolean;
  if (t !== 'object' || depth > 8) return undefined;
  if (ArrayBuffer.isView(value)) return (value as unknown as { slice(): ArrayBufferView }).slice();
  if (Array.isArray(value)) return value.map((v) => snapshotOf(v, depth + 1));
  if (!isPlainObject(value as object)) return undefined;
  const out: { [k: string]: Plain } = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (typeof v === 'function') continue;
    const s = snapshotOf(v, depth + 1);
    if (s !== undefined) out[k] = s;
  }
  return out;
}

/** Copies snapshot data into `target` in place; keys whose current value is a function or class instance are kept. */
export function restoreInto(target: Record<string, unknown>, snap: Plain): void {
  if (!snap || typeof snap !== 'object' || Array.isArray(snap) || ArrayBuffer.isView(snap)) return;
  for (const [k, v] of Object.entries(snap)) {
    const cur = target[k];
    if (typeof cur === 'function') continue;
    if (ArrayBuffer.isView(cur) && ArrayBuffer.isView(v) && (cur as unknown as { length: number }).length === (v as unknown as { length: number }).length) {
      (cur as unknown as { set(a: ArrayLike<number>): void }).set(v as unknown as ArrayLike<number>);
    } else if (cur && typeof cur === 'object' && !Array.isArray(cur) && !ArrayBuffer.isView(cur)) {
      if (isPlainObject(cur)) restoreInto(cur as Record<string, unknown>, v);
    } else {
      target[k] = v;
    }
  }
}

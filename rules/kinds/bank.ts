// Rule banks. `ObjectBank`: one state object per instance, as `init` made it, in an array addressed by row;
// every kind without a bank of its own runs there unchanged. `RecordBank`: the kinds of performance.md's
// standard mix (threshold, rate, statistic, health) keep no object per instance: a row is a fixed-size record
// of float64, int32 and float32 words in large shared chunks, and the evaluate the bank calls directly (so V8
// inlines it) reads and writes the record in place.
import { Level } from '../../core/level.ts';
import { restoreInto, snapshotOf } from './snapshot.ts';
import { DEVICE_STATES, type DeviceState, type RuleBank, type RuleDetail, type Sample, type SensorRuleContext, type SensorRuleKind } from './kind.ts';

/** A device state's index in DEVICE_STATES (0, ok, for none known). */
const stateIndex = (state: DeviceState): number => Math.max(0, DEVICE_STATES.indexOf(state));

export class ObjectBank<P, S> implements RuleBank<P> {
  readonly ticks: boolean;
  protected readonly states: S[] = [];

  constructor(readonly kind: SensorRuleKind<P, S>) {
    this.ticks = typeof kind.tick === 'function';
  }

  add(params: P, ctx: SensorRuleContext): number {
    this.states.push(this.kind.init(params, ctx));
    return this.states.length - 1;
  }

  evaluate(row: number, sample: Sample): Level {
    return this.kind.evaluate(this.states[row]!, sample);
  }

  tick(row: number, now: number): Level {
    return this.kind.tick ? this.kind.tick(this.states[row]!, now) : Level.none;
  }

  describe(row: number): RuleDetail {
    return this.kind.describe(this.states[row]!);
  }

  value(row: number): number | null {
    return this.describe(row).value;
  }

  deviceState(row: number): DeviceState {
    return this.kind.deviceState ? this.kind.deviceState(this.states[row]!) : 'ok';
  }

  deviceStateIndex(row: number): number {
    return stateIndex(this.deviceState(row));
  }

  deviceSince(row: number): number {
    return this.kind.deviceSince ? this.kind.deviceSince(this.states[row]!) : NaN;
  }

  pack(rows: readonly number[]): PackedStates {
    return packStates(rows.map((r) => this.states[r]! as object), () => []);
  }

  unpack(p: unknown, i: number, row: number, _arena: readonly Int32Array[] | null): boolean {
    restoreInto(this.states[row]! as Record<string, unknown>, rowOf(p as PackedStates, i) as never);
    return true;
  }
}

/** Many rows' states as columns: what a checkpoint stores of a bank (rules/engine/engine.ts). Numbers go into
 * one Float64Array per field, a state's own typed arrays and its chunk slices into one concatenated array per
 * field, anything else (plain objects, null) into an array of plain data: a few large arrays to serialize
 * instead of an object per rule (≈ 10× faster at 100k sensors). A row reads back in the shape `snapshotOf`
 * gives the state (chunk slices as arrays of its own at offset 0). */
export interface PackedStates {
  n: number;
  cols: Record<string, PackedColumn>;
}
type Typed = Float32Array | Float64Array | Int32Array | Uint8Array;
type PackedColumn = { t: 'n'; v: Float64Array } | { t: 'a'; v: Typed; at: Int32Array } | { t: 'o'; v: unknown[] };

function packStates(states: readonly object[], slicesOf: (st: object) => readonly ChunkSlice[]): PackedStates {
  const cols: Record<string, PackedColumn> = {};
  const n = states.length;
  if (n === 0) return { n, cols };
  const rows = states as readonly Record<string, unknown>[];
  const slices = rows.map((st) => slicesOf(st));
  const offsets = new Set(slices[0]!.map((x) => x[1]));
  for (const k of Object.keys(rows[0]!)) {
    if (offsets.has(k)) continue; // a chunk slice reads back at offset 0 of an array of its own
    const si = slices[0]!.findIndex((x) => x[0] === k);
    if (si >= 0) cols[k] = packSlices(rows, slices, si);
    else cols[k] = packField(rows, k);
  }
  return { n, cols };
}

/** One chunk slice per row, concatenated. */
function packSlices(rows: readonly Record<string, unknown>[], slices: readonly (readonly ChunkSlice[])[], si: number): PackedColumn {
  const n = rows.length;
  const at = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) at[i + 1] = at[i]! + slices[i]![si]![2];
  const first = rows[0]![slices[0]![si]![0]] as Typed;
  const v = new (first.constructor as new (len: number) => Typed)(at[n]!);
  for (let i = 0; i < n; i++) {
    const [a, o] = slices[i]![si]!;
    const src = rows[i]![a] as Typed;
    const off = rows[i]![o] as number;
    for (let x = at[i]!, y = off; x < at[i + 1]!; x++, y++) v[x] = src[y]!;
  }
  return { t: 'a', v, at };
}

/** One field of every row: numbers into a Float64Array, typed arrays concatenated, else plain data per row. */
function packField(rows: readonly Record<string, unknown>[], k: string): PackedColumn {
  const n = rows.length;
  const v0 = rows[0]![k];
  if (typeof v0 === 'number') {
    const v = new Float64Array(n);
    let i = 0;
    for (; i < n; i++) {
      const x = rows[i]![k];
      if (typeof x !== 'number') break;
      v[i] = x;
    }
    if (i === n) return { t: 'n', v };
  } else if (ArrayBuffer.isView(v0) && rows.every((st) => ArrayBuffer.isView(st[k]) && (st[k] as Typed).constructor === v0.constructor)) {
    const at = new Int32Array(n + 1);
    for (let i = 0; i < n; i++) at[i + 1] = at[i]! + (rows[i]![k] as Typed).length;
    const v = new (v0.constructor as new (len: number) => Typed)(at[n]!);
    for (let i = 0; i < n; i++) v.set(rows[i]![k] as Typed, at[i]!);
    return { t: 'a', v, at };
  }
  return { t: 'o', v: rows.map((st) => snapshotOf(st[k])) };
}

/** Row `i` of packed states, in the plain shape of `snapshotOf(state)`. */
export function rowOf(p: PackedStates, i: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, c] of Object.entries(p.cols)) {
    if (c.t === 'n') out[k] = c.v[i];
    else if (c.t === 'a') out[k] = c.v.slice(c.at[i]!, c.at[i + 1]!);
    else if (c.v[i] !== undefined) out[k] = c.v[i];
  }
  return out;
}

/** The bank the engine keeps for `kind`: its own when it has one. The record banks of one plan share `arena`. */
export function bankFor<P>(kind: SensorRuleKind<P>, arena: RecordArena): RuleBank<P> {
  return kind.createBank ? kind.createBank(arena) : new ObjectBank(kind);
}

// A record bank's chunks: one ArrayBuffer of CHUNK_WORDS 8-byte words each, seen as Float64Array, Int32Array
// and Float32Array. A row is chunk << CHUNK_BITS | the record's first word, so the hot path finds its record
// with a shift and a mask (no object, no offset column).
const CHUNK_BITS = 13;
const CHUNK_WORDS = 1 << CHUNK_BITS; // 64 KiB
const WORD_MASK = CHUNK_WORDS - 1;

/** The chunks the record banks of one plan allocate from, in the order the plan adds rules: sensor by sensor,
 * so that one sensor's records (threshold, rate, statistic, health) lie next to each other and a reading walks
 * one stretch of memory instead of one per bank. */
export class RecordArena {
  readonly d: Float64Array[] = [];
  readonly i: Int32Array[] = [];
  readonly f: Float32Array[] = [];
  private used = CHUNK_WORDS;

  /** A fresh record of `words` 8-byte words (zeroed); returns its row. */
  reserve(words: number): number {
    if (words > CHUNK_WORDS) throw new Error(`a record of ${words} words exceeds a chunk (${CHUNK_WORDS})`);
    if (this.used + words > CHUNK_WORDS) {
      const buf = new ArrayBuffer(CHUNK_WORDS * 8);
      this.d.push(new Float64Array(buf));
      this.i.push(new Int32Array(buf));
      this.f.push(new Float32Array(buf));
      this.used = 0;
    }
    const row = ((this.d.length - 1) << CHUNK_BITS) | this.used;
    this.used += words;
    return row;
  }
}

/** The chunk of a record bank's row. */
export function chunkOf(row: number): number {
  return row >>> CHUNK_BITS;
}
/** The first 8-byte word of a record bank's row in its chunk: its doubles start at d[w], its int32 words at
 * i[2 × w], its float32 words at f[2 × w]. */
export function wordOf(row: number): number {
  return row & WORD_MASK;
}

/** States as records in shared chunks (performance.md: ≤ 1 KB of rule state per sensor). No object per
 * instance: V8 spends a 24 B header and 8 B per field on an object (16 B more per double field, boxed),
 * where a record spends 8 B per double and 4 B per small integer. A record holds the state's numbers and,
 * in an int32 word, the index of its compiled config in `cfgs` (configs are shared by equal params).
 *
 * The kind's own state object (as `init` shapes it) stays the kind's contract and the checkpoint format:
 * cold paths (describe, checkpoints) see a row through `view` (a state object whose chunked arrays, if any,
 * are slices of the chunks, `slicesOf`) and write a restored one back with `store`. */
export abstract class RecordBank<P, S, C> implements RuleBank<P> {
  readonly ticks: boolean;
  /** Chunk k as float64, int32 and float32 words (one buffer): the arena's, shared with the plan's other
   * record banks. */
  protected readonly d: Float64Array[];
  protected readonly i: Int32Array[];
  protected readonly f: Float32Array[];
  protected readonly cfgs: C[] = [];
  private readonly cfgIds = new Map<C, number>();

  constructor(readonly kind: SensorRuleKind<P, S>, private readonly arena: RecordArena = new RecordArena()) {
    this.ticks = typeof kind.tick === 'function';
    this.d = arena.d;
    this.i = arena.i;
    this.f = arena.f;
  }

  abstract add(params: P, ctx: SensorRuleContext): number;
  abstract evaluate(row: number, sample: Sample): Level;
  /** The row as `init` shapes a state (cold paths only: allocates). */
  protected abstract view(row: number): S;
  /** Writes a view's numbers back into its row (its chunk slices are written in place). */
  protected abstract store(row: number, st: S): void;

  /** The parts of a view that are slices of the chunks (kinds with arrays override). */
  protected slicesOf(_st: S): readonly ChunkSlice[] {
    return [];
  }

  /** A fresh record of `words` 8-byte words (zeroed); returns its row. */
  protected reserve(words: number): number {
    return this.arena.reserve(words);
  }

  /** The index of `cfg` in `cfgs` (added on first use). */
  protected cfgId(cfg: C): number {
    let id = this.cfgIds.get(cfg);
    if (id === undefined) {
      id = this.cfgs.length;
      this.cfgs.push(cfg);
      this.cfgIds.set(cfg, id);
    }
    return id;
  }

  tick(row: number, now: number): Level {
    if (!this.kind.tick) return Level.none;
    const st = this.view(row);
    const l = this.kind.tick(st, now);
    this.store(row, st);
    return l;
  }

  describe(row: number): RuleDetail {
    return this.kind.describe(this.view(row));
  }

  /** `describe(row).value`; the kinds whose value is a number of their record read it there. */
  value(row: number): number | null {
    return this.describe(row).value;
  }

  deviceState(row: number): DeviceState {
    return this.kind.deviceState ? this.kind.deviceState(this.view(row)) : 'ok';
  }

  deviceStateIndex(row: number): number {
    return stateIndex(this.deviceState(row));
  }

  deviceSince(row: number): number {
    return this.kind.deviceSince ? this.kind.deviceSince(this.view(row)) : NaN;
  }

  /** The size in 8-byte words of a record with config `cfg`: its doubles, then its int32 words starting with the
   * config index, then any float32 words. `add` reserves this much; checkpoints copy this much. */
  protected abstract recordWordsOf(cfg: C): number;
  /** The number of doubles before the config index. */
  protected abstract readonly recordDoubles: number;
  /** The record layout's name and version: a checkpoint's records are copied back only into the same layout. */
  protected abstract readonly layout: string;

  /** The size of the record at `row` (a record, not an object row: those are negative). */
  private recordWords(row: number): number {
    return this.recordWordsOf(this.cfgs[this.i[chunkOf(row)]![2 * (wordOf(row) + this.recordDoubles)]!]!);
  }

  /** Checkpoint data: where the rows' records are (`RawRecords`: their rows and sizes; the checkpoint holds the
   * arena's chunks once, as they are, so nothing is copied per row on the serving thread), and the object rows'
   * states as columns (`packColumns`). */
  pack(rows: readonly number[]): RawRecords {
    const objects: number[] = [];
    const words = new Int32Array(rows.length);
    for (let k = 0; k < rows.length; k++) {
      const row = rows[k]!;
      if (row < 0) objects.push(row);
      else words[k] = this.recordWords(row);
    }
    return { t: 'rec', layout: this.layout, rows: Int32Array.from(rows), words, objects: objects.length ? this.packColumns(objects) : null, objectAt: objects.length ? objectIndex(rows) : null };
  }

  /** The rows' states packed as columns (the kind's state shape, as `ObjectBank.pack`); what `pack` does for
   * object rows, and what checkpoints before `RawRecords` hold. */
  packColumns(rows: readonly number[]): PackedStates {
    return packStates(rows.map((r) => this.view(r) as object), (st) => this.slicesOf(st as S));
  }

  /** Restores row `i` of `pack` into `row`, freshly added with the same params: a record from `arena` (the
   * checkpoint's copy of the chunks), or a state from columns (object rows, and checkpoints of format 3). A
   * record of another layout is not restored (false): the rule starts fresh. */
  unpack(p: unknown, i: number, row: number, arena: readonly Int32Array[] | null): boolean {
    const raw = p as RawRecords;
    if (raw.t !== 'rec') return this.unpackColumns(p as PackedStates, i, row);
    const n = raw.words[i]!;
    if (row < 0 || n === 0) {
      // An object row (statistic's baselines and sums): restored from its columns, into an object row only.
      const k = raw.objectAt?.[i] ?? -1;
      return row < 0 && k >= 0 && raw.objects !== null ? this.unpackColumns(raw.objects, k, row) : false;
    }
    const old = raw.rows[i]!;
    const src = arena?.[chunkOf(old)];
    if (!src || raw.layout !== this.layout || n !== this.recordWords(row)) return false;
    const a = this.i[chunkOf(row)]!, from = 2 * wordOf(row), cfgAt = from + 2 * this.recordDoubles;
    const cfg = a[cfgAt]!; // this plan's index of the (equal) compiled config
    a.set(src.subarray(2 * wordOf(old), 2 * wordOf(old) + 2 * n), from);
    a[cfgAt] = cfg;
    return true;
  }

  private unpackColumns(p: PackedStates, i: number, row: number): boolean {
    const st = this.view(row);
    detached(st as object, this.slicesOf(st), () => restoreInto(st as Record<string, unknown>, rowOf(p, i) as never));
    this.store(row, st);
    return true;
  }
}

/** A record bank's checkpoint data: per row its row in the plan that wrote it (chunk and word in the checkpoint's
 * arena) and its size in words (0 for an object row), the bank's record layout, and the object rows' states as
 * columns (`objectAt[k]`: the row's index there, −1 for a record). */
export interface RawRecords {
  t: 'rec';
  layout: string;
  rows: Int32Array;
  words: Int32Array;
  objects: PackedStates | null;
  objectAt: Int32Array | null;
}

function objectIndex(rows: readonly number[]): Int32Array {
  const out = new Int32Array(rows.length).fill(-1);
  let n = 0;
  rows.forEach((r, k) => { if (r < 0) out[k] = n++; });
  return out;
}

/** Part of a state that is a slice of a chunk: the array's key, the offset's key and the length. */
export type ChunkSlice = readonly [array: string, offset: string, length: number];

/** Runs `use` with the state's chunk slices copied into arrays of its own at offset 0 (a checkpoint holds a
 * state as `init` shapes it, not the chunks), then copies them back and restores the references. */
export function detached<T>(state: object, slices: readonly ChunkSlice[], use: () => T): T {
  const st = state as Record<string, Float32Array | Float64Array | number>;
  const saved = slices.map(([a, o]) => [st[a] as Float32Array | Float64Array, st[o] as number] as const);
  slices.forEach(([a, o, n], i) => { const [arr, off] = saved[i]!; st[a] = arr.slice(off, off + n); st[o] = 0; });
  try {
    return use();
  } finally {
    slices.forEach(([a, o, n], i) => {
      const [arr, off] = saved[i]!;
      arr.set((st[a] as Float32Array | Float64Array).subarray(0, n), off);
      st[a] = arr;
      st[o] = off;
    });
  }
}

// The reading as it arrives on the wire (contract.md "Readings"): the one schema of this boundary.
// zod issues are mapped to the stable codes of the contract's table.
import { z } from 'zod';
import { QUALITIES } from '../core/reading.ts';
import type { ErrorCode } from '../core/errors.ts';
import { ID_RE } from '../core/ids.ts';

/** ISO 8601 with an explicit offset (Z or ±hh:mm), to the millisecond or finer. */
const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;

const Ts = z.union([z.string(), z.number()]);
const Values = z.record(z.string(), z.union([z.number(), z.boolean()]));

const readingShape = {
  ts: Ts,
  values: Values,
  quality: z.string().optional(),
  seq: z.number().int().nonnegative().optional(),
  boot: z.union([z.string().max(64), z.number().int()]).optional(),
};
export const WireReading = z.strictObject(readingShape);
export const WireGatewayReading = z.strictObject({
  ...readingShape,
  site: z.string().regex(ID_RE),
  sensor: z.string().regex(ID_RE),
});
export type WireReading = z.infer<typeof WireReading>;
export type WireGatewayReading = z.infer<typeof WireGatewayReading>;

/**
 * The common case without zod: a plain reading object whose every field already has the type the schema
 * asks for, returned as is; null for anything else, which then goes through the schema of record above
 * (and so gets its exact error code and message). Accepts nothing the schema refuses.
 */
export function fastWireReading(x: unknown, gateway: false): WireReading | null;
export function fastWireReading(x: unknown, gateway: true): WireGatewayReading | null;
export function fastWireReading(x: unknown, gateway: boolean): WireReading | null {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return null;
  const r = x as Record<string, unknown>;
  for (const k in r) {
    if (!(k === 'ts' || k === 'values' || k === 'quality' || k === 'seq' || k === 'boot' || (gateway && (k === 'site' || k === 'sensor')))) return null;
  }
  const { ts, values, quality, seq, boot } = r;
  if (typeof ts !== 'string' && !(typeof ts === 'number' && Number.isFinite(ts))) return null;
  if (typeof values !== 'object' || values === null || Array.isArray(values) || Object.prototype.hasOwnProperty.call(values, '__proto__')) return null;
  for (const k in values) {
    const v = (values as Record<string, unknown>)[k];
    if (!(typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v)))) return null;
  }
  if (quality !== undefined && typeof quality !== 'string') return null;
  if (seq !== undefined && !(Number.isSafeInteger(seq) && (seq as number) >= 0)) return null;
  if (boot !== undefined && !(typeof boot === 'string' ? boot.length <= 64 : Number.isSafeInteger(boot))) return null;
  if (gateway && !(typeof r.site === 'string' && ID_RE.test(r.site) && typeof r.sensor === 'string' && ID_RE.test(r.sensor))) return null;
  return r as WireReading;
}

const QUALITY_SET: ReadonlySet<string> = new Set(QUALITIES);
export const isQuality = (q: string): boolean => QUALITY_SET.has(q);

export type TsResult = { ok: true; ms: number } | { ok: false; message: string };

export function parseTs(ts: string | number): TsResult {
  if (typeof ts === 'number') {
    if (!Number.isInteger(ts)) return { ok: false, message: 'epoch timestamps are whole milliseconds' };
    if (ts < 1e11) return { ok: false, message: `ts ${ts} looks like epoch seconds; send epoch milliseconds` };
    return { ok: true, ms: ts };
  }
  if (!ISO_WITH_OFFSET.test(ts)) return { ok: false, message: `ts "${ts.slice(0, 40)}" is not ISO 8601 with an offset` };
  const ms = Date.parse(ts);
  // Date.parse rolls impossible dates over (02-30 → 03-02): the calendar fields must read back unchanged.
  const [y, mo, d] = [Number(ts.slice(0, 4)), Number(ts.slice(5, 7)), Number(ts.slice(8, 10))];
  const cal = new Date(Date.UTC(y, mo - 1, d));
  if (Number.isNaN(ms) || cal.getUTCMonth() !== mo - 1 || cal.getUTCDate() !== d || Number(ts.slice(11, 13)) > 23 || Number(ts.slice(14, 16)) > 59) {
    return { ok: false, message: `ts "${ts.slice(0, 40)}" is not a valid date` };
  }
  return { ok: true, ms };
}

/** The contract code for the first problem zod found. */
export function codeForIssue(issue: z.core.$ZodIssue): ErrorCode {
  const field = issue.path[0];
  if (field === 'values' && issue.path.length > 1) return 'RW_ERR_VALUE';
  if (field === 'quality') return 'RW_ERR_QUALITY';
  if (field === 'ts') return 'RW_ERR_TS_FORMAT';
  return 'RW_ERR_PAYLOAD_SCHEMA';
}

export function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') return `unknown field(s): ${issue.keys.join(', ')}`;
  const path = issue.path.length ? issue.path.join('.') : 'reading';
  return `${path}: ${issue.message}`;
}

/** Maximum nesting of a payload: an array of reading objects with a values object is depth 3. */
export const MAX_DEPTH = 4;

/** Depth of JSON nesting, scanning bytes (strings skipped); stops early once over the limit. */
export function jsonDepthExceeds(buf: Uint8Array, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i]!;
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) { if (++depth > max) return true; }
    else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

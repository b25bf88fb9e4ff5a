// The ingest pipeline: topic → decode → validate each reading → journal. Bad input never stops good
// input next to it: every reject gets its code, a counter and a message on errors/{enterprise}/{device}.
import type { ErrorCode } from '../core/errors.ts';
import type { ReadingSourceKind } from '../core/reading.ts';
import type { IngestCounters } from './counters.ts';
import type { Journal, PendingEntry } from './journal.ts';
import type { IngestRegistry } from './registry-view.ts';
import { parseTopic, type ParsedTopic } from './topics.ts';
import { validateReading, type TimeRules, type ValidationContext } from './validate.ts';
import { MAX_DEPTH, WireGatewayReading, WireReading, codeForIssue, describeIssue, fastWireReading, jsonDepthExceeds } from './wire.ts';

export const MAX_BATCH = 1000;

/** contract.md "Rejections": the message published on errors/{enterprise}/{device}. */
export interface RejectMessage {
  code: ErrorCode;
  message: string;
  topic: string;
  sensorId: string | null;
  seq: number | null;
  index: number | null;
  receivedAt: string;
}

export interface IngestInput {
  source: ReadingSourceKind;
  topic: string;
  payload: Uint8Array;
  /** The enterprise the publisher belongs to; a topic naming another enterprise is refused. */
  enterpriseId: string;
  deviceId: string | null;
}

export interface IngestOutcome {
  accepted: number;
  duplicates: number;
  /** Readings refused because the journal is full: the publisher must not be told they were taken. */
  full: number;
  rejects: RejectMessage[];
}

export interface IngestDeps {
  registry: IngestRegistry;
  journal: Journal;
  counters: IngestCounters;
  rules: TimeRules;
  now: () => number;
  /** Called once per rejected reading (or payload), after counting. */
  onReject?: (input: IngestInput, reject: RejectMessage) => void;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

export class Ingest {
  constructor(private readonly deps: IngestDeps) {}

  async handle(input: IngestInput): Promise<IngestOutcome> {
    const now = this.deps.now();
    const out: IngestOutcome = { accepted: 0, duplicates: 0, full: 0, rejects: [] };

    const topic = parseTopic(input.topic);
    if (!topic || topic.kind === 'status' || topic.enterpriseId !== input.enterpriseId || (topic.kind === 'import') !== (input.source === 'import')) {
      this.reject(out, input, now, 'RW_ERR_TOPIC', `topic "${input.topic.slice(0, 200)}" is not sensors/{enterprise}/{site}/{sensor} or gateways/{enterprise}/{device} of your enterprise`);
      return out;
    }
    if (topic.kind === 'gateway' && input.deviceId !== null && topic.deviceId !== input.deviceId) {
      this.reject(out, input, now, 'RW_ERR_ACL_DENIED', `gateways/${topic.enterpriseId}/${topic.deviceId} belongs to another device`);
      return out;
    }
    let body: unknown;
    try {
      if (jsonDepthExceeds(input.payload, MAX_DEPTH)) throw new Error(`nested deeper than ${MAX_DEPTH} levels`);
      body = JSON.parse(decoder.decode(input.payload));
    } catch (err) {
      this.reject(out, input, now, 'RW_ERR_PAYLOAD_JSON', `payload is not JSON: ${err instanceof Error ? err.message.slice(0, 120) : 'parse error'}`);
      return out;
    }
    if (typeof body !== 'object' || body === null) {
      this.reject(out, input, now, 'RW_ERR_PAYLOAD_JSON', 'payload must be a JSON object or array');
      return out;
    }
    const isBatch = Array.isArray(body);
    const items: unknown[] = isBatch ? (body as unknown[]) : [body];
    if (items.length > MAX_BATCH) {
      this.reject(out, input, now, 'RW_ERR_BATCH_TOO_LARGE', `${items.length} readings in one array; at most ${MAX_BATCH}`);
      return out;
    }

    const ctx: ValidationContext = { registry: this.deps.registry, rules: this.deps.rules, now, source: input.source, enterpriseId: input.enterpriseId, deviceId: input.deviceId };
    const entries: PendingEntry[] = [];
    const indexOf: number[] = [];
    for (let index = 0; index < items.length; index++) {
      const entry = this.check(items[index], topic, isBatch ? index : null, ctx, out, input);
      if (entry) { entries.push(entry); indexOf.push(index); }
    }
    if (entries.length === 0) return out;

    const results = await this.deps.journal.append(entries);
    for (let i = 0; i < results.length; i++) {
      const res = results[i]!;
      if (res.status === 'accepted') out.accepted++;
      else if (res.status === 'duplicate') out.duplicates++;
      else {
        out.full++;
        const e = entries[i]!;
        this.reject(out, input, now, 'RW_ERR_BACKLOG_FULL', 'the journal is at its limit; retry later', e.sensorId, e.seq, isBatch ? indexOf[i]! : null);
      }
    }
    this.deps.counters.accepted += out.accepted;
    this.deps.counters.duplicates += out.duplicates;
    return out;
  }

  /** One reading of the payload: its journal entry, or null after recording its reject. */
  private check(item: unknown, topic: Exclude<ParsedTopic, { kind: 'status' }>, idx: number | null, ctx: ValidationContext, out: IngestOutcome, input: IngestInput): PendingEntry | null {
    const gateway = topic.kind !== 'sensor';
    // zod is the schema of record; the hand-written check only takes the common, well-formed case faster.
    let r: WireReading | null = gateway ? fastWireReading(item, true) : fastWireReading(item, false);
    if (!r) {
      const raw = item as { sensor?: unknown; seq?: unknown } | null;
      const guessSensor = !gateway ? topic.sensorId : typeof raw?.sensor === 'string' ? raw.sensor.slice(0, 64) : null;
      const guessSeq = typeof raw?.seq === 'number' ? raw.seq : null;
      const parsed = gateway ? WireGatewayReading.safeParse(item) : WireReading.safeParse(item);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        // A missing ts is a missing field (RW_ERR_PAYLOAD_SCHEMA); a ts of the wrong type is a format error.
        const missingTs = issue.path[0] === 'ts' && typeof item === 'object' && item !== null && !('ts' in item);
        this.reject(out, input, ctx.now, missingTs ? 'RW_ERR_PAYLOAD_SCHEMA' : codeForIssue(issue), missingTs ? 'ts: required' : describeIssue(issue), guessSensor, guessSeq, idx);
        return null;
      }
      // A JSON key "__proto__" is an own property of the parsed payload, but zod's record copy assigns it
      // (setting the prototype) and so loses it: refuse it here rather than drop it silently.
      if (Object.prototype.hasOwnProperty.call((item as { values: object }).values, '__proto__')) {
        this.reject(out, input, ctx.now, 'RW_ERR_UNKNOWN_METRIC', 'metric "__proto__" is not defined for this sensor', guessSensor, guessSeq, idx);
        return null;
      }
      r = parsed.data;
    }
    const siteId = gateway ? (r as WireGatewayReading).site : topic.siteId;
    const sensorId = gateway ? (r as WireGatewayReading).sensor : topic.sensorId;
    const v = validateReading(r, siteId, sensorId, ctx);
    if (!v.ok) { this.reject(out, input, ctx.now, v.code, v.message, sensorId, r.seq ?? null, idx); return null; }
    return v.entry;
  }

  private reject(out: IngestOutcome, input: IngestInput, now: number, code: ErrorCode, message: string, sensorId: string | null = null, seq: number | null = null, index: number | null = null): void {
    const r: RejectMessage = { code, message, topic: input.topic, sensorId, seq, index, receivedAt: new Date(now).toISOString() };
    out.rejects.push(r);
    this.deps.counters.reject(code);
    this.deps.onReject?.(input, r);
  }
}

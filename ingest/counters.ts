// Ingest's counters; api/metrics exposes them under the contract's stable names.
import type { ErrorCode } from '../core/errors.ts';

export class IngestCounters {
  accepted = 0;
  duplicates = 0;
  readonly rejected = new Map<ErrorCode, number>();
  reject(code: ErrorCode, n = 1): void {
    this.rejected.set(code, (this.rejected.get(code) ?? 0) + n);
  }
  rejectedTotal(): number {
    let t = 0;
    for (const n of this.rejected.values()) t += n;
    return t;
  }
}

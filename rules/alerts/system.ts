// Platform-health alerts (`kind: system`, contract.md "Alerts": topic alerts/_platform/{component}, visible
// to platform operators only). The journal nearing its limit is the first (contract.md "Backpressure"):
// orange from 80 % of the limit, red at 95 % (ingest refuses at 100 % with RW_ERR_BACKLOG_FULL), recovered
// below 70 % (hysteresis). Pure: the shell samples the journal's stats on the injected clock.
import { Level } from '../../core/level.ts';
import type { LevelSignal } from '../engine/signal.ts';

export interface SpoolStats { unconsumedBytes: number; limitBytes: number }

export function spoolLevel(prev: Level, s: SpoolStats): Level {
  const f = s.limitBytes > 0 ? s.unconsumedBytes / s.limitBytes : 0;
  if (f >= 0.95) return Level.red;
  if (f >= 0.8 || (prev !== Level.none && f >= 0.7)) return Level.orange;
  return Level.none;
}

export function spoolSignal(level: Level, s: SpoolStats, now: number): LevelSignal {
  const pct = s.limitBytes > 0 ? Math.round((s.unconsumedBytes / s.limitBytes) * 1000) / 10 : 0;
  return {
    key: '_platform/journal/spool', kind: 'system', enterpriseId: null, siteId: null, sensorId: null, metric: 'spool_bytes', level,
    rule: 'system.journal_spool', ruleVersion: 1, thresholdSource: 'default', nativeAlarm: null, value: s.unconsumedBytes,
    threshold: level === Level.red ? Math.round(s.limitBytes * 0.95) : level === Level.orange ? Math.round(s.limitBytes * 0.8) : null, unit: 'B',
    text: level === Level.none ? `数据缓冲已回落至 ${pct}%` : `数据缓冲（日志）已用 ${pct}%，达上限后将拒收数据（RW_ERR_BACKLOG_FULL）`,
    ts: now, pos: 0, retrospective: false, parentKey: null, evidence: null,
  };
}

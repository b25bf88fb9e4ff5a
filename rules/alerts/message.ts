// The alert's human-readable message (contract.md event field `message`: "human-readable, Chinese by
// default"). Regulators' wording: 【橙色预警(二级)】 for warnings (domain.md §3.1, contract.md "Levels"),
// the standard's own grade in （…） (contract.md `nativeAlarm`), （补报） for alerts decided from a backlog,
// （频繁波动） for flapping ones, "已恢复正常" once the condition is over; （未录入设计预警值，使用平台缺省值） while a rule
// that expects the designer's values runs on the platform's defaults (domain.md §2.5 "clearly label").
import { DEFAULT_VALUES_NOTE, DEFAULT_VALUES_NOTE_EN, type AlertKind, type Condition } from '../../core/alert.ts';
import { Level, levelNo, levelZh } from '../../core/level.ts';

/** Display names the message may use (from the registry; all optional: the message degrades to ids/text). */
export interface MessageNames {
  enterpriseName?: string;
  siteName?: string;
  /** e.g. "可燃气体探测器GT-101" (type name + sensor name). */
  sensorName?: string;
  /** The metric's Chinese name, e.g. "可燃气体浓度" (core/sensor-types.ts `zh`). */
  metricZh?: string;
}

export interface MessageInput extends MessageNames {
  kind: AlertKind;
  level: Level;
  value: number | boolean | null;
  unit: string | null;
  threshold: number | null;
  /** The rule's own Chinese fragment (rules/kinds/kind.ts RuleDetail.text); '' when it gave none. */
  text: string;
  nativeAlarm: string | null;
  /** The rule runs on the platform's defaults where design values are expected (domain.md §2.5). */
  defaultValues?: boolean;
  retrospective: boolean;
  flapping: boolean;
  condition: Condition;
  /** Device alerts: offline (no data, comm lost) or any other fault; default fault. */
  device?: 'fault' | 'offline';
}

export type Lang = 'zh' | 'en';

const EN_LEVEL = ['none', 'Blue', 'Yellow', 'Orange', 'Red'];

/**
 * Composes the message. Body: the rule's own `text` when it gave one (kinds word their conditions, e.g.
 * "浓度 26.0 %LEL ≥ 25 %LEL 持续 30 s"); otherwise "<metric> <value> <unit> ≥|≤ <threshold> <unit>" from the
 * fields. Recovered: "<metric> <value> <unit> 已恢复正常". Names (enterprise, site, sensor) come first when known.
 * English keeps registry names and the standard's grade as they are (they are proper names).
 */
export function alertMessage(a: MessageInput, lang: Lang = 'zh'): string {
  const zh = lang === 'zh';
  const head = (a.retrospective ? (zh ? '（补报）' : '(retrospective) ') : '') + tag(a, zh);
  const where = [a.enterpriseName, a.siteName, a.sensorName].filter((s): s is string => !!s && s.length > 0);
  const parts: string[] = [...where];
  if (a.condition === 'recovered') {
    const v = valuePart(a, zh);
    if (v) parts.push(v);
    parts.push(zh ? '已恢复正常' : 'back to normal');
  } else {
    const body = a.text.trim().length > 0 ? a.text.trim() : conditionPart(a, zh);
    if (body) parts.push(body);
  }
  let msg = head + parts.join(' ');
  if (a.condition === 'active' && a.nativeAlarm) msg += zh ? `（${a.nativeAlarm}）` : ` (${a.nativeAlarm})`;
  if (a.condition === 'active' && a.defaultValues) msg += zh ? `（${DEFAULT_VALUES_NOTE}）` : ` (${DEFAULT_VALUES_NOTE_EN})`;
  if (a.flapping) msg += zh ? '（频繁波动）' : ' (flapping)';
  return msg;
}

function tag(a: MessageInput, zh: boolean): string {
  if (a.kind === 'device') {
    const offline = a.device === 'offline';
    return zh ? (offline ? '【设备离线】' : '【设备故障】') : offline ? '[Device offline] ' : '[Device fault] ';
  }
  if (a.kind === 'system') return zh ? '【平台告警】' : '[Platform alert] ';
  if (a.level === Level.none) return zh ? '【预警】' : '[Warning] ';
  // levelZh gives "橙色(二级)"; the regulators write 橙色预警(二级) (domain.md §3.1 "Warning (预警)").
  if (zh) return `【${levelZh(a.level).replace('(', '预警(')}】`;
  return `[${EN_LEVEL[a.level]} warning (level ${levelNo(a.level)})] `;
}

function valuePart(a: MessageInput, zh: boolean): string {
  if (a.value === null) return '';
  const v = typeof a.value === 'boolean' ? (zh ? (a.value ? '是' : '否') : a.value ? 'yes' : 'no') : withUnit(fmtValue(a.value), a.unit);
  return a.metricZh ? `${a.metricZh} ${v}` : v;
}

function conditionPart(a: MessageInput, zh: boolean): string {
  const v = valuePart(a, zh);
  if (typeof a.value !== 'number' || a.threshold === null) return v;
  // A value at or above its threshold is a high alarm, below it a low one (e.g. O₂ ≤ 19.5 %vol, domain.md §2.1).
  const cmp = a.value >= a.threshold ? '≥' : '≤';
  return `${v} ${cmp} ${withUnit(fmtThreshold(a.threshold), a.unit)}`;
}

function withUnit(n: string, unit: string | null): string {
  return unit && unit !== 'bool' ? `${n} ${unit}` : n;
}

/** Readings show at least one decimal (52.0) and up to three (1.625). */
export function fmtValue(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const r = Math.round(v * 1000) / 1000;
  return Number.isInteger(r) ? r.toFixed(1) : String(r);
}

/** Thresholds show as configured (50, 1.5). */
function fmtThreshold(t: number): string {
  return String(Math.round(t * 1000) / 1000);
}

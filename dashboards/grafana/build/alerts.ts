// 报警历史: every alert event (contract.md "Alerts": one per transition) from alert_event — annotations per
// level, counts, and the event table for 一键追溯 (domain.md R26).
import { F, scopeVariables, where } from './common.ts';
import {
  annotation, customVariable, dashboard, EVENT_MAP, fixedColor, KIND_MAP, LEVEL_NAME_MAP, LEVEL_ZH, override, stat, STATE_MAP, table, timeseries, type Obj,
} from './grafana.ts';

const LEVELS = ['red', 'orange', 'yellow', 'blue'] as const;
const filters = where(F.time, F.enterprise, '"level" =~ /^$level$/', '"kind" =~ /^$kind$/');
const count = (event: string) => `SELECT count("alert_id") FROM "alert_event" WHERE ${where(filters, `"event" = '${event}'`)}`;
/** A count of one event in the range: 0, not "No data", when there was none (an operator reads "No data" as broken). */
const countStat = (title: string, event: string, thresholds: NonNullable<Parameters<typeof stat>[0]['thresholds']>) =>
  stat({ title, w: 6, h: 4, decimals: 0, noValue: '0', thresholds, queries: [{ query: count(event) }] });

export const alerts: Obj = dashboard({
  uid: 'riskwatch-alerts',
  title: '报警历史',
  description: '报警事件（报警、升级、签收、研判、处置、反馈、消警、归档……）的时间线与明细，按企业、等级、类别筛选。',
  time: { from: 'now-7d', to: 'now' },
  refresh: '1m',
  variables: [
    ...scopeVariables({}),
    customVariable('level', '等级', LEVELS.map((l) => [LEVEL_ZH[l], l])),
    customVariable('kind', '类别', [['工艺报警', 'process'], ['设备报警', 'device'], ['平台', 'system']]),
  ],
  annotations: LEVELS.map((l) => annotation(`${LEVEL_ZH[l]}报警`, l,
    `SELECT "title", "level", "event", "sensor" FROM "alert_event" WHERE ${where(F.time, F.enterprise, `"level" = '${l}'`, '"kind" =~ /^$kind$/', `"event" =~ /^(raised|level_up)$/`)}`)),
  panels: [
    countStat('报警', 'raised', [['green', null], ['orange', 1]]),
    countStat('升级', 'level_up', [['green', null], ['red', 1]]),
    countStat('逾期', 'overdue', [['green', null], ['red', 1]]),
    countStat('消警', 'cleared', [['text', null]]),
    timeseries({
      title: '报警事件数（按等级）', w: 12, h: 8, bars: true, stack: true, decimals: 0, interval: '1h',
      queries: [{ query: `SELECT count("alert_id") FROM "alert_event" WHERE ${where(filters, `"event" = 'raised'`)} GROUP BY time($__interval), "level" fill(0)`, alias: '$tag_level' }],
      overrides: LEVELS.map((l) => override({ name: l }, { displayName: LEVEL_ZH[l], color: fixedColor(l) })),
    }),
    table({
      title: '事件类型统计', w: 12, h: 8, sortBy: { displayName: '次数', desc: true },
      queries: [{ query: `SELECT count("alert_id") AS "count" FROM "alert_event" WHERE ${filters} GROUP BY "event"`, format: 'table' }],
      overrides: [
        override({ name: 'event' }, { displayName: '事件', mappings: [EVENT_MAP] }),
        override({ name: 'count' }, { displayName: '次数', 'custom.cellOptions': { type: 'gauge', mode: 'basic' } }),
        override({ regex: '^(Time|time)$' }, { 'custom.hidden': true }),
      ],
    }),
    table({
      title: '报警事件明细', w: 24, h: 14,
      description: '每条报警的每个事件一行（alert_id + version 唯一）；处置状态为该事件之后的状态。',
      queries: [{
        query: `SELECT "enterprise", "site", "sensor", "level", "kind", "event", "state", "title", "alert_id", "version" FROM "alert_event" WHERE ${filters} ORDER BY time DESC LIMIT 1000`,
        format: 'table',
      }],
      overrides: [
        override({ name: 'Time' }, { displayName: '时间' }),
        override({ name: 'enterprise' }, { displayName: '企业' }),
        override({ name: 'site' }, { displayName: '场所' }),
        override({ name: 'sensor' }, { displayName: '监测点' }),
        override({ name: 'level' }, { displayName: '等级', mappings: [LEVEL_NAME_MAP], 'custom.cellOptions': { type: 'color-background' } }),
        override({ name: 'kind' }, { displayName: '类别', mappings: [KIND_MAP] }),
        override({ name: 'event' }, { displayName: '事件', mappings: [EVENT_MAP] }),
        override({ name: 'state' }, { displayName: '处置状态', mappings: [STATE_MAP] }),
        override({ name: 'title' }, { displayName: '内容' }),
        override({ name: 'alert_id' }, { displayName: '报警编号' }),
        override({ name: 'version' }, { displayName: '版本' }),
      ],
    }),
  ],
});

// What the riskwatch dashboards share: WHERE fragments over the InfluxDB schema (docs/storage.md; the
// dashboard-only series in storage/influx/state-series.ts), the scope variables, the alert annotation.
import { annotation, tagVariable, type Obj } from './grafana.ts';

/** AND of the given conditions (falsy ones dropped). */
export const where = (...parts: (string | false | undefined)[]): string => parts.filter(Boolean).join(' AND ');

export const F = {
  time: '$timeFilter',
  county: '"county" =~ /^$county$/',
  enterprise: '"enterprise" =~ /^$enterprise$/',
  site: '"site" =~ /^$site$/',
  sensor: '"sensor" =~ /^$sensor$/',
  /** Process values: readings with quality ≠ ok (calibration gas, faults) are not the process (contract.md). */
  ok: `"quality" = 'ok'`,
  type: (t: string) => `"type" = '${t}'`,
  types: (re: string) => `"type" =~ /${re}/`,
};

/** `GROUP BY time($__interval), "enterprise", "sensor"` with a fill. */
export const byTime = (tags: string[] = ['enterprise', 'sensor'], fill = 'none'): string =>
  `GROUP BY time($__interval)${tags.map((t) => `, "${t}"`).join('')} fill(${fill})`;

export const SERIES_ALIAS = '$tag_enterprise/$tag_sensor';

/**
 * The scope variables, chained: 县区 (GB/T 2260) → 企业 → 场所 → 监测点, each from `SHOW TAG VALUES` of the
 * readings of the dashboard's sensor types (`types`, a regex over the `type` tag).
 */
export function scopeVariables(o: { types?: string; site?: boolean; sensor?: { label: string; types: string } }): Obj[] {
  const typeCond = o.types ? `"type" =~ /${o.types}/` : undefined;
  const show = (key: string, ...conds: (string | undefined)[]) => {
    const w = conds.filter(Boolean).join(' AND ');
    return `SHOW TAG VALUES FROM "reading" WITH KEY = "${key}"${w ? ` WHERE ${w}` : ''}`;
  };
  const vars = [
    tagVariable('county', '县区', show('county', typeCond)),
    tagVariable('enterprise', '企业', show('enterprise', F.county, typeCond)),
  ];
  if (o.site) vars.push(tagVariable('site', '场所', show('site', F.enterprise, typeCond)));
  if (o.sensor) vars.push(tagVariable('sensor', o.sensor.label, show('sensor', F.enterprise, o.site ? F.site : undefined, `"type" =~ /${o.sensor.types}/`)));
  return vars;
}

/** Alerts raised or escalated in the selected enterprises (and sites), as annotations on every time panel. */
export function alertAnnotation(o: { site?: boolean } = {}): Obj {
  const q = `SELECT "title", "level", "event", "sensor" FROM "alert_event" WHERE ${where(F.time, F.enterprise, o.site && F.site, `"event" =~ /^(raised|level_up)$/`)}`;
  return annotation('报警事件', 'red', q);
}

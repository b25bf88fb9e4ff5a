// A few typed helpers that write Grafana dashboard JSON (schemaVersion 39: Grafana 10.4 / 11 / 12) for the
// riskwatch dashboards. Every panel, target, variable and annotation names one data source: the provisioned
// InfluxQL one (provisioning/datasources/riskwatch.yaml, uid riskwatch-influxql). Queries are raw InfluxQL.
// The JSON files under dashboards/ are generated from these (build/main.ts) and committed; a test checks
// that they are current.

export const DS_UID = 'riskwatch-influxql';
export const DS = { type: 'influxdb', uid: DS_UID } as const;

/** Beijing time for every dashboard (domain.md §4.12: store UTC, show UTC+8). */
export const TIMEZONE = 'Asia/Shanghai';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type Obj = { [k: string]: Json };

// ---- queries ---------------------------------------------------------------------------------------------------

export interface Query {
  query: string;
  /** Legend: `$tag_sensor`, `$col` … (Grafana's InfluxQL aliases). */
  alias?: string;
  format?: 'time_series' | 'table';
}

function target(q: Query, i: number): Obj {
  return {
    refId: String.fromCharCode(65 + i),
    datasource: { ...DS },
    query: q.query,
    rawQuery: true,
    resultFormat: q.format ?? 'time_series',
    ...(q.alias ? { alias: q.alias } : {}),
  };
}

// ---- colours, thresholds, mappings -------------------------------------------------------------------------

export type Step = [color: string, value: number | null];
export const thresholds = (steps: Step[]): Obj => ({ mode: 'absolute', steps: steps.map(([color, value]) => ({ color, value })) });

/** The four colours, red 一级 highest (contract.md "Levels"); `level` in site_level is 0 none … 4 red. */
export const LEVEL_COLORS = { none: 'green', blue: 'blue', yellow: 'yellow', orange: 'orange', red: 'red' } as const;
export const LEVEL_ZH = { red: '红色(一级)', orange: '橙色(二级)', yellow: '黄色(三级)', blue: '蓝色(四级)' } as const;

export function valueMap(entries: [value: string | number, text: string, color?: string][]): Obj {
  const options: Obj = {};
  entries.forEach(([v, text, color], index) => { options[String(v)] = { text, index, ...(color ? { color } : {}) }; });
  return { type: 'value', options };
}

export const LEVEL_NUMBER_MAP = valueMap([[0, '正常', 'green'], [1, LEVEL_ZH.blue, 'blue'], [2, LEVEL_ZH.yellow, 'yellow'], [3, LEVEL_ZH.orange, 'orange'], [4, LEVEL_ZH.red, 'red']]);
export const LEVEL_NAME_MAP = valueMap([['red', LEVEL_ZH.red, 'red'], ['orange', LEVEL_ZH.orange, 'orange'], ['yellow', LEVEL_ZH.yellow, 'yellow'], ['blue', LEVEL_ZH.blue, 'blue'], ['none', '无', 'green']]);
/** contract.md "Alerts": the event names, in the regulators' words (报警/签收/研判/处置/反馈/消警/归档). */
export const EVENT_MAP = valueMap([
  ['raised', '报警'], ['level_up', '升级'], ['level_down', '降级'], ['recovered', '恢复'], ['acknowledged', '签收'], ['assessed', '研判'],
  ['handling', '处置'], ['feedback', '反馈'], ['cleared', '消警'], ['archived', '归档'], ['overdue', '逾期'], ['tier_escalated', '逐级上报'],
]);
export const STATE_MAP = valueMap([
  ['open', '待签收', 'red'], ['acknowledged', '已签收', 'orange'], ['assessed', '已研判', 'yellow'], ['handling', '处置中', 'yellow'],
  ['feedback', '已反馈', 'blue'], ['cleared', '已消警', 'green'], ['archived', '已归档', 'green'],
]);
export const KIND_MAP = valueMap([['process', '工艺报警'], ['device', '设备报警'], ['system', '平台']]);

/** A field override by exact name or by regex. */
export function override(match: { name?: string; regex?: string }, properties: Record<string, Json>): Obj {
  return {
    matcher: match.name !== undefined ? { id: 'byName', options: match.name } : { id: 'byRegexp', options: match.regex ?? '' },
    properties: Object.entries(properties).map(([id, value]) => ({ id, value })),
  };
}
export const fixedColor = (color: string): Obj => ({ mode: 'fixed', fixedColor: color });

// ---- panels ------------------------------------------------------------------------------------------------------

export interface PanelOpts {
  title: string;
  description?: string;
  /** Width in grid columns (of 24) and height in rows. */
  w: number;
  h: number;
  queries: Query[];
  unit?: string;
  decimals?: number;
  min?: number;
  max?: number;
  thresholds?: Step[];
  mappings?: Obj[];
  overrides?: Obj[];
  /** Minimum `$__interval` (Grafana's "Min interval"), e.g. the sensors' nominal interval. */
  interval?: string;
  /** Panel time shift, e.g. `7d` (last week). */
  timeShift?: string;
  transformations?: Obj[];
  /** What the panel shows when the query returns nothing, e.g. '0' for a count ("No data" otherwise). */
  noValue?: string;
}

export interface Panel extends Obj {}

function base(type: string, o: PanelOpts, defaults: Obj, options: Obj): Panel {
  const fieldDefaults: Obj = {
    ...defaults,
    ...(o.unit ? { unit: o.unit } : {}),
    ...(o.decimals !== undefined ? { decimals: o.decimals } : {}),
    ...(o.min !== undefined ? { min: o.min } : {}),
    ...(o.max !== undefined ? { max: o.max } : {}),
    ...(o.thresholds ? { thresholds: thresholds(o.thresholds) } : {}),
    ...(o.mappings ? { mappings: o.mappings } : {}),
    ...(o.noValue !== undefined ? { noValue: o.noValue } : {}),
  };
  return {
    type,
    title: o.title,
    ...(o.description ? { description: o.description } : {}),
    datasource: { ...DS },
    gridPos: { h: o.h, w: o.w, x: 0, y: 0 },
    ...(o.interval ? { interval: o.interval } : {}),
    ...(o.timeShift ? { timeShift: o.timeShift } : {}),
    targets: o.queries.map(target),
    fieldConfig: { defaults: fieldDefaults, overrides: o.overrides ?? [] },
    options,
    ...(o.transformations ? { transformations: o.transformations } : {}),
  };
}

const LEGEND_TABLE: Obj = { showLegend: true, displayMode: 'table', placement: 'right', calcs: ['lastNotNull', 'max'] };
const LEGEND_LIST: Obj = { showLegend: true, displayMode: 'list', placement: 'bottom', calcs: [] };

export function timeseries(o: PanelOpts & { bars?: boolean; stack?: boolean; thresholdLines?: boolean; legendTable?: boolean }): Panel {
  const custom: Obj = {
    drawStyle: o.bars ? 'bars' : 'line',
    lineWidth: 1,
    fillOpacity: o.bars ? 80 : 0,
    pointSize: 4,
    showPoints: 'never',
    spanNulls: false,
    stacking: { mode: o.stack ? 'normal' : 'none', group: 'A' },
    thresholdsStyle: { mode: o.thresholdLines ? 'line+area' : 'off' },
    axisPlacement: 'auto',
  };
  return base('timeseries', o, { color: { mode: 'palette-classic' }, custom }, {
    legend: o.legendTable ? LEGEND_TABLE : LEGEND_LIST,
    tooltip: { mode: 'multi', sort: 'desc' },
  });
}

export function stat(o: PanelOpts & { colorMode?: 'value' | 'background'; textMode?: 'auto' | 'value_and_name' | 'value' | 'name' }): Panel {
  return base('stat', o, { color: { mode: 'thresholds' } }, {
    reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
    colorMode: o.colorMode ?? 'value',
    graphMode: 'none',
    justifyMode: 'auto',
    orientation: 'auto',
    textMode: o.textMode ?? 'auto',
  });
}

export function bargauge(o: PanelOpts): Panel {
  return base('bargauge', o, { color: { mode: 'thresholds' } }, {
    reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
    orientation: 'horizontal',
    displayMode: 'gradient',
    showUnfilled: true,
  });
}

export function table(o: PanelOpts & { sortBy?: { displayName: string; desc: boolean } }): Panel {
  return base('table', o, { custom: { align: 'auto', cellOptions: { type: 'auto' }, filterable: true } }, {
    showHeader: true,
    cellHeight: 'sm',
    footer: { show: false, reducer: ['sum'], fields: '' },
    ...(o.sortBy ? { sortBy: [o.sortBy] } : {}),
  });
}

export function stateTimeline(o: PanelOpts): Panel {
  return base('state-timeline', o, { color: { mode: 'thresholds' }, custom: { lineWidth: 0, fillOpacity: 80 } }, {
    mergeValues: true,
    showValue: 'auto',
    alignValue: 'left',
    rowHeight: 0.9,
    legend: { showLegend: true, displayMode: 'list', placement: 'bottom' },
    tooltip: { mode: 'single', sort: 'none' },
  });
}

/** A Geomap of markers at `lat`/`lon` coloured by `field` through the panel's thresholds. */
export function geomap(o: PanelOpts & { colorField: string; textField: string; center: { lat: number; lon: number; zoom: number } }): Panel {
  return base('geomap', o, { color: { mode: 'thresholds' } }, {
    view: { id: 'coords', lat: o.center.lat, lon: o.center.lon, zoom: o.center.zoom, allLayers: true },
    controls: { showZoom: true, mouseWheelZoom: true, showAttribution: true, showScale: true },
    basemap: { type: 'default', name: '底图' },
    layers: [{
      type: 'markers',
      name: '场所风险等级',
      location: { mode: 'coords', latitude: 'lat', longitude: 'lon' },
      config: {
        showLegend: true,
        style: {
          size: { fixed: 9, min: 6, max: 16 },
          color: { field: o.colorField, fixed: 'green' },
          opacity: 0.9,
          symbol: { mode: 'fixed', fixed: 'img/icons/marker/circle.svg' },
          symbolAlign: { horizontal: 'center', vertical: 'center' },
          text: { mode: 'field', field: o.textField, fixed: '' },
          textConfig: { fontSize: 11, offsetX: 0, offsetY: -14, textAlign: 'center', textBaseline: 'bottom' },
        },
      },
      tooltip: true,
    }],
    tooltip: { mode: 'details' },
  });
}

export function row(title: string): Panel {
  return { type: 'row', title, collapsed: false, gridPos: { h: 1, w: 24, x: 0, y: 0 }, panels: [] };
}

/** Places panels left to right, wrapping at 24 columns (a row panel always starts a new line), and numbers them. */
export function layout(panels: Panel[]): Panel[] {
  let x = 0;
  let y = 0;
  let lineH = 0;
  return panels.map((p, i) => {
    const g = p.gridPos as { h: number; w: number };
    if (p.type === 'row' || x + g.w > 24) { y += lineH; x = 0; lineH = 0; }
    const placed = { ...p, id: i + 1, gridPos: { h: g.h, w: g.w, x, y } };
    x += g.w;
    lineH = Math.max(lineH, g.h);
    if (p.type === 'row') { y += 1; x = 0; lineH = 0; }
    return placed;
  });
}

// ---- variables -----------------------------------------------------------------------------------------------------

/** A multi-value query variable over InfluxQL `SHOW TAG VALUES`; "All" is the regex `.*` (not escaped by Grafana),
 * so queries write `"key" =~ /^$name$/`. */
export function tagVariable(name: string, label: string, query: string): Obj {
  return {
    type: 'query',
    name,
    label,
    datasource: { ...DS },
    query,
    definition: query,
    refresh: 1,
    multi: true,
    includeAll: true,
    allValue: '.*',
    current: { selected: true, text: ['All'], value: ['$__all'] },
    options: [],
    regex: '',
    sort: 1,
    hide: 0,
    skipUrlSync: false,
  };
}

/** A multi-value custom variable (`中文 : value, …`). */
export function customVariable(name: string, label: string, values: [text: string, value: string][]): Obj {
  const query = values.map(([t, v]) => `${t} : ${v}`).join(', ');
  return {
    type: 'custom',
    name,
    label,
    query,
    multi: true,
    includeAll: true,
    allValue: '.*',
    current: { selected: true, text: ['All'], value: ['$__all'] },
    options: values.map(([text, value]) => ({ text, value, selected: false })),
    hide: 0,
    skipUrlSync: false,
  };
}

// ---- annotations ------------------------------------------------------------------------------------------------

export function annotation(name: string, iconColor: string, query: string, o: { textColumn?: string; tagsColumn?: string } = {}): Obj {
  return {
    name,
    enable: true,
    hide: false,
    iconColor,
    datasource: { ...DS },
    target: {
      refId: 'Anno',
      query,
      textColumn: o.textColumn ?? 'title',
      tagsColumn: o.tagsColumn ?? 'level,event,sensor',
      limit: 500,
      matchAny: false,
      tags: [],
      type: 'dashboard',
    },
  };
}

// ---- the dashboard ------------------------------------------------------------------------------------------------

export interface DashboardOpts {
  uid: string;
  title: string;
  description: string;
  time: { from: string; to: string };
  refresh: string;
  variables: Obj[];
  annotations: Obj[];
  panels: Panel[];
}

export function dashboard(o: DashboardOpts): Obj {
  return {
    uid: o.uid,
    title: o.title,
    description: o.description,
    tags: ['riskwatch'],
    timezone: TIMEZONE,
    weekStart: 'monday',
    editable: true,
    graphTooltip: 1,
    fiscalYearStartMonth: 0,
    liveNow: false,
    schemaVersion: 39,
    version: 1,
    time: o.time,
    timepicker: { refresh_intervals: ['30s', '1m', '5m', '15m', '1h'] },
    refresh: o.refresh,
    links: [{ title: 'riskwatch 看板', type: 'dashboards', tags: ['riskwatch'], asDropdown: true, includeVars: false, keepTime: true, icon: 'external link', targetBlank: false, tooltip: '', url: '' }],
    annotations: { list: o.annotations },
    templating: { list: o.variables },
    panels: layout(o.panels),
  };
}

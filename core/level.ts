// Warning levels (contract.md "Levels"): red 一级 > orange 二级 > yellow 三级 > blue 四级.
// A Level is an ordered number so that comparisons are plain `>`: none < blue < yellow < orange < red.
// levelNo (the regulators' 一级…四级) is the reverse: red = 1.

export const Level = { none: 0, blue: 1, yellow: 2, orange: 3, red: 4 } as const;
export type Level = (typeof Level)[keyof typeof Level];
export type LevelName = 'blue' | 'yellow' | 'orange' | 'red';

export const LEVEL_NAMES: readonly LevelName[] = ['blue', 'yellow', 'orange', 'red'];

const BY_NAME: Record<LevelName, Level> = { blue: 1, yellow: 2, orange: 3, red: 4 };
const NAMES: readonly (LevelName | null)[] = [null, 'blue', 'yellow', 'orange', 'red'];
const ZH: readonly string[] = ['无', '蓝色(四级)', '黄色(三级)', '橙色(二级)', '红色(一级)'];

export function levelFromName(name: LevelName): Level {
  return BY_NAME[name];
}
export function levelName(level: Level): LevelName | null {
  return NAMES[level] ?? null;
}
/** The regulators' grade number: red → 1 … blue → 4; none → null. */
export function levelNo(level: Level): 1 | 2 | 3 | 4 | null {
  return level === Level.none ? null : ((5 - level) as 1 | 2 | 3 | 4);
}
export function levelZh(level: Level): string {
  return ZH[level] ?? '无';
}
export function maxLevel(a: Level, b: Level): Level {
  return a > b ? a : b;
}

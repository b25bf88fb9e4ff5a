import { describe, expect, it } from 'vitest';
import { restoreInto, snapshotOf } from './snapshot.ts';

class View { constructor(public x = 1) {} at() { return this.x; } }

describe('rule-state snapshots', () => {
  it('copies data and typed arrays, leaves functions and class instances behind', () => {
    const env = { f: () => 1 };
    const s = { level: 2, since: 10, ring: new Float32Array([1, 2]), nested: { a: 1, b: [1, 2] }, view: new View(5), env, cb: () => 0 };
    const snap = snapshotOf(s) as Record<string, unknown>;
    expect(snap.level).toBe(2);
    expect(snap.view).toBeUndefined(); // class instance: owned by init, not by the state
    expect(snap.cb).toBeUndefined();
    expect(snap.env).toEqual({}); // plain object with only functions → empty
    s.ring[0] = 99; // the snapshot is a copy
    expect((snap.ring as Float32Array)[0]).toBe(1);
  });

  it('restores into a fresh state without replacing references set up by init', () => {
    const view = new View(7);
    const fresh = { level: 0, since: 0, ring: new Float32Array(2), nested: { a: 0, b: [] as number[] }, view, env: { f: () => 1 } };
    restoreInto(fresh, snapshotOf({ level: 3, since: 42, ring: new Float32Array([4, 5]), nested: { a: 9, b: [7] }, view: new View(1), env: { f: () => 2 } }));
    expect(fresh.level).toBe(3);
    expect(fresh.since).toBe(42);
    expect([...fresh.ring]).toEqual([4, 5]);
    expect(fresh.nested).toEqual({ a: 9, b: [7] });
    expect(fresh.view).toBe(view); // why: views are wired by init and must survive a restore
    expect(fresh.env.f()).toBe(1);
  });
});

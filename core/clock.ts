// Everything below the shell runs on an injected Clock (architecture.md "Time"), timers included,
// so tests run hours of plant time in seconds. Times are epoch milliseconds, UTC.

export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  setInterval(fn: () => void, ms: number): TimerHandle;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return { cancel: () => clearTimeout(t) };
  },
  setInterval(fn, ms) {
    const t = setInterval(fn, ms);
    t.unref?.();
    return { cancel: () => clearInterval(t) };
  },
};

interface Scheduled {
  at: number;
  seq: number;
  every: number | null;
  fn: () => void;
  cancelled: boolean;
}

/** A clock that moves only when told to: `advance(ms)` fires due timers in time order. */
export class ManualClock implements Clock {
  private t: number;
  private seq = 0;
  private queue: Scheduled[] = [];

  constructor(start: number | string = Date.UTC(2026, 10, 22, 0, 0, 0)) {
    this.t = typeof start === 'string' ? Date.parse(start) : start;
  }
  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): TimerHandle {
    return this.schedule(fn, ms, null);
  }
  setInterval(fn: () => void, ms: number): TimerHandle {
    return this.schedule(fn, ms, Math.max(1, ms));
  }
  /** Moves time forward by `ms`, firing every timer due on the way, each at its own time. */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      this.queue = this.queue.filter((s) => !s.cancelled);
      this.queue.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.queue[0];
      if (!next || next.at > end) break;
      this.t = Math.max(this.t, next.at);
      if (next.every === null) next.cancelled = true;
      else next.at += next.every;
      next.fn();
    }
    this.t = end;
  }
  set(to: number): void {
    if (to > this.t) this.advance(to - this.t);
  }
  private schedule(fn: () => void, ms: number, every: number | null): TimerHandle {
    const s: Scheduled = { at: this.t + Math.max(0, ms), seq: this.seq++, every, fn, cancelled: false };
    this.queue.push(s);
    return { cancel: () => void (s.cancelled = true) };
  }
}

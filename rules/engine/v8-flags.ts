// V8's inlining budget for the rule engine's hot path (performance.md "rule engine alone ≥ 5M readings/s
// per core"). A generated evaluator (program.ts) calls each rule's bank, which calls its kind's evaluate, which
// calls the ring, the ladder and the window; V8's defaults (a callee ≤ 460 bytecode bytes, ≤ 920 inlined
// into one function) stop inlining two or three calls deep, and every call left costs a frame and the loads
// the optimiser could no longer hoist. With a callee up to 2,000 bytes and 10,000 per function, the standard
// mix inlines whole: the engine alone ran 2.25M → 3.2M readings/s at 10k sensors (bench:rules, same machine);
// the end-to-end latency of bench:rules was unchanged within its run-to-run spread. `riskwatch serve` and
// bench:rules set it at start, before any of the engine's code is optimised (V8 reads these flags when
// it optimises a function).
export const ENGINE_V8_FLAGS = '--max-inlined-bytecode-size=2000 --max-inlined-bytecode-size-cumulative=10000 --max-inlined-bytecode-size-absolute=10000';

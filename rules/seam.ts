// The seam the rule engine plugs into (issue 4): a durable journal consumer named `rules` that hands
// each committed reading, in journal order, to an evaluator and acks what it has finished. Until the
// engine lands the evaluator does nothing, but the cursor is real, so backpressure and restart
// behave as they will with rules on.
import type { JournalEntry } from '../core/reading.ts';
import type { Journal } from '../ingest/journal.ts';

export interface ReadingEvaluator {
  evaluate(entries: readonly JournalEntry[]): void;
}

export const idleEvaluator: ReadingEvaluator = { evaluate: () => {} };

export class RulesConsumer {
  constructor(private readonly journal: Journal, private readonly evaluator: ReadingEvaluator = idleEvaluator) {}

  start(): void {
    this.journal.subscribe('rules', (entries, c) => {
      this.evaluator.evaluate(entries);
      c.ack(entries[entries.length - 1]!.pos);
    });
  }
  stop(): void {}
}

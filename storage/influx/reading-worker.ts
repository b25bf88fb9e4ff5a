// The readings writer's thread (docs/storage.md "How it writes"): takes live commits from the journal's writer
// thread (the tap) while it is caught up, reads the journal with its own SQLite connection after the `influx`
// cursor otherwise, builds `reading` lines and writes them through FeedPipeline. It runs off the broker's event
// loop, so neither a backlog replay (~2 µs per row to read it back) nor a slow or dead InfluxDB ever holds up
// ingest or the rules; the main thread only persists the acks it posts. Messages: reading-protocol.ts.
import { readlinkSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { systemClock } from '../../core/clock.ts';
import type { TapCommit } from '../journal/protocol.ts';
import { JournalReader, rowsOfCommit, type RawJournalRow } from '../journal/reader.ts';
import { LiveBuffer } from './live-buffer.ts';
import { FeedPipeline } from './pipeline.ts';
import type { ReadingWorkerConfig, ReadingWorkerIn, ReadingWorkerOut } from './reading-protocol.ts';
import { SeriesTable } from './schema.ts';
import { InfluxSender } from './sender.ts';

const cfg = workerData as ReadingWorkerConfig;
const port = parentPort!;
const post = (m: ReadingWorkerOut): void => port.postMessage(m);

const reader = new JournalReader(cfg.journalPath);
const table = new SeriesTable(cfg.series);
const sender = new InfluxSender(cfg.conn, { maxInFlight: cfg.tuning.maxInFlight, maxBatchLines: cfg.tuning.batchLines, timeoutMs: cfg.tuning.timeoutMs });

/** Live commits (journal tap): served while the writer is caught up; the journal is read otherwise. */
const live = new LiveBuffer<RawJournalRow>(cfg.tuning.batchLines * 4);

const pipeline = new FeedPipeline<RawJournalRow>({
  name: 'reading',
  startPos: cfg.startPos,
  read: (after, limit) => live.read(after, limit) ?? reader.read(after, limit),
  posOf: (row) => row[0],
  line: (row) => table.lineOf(row[1], row[2], row[3], row[4], row[5], row[6]),
  send: (lines) => sender.send(lines),
  prepare: () => sender.ensureDatabase(),
  ack: (pos) => post({ t: 'ack', pos }),
  clock: systemClock,
  batchLines: cfg.tuning.batchLines,
  maxInFlight: cfg.tuning.maxInFlight,
  lingerMs: cfg.tuning.lingerMs,
  pollMs: cfg.tuning.pollMs,
  retryMinMs: cfg.tuning.retryMinMs,
  retryMaxMs: cfg.tuning.retryMaxMs,
  onEvent: (event) => post({ t: 'event', event }),
});

function postStats(): void {
  const s = pipeline.stats();
  post({ t: 'stats', stats: s, oldestUnwrittenAt: reader.receivedAfter(s.acked), lastPos: reader.lastPos() });
}

const statsTimer = setInterval(postStats, cfg.tuning.statsMs);

cfg.tap?.on('message', (c: TapCommit) => {
  live.push(c.before, rowsOfCommit(c));
  pipeline.notify();
});

port.on('message', (m: ReadingWorkerIn) => {
  switch (m.t) {
    case 'series':
      table.replace(m.series);
      return;
    case 'stop':
      clearInterval(statsTimer);
      cfg.tap?.close();
      void pipeline.stop(m.timeoutMs).then(() => {
        postStats();
        sender.close();
        reader.close();
        post({ t: 'stopped' });
        port.close();
      });
      return;
  }
});

function threadId(): number | null {
  try { return Number.parseInt(readlinkSync('/proc/thread-self').split('/').pop()!, 10); } catch { return null; }
}

pipeline.start();
post({ t: 'ready', tid: threadId() });

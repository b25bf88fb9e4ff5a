// One row of bench:rules' engine part in a process of its own (engine.ts `runChild`): riskwatch or the peer, at
// one size and phase. Prints the row's reps and state bytes as JSON on its last line.
import { runOne } from './engine.ts';

const [system, n, phase, reps] = process.argv.slice(2);
if (system !== 'riskwatch' && system !== 'peer') throw new Error(`engine-one: unknown system ${system}`);
process.stdout.write(`${JSON.stringify(runOne(system, Number(n), phase!, Number(reps)))}\n`);

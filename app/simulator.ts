// Wires the built-in simulators (placeholder until simulators/ lands).
import type { PlatformConfig } from './config.ts';
import type { Platform } from './platform.ts';
export function simulatorFor(_cfg: PlatformConfig): (p: Platform) => Promise<{ stop(): void }> {
  return async () => ({ stop: () => {} });
}
export async function runStandaloneSimulation(_o: Record<string, string | undefined>): Promise<number> { return 0; }

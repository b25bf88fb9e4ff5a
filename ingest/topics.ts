// Topic grammar (contract.md "Readings", "Device status"): ids are 1–64 of a-z 0-9 _ -.
import { isId } from '../core/ids.ts';

export type ParsedTopic =
  | { kind: 'sensor'; enterpriseId: string; siteId: string; sensorId: string }
  | { kind: 'gateway'; enterpriseId: string; deviceId: string }
  | { kind: 'status'; enterpriseId: string; deviceId: string }
  /** History import (POST /api/import/readings, `riskwatch import`): gateway-shaped, no device. */
  | { kind: 'import'; enterpriseId: string };

export function parseTopic(topic: string): ParsedTopic | null {
  const p = topic.split('/');
  if (p.length === 4 && p[0] === 'sensors' && isId(p[1]!) && isId(p[2]!) && isId(p[3]!)) {
    return { kind: 'sensor', enterpriseId: p[1]!, siteId: p[2]!, sensorId: p[3]! };
  }
  if (p.length === 2 && p[0] === 'import' && isId(p[1]!)) return { kind: 'import', enterpriseId: p[1]! };
  if (p.length === 3 && isId(p[1]!) && isId(p[2]!)) {
    if (p[0] === 'gateways') return { kind: 'gateway', enterpriseId: p[1]!, deviceId: p[2]! };
    if (p[0] === 'status') return { kind: 'status', enterpriseId: p[1]!, deviceId: p[2]! };
  }
  return null;
}

export const errorsTopic = (enterpriseId: string, deviceId: string): string => `errors/${enterpriseId}/${deviceId}`;

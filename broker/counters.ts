// The broker's counters, exposed by api/metrics.
export class BrokerCounters {
  aclDenied = 0;
  packetTooLarge = 0;
  connectRateLimited = 0;
  readonly authRefused = new Map<string, number>();
}

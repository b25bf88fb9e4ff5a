// The one catalogue of stable error codes (contract.md "Rejections"). Reject messages, API errors and
// counters carry these codes; operators alert on them, so never rename one.

export const ERROR_CODES = {
  RW_ERR_TOPIC: 'topic does not follow the grammar',
  RW_ERR_PAYLOAD_JSON: 'payload is not JSON, too deep, or not an object/array',
  RW_ERR_PAYLOAD_SCHEMA: 'a field is missing, of the wrong type, or unknown',
  RW_ERR_BATCH_TOO_LARGE: 'more than 1,000 readings in one array',
  RW_ERR_UNKNOWN_SENSOR: 'sensor not in the registry, or not in this site/enterprise',
  RW_ERR_UNKNOWN_METRIC: "metric not defined by the sensor's type",
  RW_ERR_VALUE: 'value not finite, or of the wrong kind for the metric',
  RW_ERR_QUALITY: 'unknown quality',
  RW_ERR_TS_FUTURE: 'timestamp more than the allowed skew in the future',
  RW_ERR_TS_TOO_OLD: "timestamp older than the lateness limit or the sensor's commissioning date",
  RW_ERR_TS_FORMAT: 'timestamp is not ISO 8601 with an offset, nor epoch milliseconds',
  RW_ERR_ACL_DENIED: 'the device may not report for this sensor',
  RW_ERR_BACKLOG_FULL: 'the journal is at its limit',
  RW_ERR_PACKET_TOO_LARGE: 'MQTT packet larger than the configured limit',
  RW_ERR_RATE_LIMITED: 'too many connection attempts from this address',
  RW_ERR_AUTH: 'not authenticated',
  RW_ERR_FORBIDDEN: 'outside scope',
  RW_ERR_NOT_FOUND: 'no such resource',
  RW_ERR_ILLEGAL_TRANSITION: 'lifecycle action not allowed now',
  RW_ERR_VERSION_CONFLICT: 'alert moved on (stale expectedVersion)',
  RW_ERR_VALIDATION: 'an HTTP body or config fails its schema',
  RW_ERR_QUERY_TOO_LARGE: 'a history query asks for too many points or too long a range',
  RW_ERR_HISTORY_OFF: 'history is off: no InfluxDB is configured',
  RW_ERR_CONFIG: 'configuration is invalid',
  RW_ERR_STORAGE_UNAVAILABLE: 'InfluxDB is unreachable or failing (network, 5xx, auth); writes resume from the journal',
  RW_ERR_STORAGE_REJECTED: 'InfluxDB refused points (4xx: field type conflict, unparsable line); counted and skipped',
  RW_ERR_STORAGE_QUERY: 'InfluxDB refused a query (InfluxQL error)',
  RW_ERR_INTERNAL: 'internal error (logged)',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class RwError extends Error {
  constructor(
    readonly code: ErrorCode,
    message?: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message ?? ERROR_CODES[code]);
    this.name = 'RwError';
  }
}

/** HTTP status for an error code (api/ uses this; one table, not a switch per route). */
export const HTTP_STATUS: Partial<Record<ErrorCode, number>> = {
  RW_ERR_AUTH: 401,
  RW_ERR_FORBIDDEN: 403,
  RW_ERR_NOT_FOUND: 404,
  RW_ERR_ILLEGAL_TRANSITION: 409,
  RW_ERR_VERSION_CONFLICT: 409,
  RW_ERR_BACKLOG_FULL: 503,
  RW_ERR_HISTORY_OFF: 503,
  RW_ERR_RATE_LIMITED: 429,
  RW_ERR_STORAGE_UNAVAILABLE: 503,
  RW_ERR_STORAGE_REJECTED: 502,
  RW_ERR_STORAGE_QUERY: 502,
};

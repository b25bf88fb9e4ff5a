// Identifiers (contract.md "Identifiers and credentials").
export const ID_RE = /^[a-z0-9][a-z0-9_-]{0,63}$/;
export const isId = (s: string): boolean => ID_RE.test(s);

/** `token` is reserved: `token.{tokenId}` is the MQTT username of API-token principals. */
export const RESERVED_ENTERPRISE_IDS: ReadonlySet<string> = new Set(['token']);

/** The key of a sensor across enterprises: sensor ids are unique only within an enterprise. */
export const sensorKey = (enterpriseId: string, sensorId: string): string => `${enterpriseId}/${sensorId}`;
export const deviceUsername = (enterpriseId: string, deviceId: string): string => `${enterpriseId}.${deviceId}`;

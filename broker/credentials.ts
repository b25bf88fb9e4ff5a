// Device credentials (contract.md "Identifiers and credentials"): a random token of ≥ 128 bits, stored
// only as a salted SHA-512 hash in mosquitto's `$6$` form, so the same hash works in an external
// mosquitto's password file. Fast to check: a device connect costs one SHA-512, not a KDF.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** A new device or API token: 24 random bytes (192 bits), base64url. */
export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

/** mosquitto's `$6$`: base64(SHA-512(password ‖ salt)) with a 12-byte salt, both base64. */
export function hashToken(token: string, salt: Buffer = randomBytes(12)): string {
  const digest = createHash('sha512').update(token, 'utf8').update(salt).digest();
  return `$6$${salt.toString('base64')}$${digest.toString('base64')}`;
}

export function verifyToken(token: string, stored: string): boolean {
  const parts = stored.split('$');
  if (parts.length !== 4 || parts[1] !== '6') return false;
  const salt = Buffer.from(parts[2]!, 'base64');
  const expected = Buffer.from(parts[3]!, 'base64');
  const digest = createHash('sha512').update(token, 'utf8').update(salt).digest();
  return digest.length === expected.length && timingSafeEqual(digest, expected);
}

/**
 * The demo credential of a device marked `credential: demo`: derived from the data dir's random demo
 * secret, so the built-in simulators (and `riskwatch simulate` against the same data dir) can connect
 * without any token being written down. Demo credentials are refused on non-loopback listeners.
 */
export function demoToken(demoSecret: string, username: string): string {
  return createHmac('sha256', demoSecret).update(username).digest('base64url');
}

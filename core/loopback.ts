// contract.md: demo credentials, and password or token auth on a plaintext listener, are for loopback
// only. One test of "is this peer address loopback" for MQTT and HTTP alike.
export const isLoopbackAddress = (addr: string | undefined): boolean =>
  !!addr && (addr.startsWith('127.') || addr === '::1' || addr.startsWith('::ffff:127.'));

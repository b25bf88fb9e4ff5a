// mqtt.js clients for tests, with TCP_NODELAY as the platform's own clients use.
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';

export function connect(port: number, opts: IClientOptions): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const c = mqtt.connect(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0, connectTimeout: 5000, ...opts });
    c.once('connect', () => { (c.stream as { setNoDelay?: (b: boolean) => void }).setNoDelay?.(true); resolve(c); });
    c.once('error', (err) => { c.end(true); reject(err); });
    c.once('close', () => reject(new Error('closed before connack')));
  });
}

export const deviceOpts = (username: string, password: string): IClientOptions => ({ username, password, clientId: username });

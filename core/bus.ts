// The typed event bus that app/ wires between parts (architecture.md: every arrow is a typed function
// call or an event on a typed bus, never a string-keyed bag). Synchronous; a throwing handler is
// reported, not propagated, so one faulty consumer cannot stop the others.

export type Handler<T> = (payload: T) => void;

export class Bus<Events extends Record<string, unknown>> {
  private handlers = new Map<keyof Events, Set<Handler<never>>>();

  constructor(private readonly onHandlerError: (event: string, err: unknown) => void = () => {}) {}

  on<K extends keyof Events>(event: K, handler: Handler<Events[K]>): () => void {
    let set = this.handlers.get(event);
    if (!set) this.handlers.set(event, (set = new Set()));
    set.add(handler as Handler<never>);
    return () => set.delete(handler as Handler<never>);
  }

  emit<K extends keyof Events>(event: K, payload: Events[K]): void {
    const set = this.handlers.get(event);
    if (!set) return;
    for (const h of set) {
      try {
        (h as Handler<Events[K]>)(payload);
      } catch (err) {
        this.onHandlerError(String(event), err);
      }
    }
  }
}

/** Errors that mean the connection to a replica was never made, so it received nothing of the request. */
const NOT_CONNECTED = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/** True when `err` says the replica was never reached (nothing was sent to it). */
export function notConnected(err: unknown): boolean {
  return NOT_CONNECTED.has(String((err as NodeJS.ErrnoException | null)?.code));
}

/**
 * The replicas of one service behind the gateway. Requests take turns over them (round robin); a replica that
 * refused a connection is passed over for `downForMs`, after which it gets requests again (so a restarted
 * replica comes back without anyone telling the gateway). When every replica is marked down they are all still
 * tried, the least recently failed first.
 */
export class UpstreamPool {
  private turn = 0;
  private readonly downUntil = new Map<string, number>();

  constructor(
    readonly urls: readonly string[],
    private readonly downForMs = 5000,
  ) {
    if (urls.length === 0) throw new Error('an upstream needs at least one URL');
  }

  /** The replicas to try for one request, in order: the next ones in turn that are up, then those marked down. */
  order(now = Date.now()): string[] {
    const start = this.turn++ % this.urls.length;
    const rotated = [...this.urls.slice(start), ...this.urls.slice(0, start)];
    const isDown = (url: string) => (this.downUntil.get(url) ?? 0) > now;
    const down = rotated.filter(isDown).sort((a, b) => this.downUntil.get(a)! - this.downUntil.get(b)!);
    return [...rotated.filter((url) => !isDown(url)), ...down];
  }

  /** The replica refused a connection: pass it over for a while. */
  markDown(url: string, now = Date.now()): void {
    this.downUntil.set(url, now + this.downForMs);
  }
}

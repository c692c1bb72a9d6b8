export interface SseMessage {
  id: string;
  event: string;
  data: string;
}

/** Reads a Server-Sent Events stream with fetch, collecting its messages until closed. */
export class SseReader {
  readonly messages: SseMessage[] = [];
  private readonly abort = new AbortController();
  private done: Promise<void> | undefined;

  constructor(
    private readonly url: string,
    private readonly headers: Record<string, string>,
  ) {}

  /** Resolves once the response headers arrived (the stream is open). */
  async open(): Promise<number> {
    const res = await fetch(this.url, { headers: this.headers, signal: this.abort.signal });
    if (!res.ok || !res.body) return res.status;
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    this.done = (async () => {
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          buffer += decoder.decode(value, { stream: true });
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const m: SseMessage = { id: '', event: 'message', data: '' };
            for (const line of block.split('\n')) {
              if (line.startsWith('id: ')) m.id = line.slice(4);
              else if (line.startsWith('event: ')) m.event = line.slice(7);
              else if (line.startsWith('data: ')) m.data += line.slice(6);
            }
            if (m.data) this.messages.push(m);
          }
        }
      } catch {
        /* aborted */
      }
    })();
    return res.status;
  }

  close(): Promise<void> {
    this.abort.abort();
    return this.done ?? Promise.resolve();
  }
}

import { Injectable } from '@nestjs/common';

export interface SendResult {
  status: number;
}

/**
 * The HTTP peer of webhook deliveries: one POST with a hard timeout. Redirects are not followed (a redirect could
 * lead past the outbound policy); the answer's body is not read beyond what closing the request needs.
 */
@Injectable()
export class WebhookSender {
  async post(url: string, body: string, headers: Record<string, string>, timeoutMs: number): Promise<SendResult> {
    const res = await fetch(url, {
      method: 'POST',
      body,
      headers: { 'Content-Type': 'application/json', 'User-Agent': 'StoreLens-Webhooks/1', ...headers },
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    await res.body?.cancel().catch(() => undefined);
    return { status: res.status };
  }
}

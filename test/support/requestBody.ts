import type { IncomingMessage } from 'node:http';
import { text } from 'node:stream/consumers';

/**
 * A request's body as a stand-in server records it: `raw` as sent, `body` parsed as JSON when it
 * parses, else the text itself, and undefined when empty.
 */
export async function requestBody(req: IncomingMessage): Promise<{ raw: string; body: unknown }> {
  const raw = await text(req);
  if (!raw) return { raw, body: undefined };
  try {
    return { raw, body: JSON.parse(raw) as unknown };
  } catch {
    return { raw, body: raw };
  }
}

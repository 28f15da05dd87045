// vscode-jsonrpc's reader and writer over one WebSocket: one JSON-RPC message per text
// frame (no Content-Length framing: the WebSocket already delimits messages). Input that
// is not a JSON-RPC message is answered here, with the spec's error codes, because the
// connection above never sees it.
import { AbstractMessageReader, AbstractMessageWriter, Disposable, type DataCallback, type Message, type MessageReader, type MessageWriter } from 'vscode-jsonrpc';
import type { WebSocket, RawData } from 'ws';
import { ErrorCodes } from './protocol.js';
import { jsonDepth } from './json-depth.js';

/** Above this a request is refused with an error response; the socket stays open. */
export const MAX_MESSAGE_BYTES = 8 * 1024 * 1024;
/** Above this the socket itself closes (1009): the message is not even read. The same as
 *  the message limit: ws buffers a whole frame before we see it, so a larger frame limit
 *  lets parallel oversized frames hold memory the message limit was meant to bound. */
export const MAX_FRAME_BYTES = MAX_MESSAGE_BYTES;
/** Deeper JSON is refused unparsed: vscode-jsonrpc recurses over ids, params and results,
 *  and a stack overflow there is uncaught and ends the daemon. No protocol value nests near this. */
export const MAX_JSON_DEPTH = 64;
/** A client this far behind on notifications is disconnected rather than buffered for. */
export const MAX_BUFFERED_BYTES = 64 * 1024 * 1024;

function idOf(v: unknown): number | string | null {
  if (typeof v === 'object' && v !== null && 'id' in v) {
    const id = (v as { id: unknown }).id;
    if (typeof id === 'number' || typeof id === 'string') return id;
  }
  return null;
}

export class WebSocketMessageReader extends AbstractMessageReader implements MessageReader {
  constructor(
    private readonly socket: WebSocket,
    private readonly maxMessageBytes = MAX_MESSAGE_BYTES,
  ) {
    super();
    socket.on('close', () => this.fireClose());
    socket.on('error', (err) => this.fireError(err));
  }

  listen(callback: DataCallback): Disposable {
    const onMessage = (data: RawData, isBinary: boolean) => {
      const bytes = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
      const text = bytes.toString('utf8');
      // Depth is checked on the raw text, before anything parses it (the frame limit
      // already bounds the size of what is parsed).
      if (jsonDepth(text, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
        return this.reject(null, -32600, `invalid request: JSON nested more than ${MAX_JSON_DEPTH} levels deep`);
      }
      let msg: unknown;
      try {
        msg = JSON.parse(text);
      } catch (err) {
        return this.reject(null, ErrorCodes.ParseError, `parse error: not valid JSON (${(err as Error).message})`);
      }
      if (bytes.length > this.maxMessageBytes) {
        return this.reject(idOf(msg), -32600, `message of ${bytes.length} bytes is over the ${this.maxMessageBytes}-byte limit`);
      }
      if (isBinary) return this.reject(idOf(msg), -32600, 'binary frames are not JSON-RPC: send text frames');
      if (typeof msg !== 'object' || msg === null || Array.isArray(msg) || (msg as { jsonrpc?: unknown }).jsonrpc !== '2.0') {
        return this.reject(idOf(msg), -32600, 'invalid request: expected one JSON-RPC 2.0 object ({"jsonrpc": "2.0", ...}); batches are not supported');
      }
      const m = msg as { method?: unknown; id?: unknown };
      if (m.method !== undefined && typeof m.method !== 'string') {
        return this.reject(idOf(msg), -32600, 'invalid request: "method" must be a string');
      }
      if (m.id !== undefined && m.id !== null && typeof m.id !== 'number' && typeof m.id !== 'string') {
        return this.reject(null, -32600, 'invalid request: "id" must be a number, a string or null');
      }
      callback(msg as Message);
    };
    this.socket.on('message', onMessage);
    return Disposable.create(() => this.socket.off('message', onMessage));
  }

  private reject(id: number | string | null, code: number, message: string): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    this.socket.send(JSON.stringify({ jsonrpc: '2.0', id, error: { code, message } }));
  }
}

export class WebSocketMessageWriter extends AbstractMessageWriter implements MessageWriter {
  private errors = 0;

  constructor(private readonly socket: WebSocket) {
    super();
    socket.on('close', () => this.fireClose());
  }

  write(msg: Message): Promise<void> {
    if (this.socket.readyState !== this.socket.OPEN) return Promise.resolve();
    if (this.socket.bufferedAmount > MAX_BUFFERED_BYTES) {
      // Losing notifications silently would be worse than a visible disconnect.
      this.socket.close(1008, 'client too slow: notification backlog over limit');
      return Promise.resolve();
    }
    // Never rejects: a send to a socket that just closed is reported through onError and
    // must not become an unhandled rejection that takes the daemon down for everyone.
    return new Promise((resolve) => {
      this.socket.send(JSON.stringify(msg), (err) => {
        if (err) this.fireError(err, msg, ++this.errors);
        resolve();
      });
    });
  }

  /** A message serialised once for many clients (notifications); same backlog rule. */
  writeRaw(text: string): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    if (this.socket.bufferedAmount > MAX_BUFFERED_BYTES) {
      this.socket.close(1008, 'client too slow: notification backlog over limit');
      return;
    }
    this.socket.send(text, (err) => err && this.fireError(err, undefined, ++this.errors));
  }

  end(): void {}
}

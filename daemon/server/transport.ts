// vscode-jsonrpc's reader and writer over one WebSocket: one JSON-RPC message per text
// frame (no Content-Length framing: the WebSocket already delimits messages). Input that
// is not a JSON-RPC message is answered here, with the spec's error codes, because the
// connection above never sees it.
import { AbstractMessageReader, AbstractMessageWriter, Disposable, type DataCallback, type Message, type MessageReader, type MessageWriter } from 'vscode-jsonrpc';
import type { WebSocket, RawData } from 'ws';
import { ErrorCodes } from '../../shared/protocol.js';

/** Above this a request is refused with an error response; the socket stays open. */
export const MAX_MESSAGE_BYTES = 8 * 1024 * 1024;
/** Above this the socket itself closes (1009): the message is not even read. */
export const MAX_FRAME_BYTES = 64 * 1024 * 1024;
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
      const text = Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.concat(data as Buffer[]).toString('utf8');
      let msg: unknown;
      try {
        msg = JSON.parse(text);
      } catch (err) {
        return this.reject(null, ErrorCodes.ParseError, `parse error: not valid JSON (${(err as Error).message})`);
      }
      const size = Buffer.byteLength(text);
      if (size > this.maxMessageBytes) {
        return this.reject(idOf(msg), -32600, `message of ${size} bytes is over the ${this.maxMessageBytes}-byte limit`);
      }
      if (isBinary) return this.reject(idOf(msg), -32600, 'binary frames are not JSON-RPC: send text frames');
      if (typeof msg !== 'object' || msg === null || Array.isArray(msg) || (msg as { jsonrpc?: unknown }).jsonrpc !== '2.0') {
        return this.reject(idOf(msg), -32600, 'invalid request: expected one JSON-RPC 2.0 object ({"jsonrpc": "2.0", ...}); batches are not supported');
      }
      const m = msg as { method?: unknown; id?: unknown };
      if (m.method !== undefined && typeof m.method !== 'string') {
        return this.reject(idOf(msg), -32600, 'invalid request: "method" must be a string');
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

// The safetensors format: an 8-byte little-endian header length N, N bytes of JSON
// ({name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__"?: {string: string}}),
// then the data, offsets relative to the end of the header. Real checkpoints are gigabytes,
// so reading is one tensor at a time with positioned reads, and writing streams tensor by
// tensor through a small buffer: at most one tensor's f32 values are ever held here.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import {
  HOST_LITTLE_ENDIAN,
  SAFETENSORS_DTYPE_BYTES,
  decodeToF32Bits,
  encodeFromF32Bits,
  isFloatDtype,
  isSafetensorsDtype,
  type FloatDtype,
  type SafetensorsDtype,
} from './dtype.js';
import { HfFormatError } from './errors.js';

/** The reference implementation refuses headers over 100 MB; so do we (a garbage length is caught here). */
export const MAX_HEADER_BYTES = 100_000_000;
/** Elements converted per write or read call: bounded scratch memory (16 MB of f32 at most). */
const CHUNK_ELEMENTS = 4 << 20;

export interface TensorInfo {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  file: string;
  /** Absolute byte offsets in the file: [begin, end). */
  begin: number;
  end: number;
}

export interface SafetensorsHeader {
  file: string;
  /** In data order (ascending offsets). */
  tensors: TensorInfo[];
  metadata: Record<string, string> | null;
  /** Where the data section starts (8 + N). */
  dataStart: number;
}

export interface TensorToWrite {
  name: string;
  dtype: FloatDtype;
  shape: number[];
  /** The values, or a function that makes them when the writer reaches this tensor (bounded memory). */
  data: Float32Array | (() => Float32Array);
}

export function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function tensorBytes(dtype: SafetensorsDtype, shape: readonly number[]): number {
  return numel(shape) * SAFETENSORS_DTYPE_BYTES[dtype];
}

const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const show = (v: unknown): string => JSON.stringify(v) ?? String(v);

function readFully(fd: number, into: Uint8Array, position: number, file: string, tensor?: string): void {
  let done = 0;
  while (done < into.byteLength) {
    const n = readSync(fd, into, done, Math.min(into.byteLength - done, 1 << 30), position + done);
    if (n === 0) {
      const reason = `file ended at byte ${position + done} while ${position + into.byteLength} bytes were needed (truncated or changed since its header was read)`;
      throw new HfFormatError(file, { tensor }, reason);
    }
    done += n;
  }
}

async function writeAll(out: FileHandle, bytes: Uint8Array): Promise<void> {
  for (let done = 0; done < bytes.byteLength; ) {
    done += (await out.write(bytes, done, bytes.byteLength - done)).bytesWritten;
  }
}

/** Reads and validates the header of one safetensors file; never reads the data. */
export function readSafetensorsHeader(file: string): SafetensorsHeader {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size < 8) throw new HfFormatError(file, {}, `${size} bytes: too short for a safetensors file (8-byte header length, then the header)`);
    const lengthBytes = Buffer.alloc(8);
    readFully(fd, lengthBytes, 0, file);
    const n = lengthBytes.readBigUInt64LE(0);
    if (n > BigInt(size - 8)) {
      throw new HfFormatError(file, {}, `header length ${n} runs past the end of the file (${size} bytes): truncated or not a safetensors file`);
    }
    if (n > BigInt(MAX_HEADER_BYTES)) throw new HfFormatError(file, {}, `header length ${n} is over the format's limit of ${MAX_HEADER_BYTES} bytes`);
    const headerBytes = Buffer.alloc(Number(n));
    readFully(fd, headerBytes, 8, file);
    const dataStart = 8 + Number(n);
    return parseHeader(file, headerBytes, dataStart, size - dataStart);
  } finally {
    closeSync(fd);
  }
}

function parseHeader(file: string, bytes: Buffer, dataStart: number, dataSize: number): SafetensorsHeader {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (err) {
    throw new HfFormatError(file, {}, `header is not JSON (${(err as Error).message}): not a safetensors file, or a damaged one`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new HfFormatError(file, {}, `header must be a JSON object of tensors, got ${show(json).slice(0, 80)}`);
  }
  let metadata: Record<string, string> | null = null;
  const tensors: TensorInfo[] = [];
  for (const [name, entry] of Object.entries(json)) {
    if (name === '__metadata__') {
      metadata = readMetadata(file, entry);
      continue;
    }
    tensors.push(readEntry(file, name, entry, dataStart, dataSize));
  }
  tensors.sort((a, b) => a.begin - b.begin || a.end - b.end);
  // Like the reference implementation: tensors tile the data section exactly (no overlap, no gap).
  let at = dataStart;
  let previous: TensorInfo | undefined;
  for (const t of tensors) {
    if (t.begin < at) {
      throw new HfFormatError(file, { tensor: t.name }, `data_offsets overlap tensor '${previous!.name}' (${t.begin - dataStart} < ${at - dataStart})`);
    }
    if (t.begin > at) throw new HfFormatError(file, { tensor: t.name }, `${t.begin - at} bytes before its data_offsets belong to no tensor`);
    at = t.end;
    previous = t;
  }
  if (at !== dataStart + dataSize) {
    throw new HfFormatError(file, {}, `${dataStart + dataSize - at} bytes after the last tensor belong to no tensor`);
  }
  return { file, tensors, metadata, dataStart };
}

function readMetadata(file: string, entry: unknown): Record<string, string> {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    throw new HfFormatError(file, { field: '__metadata__' }, `must be an object of strings, got ${show(entry)}`);
  }
  for (const [k, v] of Object.entries(entry)) {
    if (typeof v !== 'string') throw new HfFormatError(file, { field: `__metadata__.${k}` }, `must be a string, got ${show(v)}`);
  }
  return entry as Record<string, string>;
}

function readEntry(file: string, name: string, entry: unknown, dataStart: number, dataSize: number): TensorInfo {
  const fail = (reason: string): never => {
    throw new HfFormatError(file, { tensor: name }, reason);
  };
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return fail(`expected {dtype, shape, data_offsets}, got ${show(entry)}`);
  const { dtype, shape, data_offsets: offsets } = entry as Record<string, unknown>;
  if (!isSafetensorsDtype(dtype)) {
    return fail(`dtype ${show(dtype)} is not one this reader knows (${Object.keys(SAFETENSORS_DTYPE_BYTES).join(', ')})`);
  }
  if (!Array.isArray(shape) || !shape.every(isCount)) return fail(`shape must be a list of non-negative integers, got ${show(shape)}`);
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount) || offsets[0] > offsets[1]) {
    return fail(`data_offsets must be [begin, end] with 0 <= begin <= end, got ${show(offsets)}`);
  }
  const [begin, end] = offsets as [number, number];
  const bytes = tensorBytes(dtype, shape);
  if (!Number.isSafeInteger(bytes) || end - begin !== bytes) {
    return fail(`data_offsets [${begin}, ${end}] hold ${end - begin} bytes, but ${dtype} of shape [${shape.join(', ')}] needs ${bytes}`);
  }
  if (end > dataSize) {
    return fail(`data_offsets [${begin}, ${end}] run past the end of the data (${dataSize} bytes): the file is truncated or its header is wrong`);
  }
  return { name, dtype, shape: shape as number[], file, begin: dataStart + begin, end: dataStart + end };
}

/** One tensor's raw little-endian bytes, as stored. */
export function readTensorBytes(info: TensorInfo): Buffer {
  const out = Buffer.alloc(info.end - info.begin);
  const fd = openSync(info.file, 'r');
  try {
    readFully(fd, out, info.begin, info.file, info.name);
  } finally {
    closeSync(fd);
  }
  return out;
}

/** One tensor as f32, exactly (BF16, F16 and F32 are all exactly representable in f32). */
export function readTensorF32(info: TensorInfo): Float32Array {
  const dtype = info.dtype;
  if (!isFloatDtype(dtype)) throw new HfFormatError(info.file, { tensor: info.name }, `dtype ${dtype} cannot be read as weights (BF16, F16 or F32 only)`);
  const count = numel(info.shape);
  const out = new Float32Array(count);
  const fd = openSync(info.file, 'r');
  try {
    if (dtype === 'F32' && HOST_LITTLE_ENDIAN) {
      // Stored the way the host keeps f32: straight into the result.
      readFully(fd, new Uint8Array(out.buffer), info.begin, info.file, info.name);
      return out;
    }
    const bits = new Uint32Array(out.buffer);
    const width = SAFETENSORS_DTYPE_BYTES[dtype];
    const scratch = Buffer.alloc(Math.min(count, CHUNK_ELEMENTS) * width);
    for (let i = 0; i < count; i += CHUNK_ELEMENTS) {
      const n = Math.min(CHUNK_ELEMENTS, count - i);
      const chunk = scratch.subarray(0, n * width);
      readFully(fd, chunk, info.begin + i * width, info.file, info.name);
      decodeToF32Bits(chunk, dtype, n, bits, i);
    }
  } finally {
    closeSync(fd);
  }
  return out;
}

/**
 * Writes one safetensors file as Hugging Face does: `__metadata__: {format: "pt"}`, the header
 * padded with spaces to a multiple of 8 bytes, the data in the order given. f32 values are
 * rounded to BF16 / F16 to nearest, ties to even.
 */
export async function writeSafetensors(file: string, tensors: readonly TensorToWrite[], metadata: Record<string, string> = {}): Promise<void> {
  const header: Record<string, unknown> = { __metadata__: { format: 'pt', ...metadata } };
  let offset = 0;
  for (const t of tensors) {
    if (t.name === '__metadata__' || t.name === '' || Object.hasOwn(header, t.name)) {
      throw new HfFormatError(file, { tensor: t.name }, 'tensor names must be unique, non-empty and not "__metadata__"');
    }
    if (!t.shape.every(isCount)) throw new HfFormatError(file, { tensor: t.name }, `shape must be non-negative integers, got ${show(t.shape)}`);
    const bytes = tensorBytes(t.dtype, t.shape);
    // defineProperty: a tensor named like an Object.prototype key is still just a key.
    Object.defineProperty(header, t.name, { value: { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + bytes] }, enumerable: true });
    offset += bytes;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
  const headerBytes = Buffer.from(json, 'utf8');
  const lengthBytes = Buffer.alloc(8);
  lengthBytes.writeBigUInt64LE(BigInt(headerBytes.byteLength));

  const out = await open(file, 'w');
  try {
    await writeAll(out, lengthBytes);
    await writeAll(out, headerBytes);
    const scratch = Buffer.alloc(CHUNK_ELEMENTS * 4);
    for (const t of tensors) {
      const data = typeof t.data === 'function' ? t.data() : t.data;
      const count = numel(t.shape);
      if (data.length !== count) {
        throw new HfFormatError(file, { tensor: t.name }, `${data.length} values given, shape [${t.shape.join(', ')}] needs ${count}`);
      }
      const bits = new Uint32Array(data.buffer, data.byteOffset, data.length);
      const width = SAFETENSORS_DTYPE_BYTES[t.dtype];
      for (let i = 0; i < count; i += CHUNK_ELEMENTS) {
        const n = Math.min(CHUNK_ELEMENTS, count - i);
        const chunk = scratch.subarray(0, n * width);
        encodeFromF32Bits(bits, i, n, t.dtype, chunk);
        await writeAll(out, chunk);
      }
    }
  } finally {
    await out.close();
  }
}

// Campaign list files in S3: written as a stream (a multipart upload in parts of a fixed size, so
// memory stays at one part whatever the list's length), read back through presigned URLs.
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { s3 } from '../clients/s3.js';
import { required } from '../config.js';

/** S3's smallest part (every part but the last must be at least this big). */
export const MIN_PART_BYTES = 5 * 1024 * 1024;

export interface WriterStats {
  /** Most bytes the writer held at any moment (the bound the memory test checks). */
  maxBufferedBytes: number;
  parts: number;
  bytes: number;
}

export interface WrittenObject extends WriterStats {
  /** The whole file, when it stayed within `keepBodyBytes` (to attach it to the notice). */
  body?: Buffer;
}

export interface ObjectWriter {
  write(chunk: string): Promise<void>;
  close(): Promise<WrittenObject>;
  abort(): Promise<void>;
  readonly stats: WriterStats;
}

export interface WriterOptions {
  contentType: string;
  contentDisposition?: string;
  /** Bytes per part; at least MIN_PART_BYTES. */
  partBytes: number;
  /** Keep and return the body when the whole file is at most this big. */
  keepBodyBytes?: number;
}

/**
 * A streaming writer for one S3 object. Chunks gather until a part is full, then the part goes up
 * (the caller's `write` waits for it: that is the backpressure that keeps memory bounded). A file
 * smaller than one part is written with a single PutObject.
 */
export function openObjectWriter(key: string, options: WriterOptions): ObjectWriter {
  const Bucket = required('bucketName');
  const client = s3();
  const partBytes = Math.max(MIN_PART_BYTES, options.partBytes);
  const meta = { ContentType: options.contentType, ContentDisposition: options.contentDisposition };
  let chunks: Buffer[] = [];
  let buffered = 0;
  let uploadId: string | undefined;
  const parts: Array<{ ETag: string | undefined; PartNumber: number }> = [];
  const stats: WriterStats = { maxBufferedBytes: 0, parts: 0, bytes: 0 };

  const flush = async () => {
    if (buffered === 0) return;
    uploadId ??= (await client.send(new CreateMultipartUploadCommand({ Bucket, Key: key, ...meta })))
      .UploadId;
    const PartNumber = parts.length + 1;
    const Body = Buffer.concat(chunks, buffered);
    chunks = [];
    buffered = 0;
    const result = await client.send(
      new UploadPartCommand({ Bucket, Key: key, UploadId: uploadId, PartNumber, Body }),
    );
    parts.push({ ETag: result.ETag, PartNumber });
    stats.parts = parts.length;
  };

  return {
    stats,
    async write(chunk) {
      const bytes = Buffer.from(chunk, 'utf8');
      chunks.push(bytes);
      buffered += bytes.length;
      stats.bytes += bytes.length;
      stats.maxBufferedBytes = Math.max(stats.maxBufferedBytes, buffered);
      if (buffered >= partBytes) await flush();
    },
    async close() {
      if (!uploadId) {
        const Body = Buffer.concat(chunks, buffered);
        await client.send(new PutObjectCommand({ Bucket, Key: key, Body, ...meta }));
        stats.parts = 1;
        const keep = options.keepBodyBytes !== undefined && Body.length <= options.keepBodyBytes;
        return { ...stats, ...(keep ? { body: Body } : {}) };
      }
      await flush();
      await client.send(
        new CompleteMultipartUploadCommand({
          Bucket,
          Key: key,
          UploadId: uploadId,
          MultipartUpload: { Parts: parts },
        }),
      );
      return { ...stats };
    },
    async abort() {
      chunks = [];
      buffered = 0;
      if (uploadId)
        await client.send(new AbortMultipartUploadCommand({ Bucket, Key: key, UploadId: uploadId }));
    },
  };
}

/** Whether the object is still there (the bucket's lifecycle rule expires lists). */
export async function objectExists(key: string): Promise<boolean> {
  try {
    await s3().send(new HeadObjectCommand({ Bucket: required('bucketName'), Key: key }));
    return true;
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (name === 'NotFound' || name === 'NoSuchKey') return false;
    throw error;
  }
}

/**
 * A URL that downloads the object for `expiresInSeconds` without credentials. On AWS it stops
 * working earlier if the signing credentials (the function's role session) expire first.
 */
export function presignedDownload(key: string, expiresInSeconds: number, fileName?: string): Promise<string> {
  return getSignedUrl(
    s3(),
    new GetObjectCommand({
      Bucket: required('bucketName'),
      Key: key,
      ...(fileName ? { ResponseContentDisposition: attachmentDisposition(fileName) } : {}),
    }),
    { expiresIn: expiresInSeconds },
  );
}

/** `Content-Disposition` for a download, with an ASCII fallback and the UTF-8 name (RFC 6266). */
export function attachmentDisposition(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}

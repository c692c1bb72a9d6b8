/**
 * Local S3 endpoint for development and tests: s3rver with the one shim minio-js needs
 * (s3rver answers 501 to `GET /bucket?uploads`, which minio-js calls before every multipart upload).
 * Production and docker-compose use the real MinIO server.
 */
import S3rver from 's3rver';

const [dir, port] = [process.argv[2] ?? 'tmp/stack/s3', Number(process.argv[3] ?? 9000)];

const server = new S3rver({
  address: '127.0.0.1',
  port,
  directory: dir,
  silent: true,
  configureBuckets: [],
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const app = (server as any).middleware as { unshift: (fn: unknown) => void };
// eslint-disable-next-line @typescript-eslint/no-explicit-any
app.unshift(async (ctx: any, next: () => Promise<void>) => {
  const m = ctx.path.match(/^\/([^/]+)\/?$/);
  if (ctx.method === 'GET' && m && 'uploads' in ctx.query) {
    ctx.type = 'application/xml';
    ctx.body =
      `<?xml version="1.0" encoding="UTF-8"?><ListMultipartUploadsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">` +
      `<Bucket>${m[1]}</Bucket><KeyMarker></KeyMarker><UploadIdMarker></UploadIdMarker><MaxUploads>1000</MaxUploads>` +
      `<IsTruncated>false</IsTruncated></ListMultipartUploadsResult>`;
    return;
  }
  await next();
});

// s3rver deletes the keys of one DeleteObjects request in parallel, and each delete then removes its folder if it
// looks empty: two deletes in one folder race on that cleanup and the request fails with 500 (ENOENT/ENOTEMPTY).
// The objects themselves are already gone at that point, so the cleanup's errors are safe to ignore.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const store = (server as any).store as { deleteObject: (bucket: string, key: string) => Promise<void> };
const deleteObject = store.deleteObject.bind(store);
store.deleteObject = async (bucket, key) => {
  try {
    await deleteObject(bucket, key);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTEMPTY') throw err;
  }
};

server.run().then(
  () => console.log(`s3 endpoint on http://127.0.0.1:${port} (${dir})`),
  (err: Error) => {
    console.error(`s3 endpoint failed to start: ${err.message}`);
    process.exit(1);
  },
);
const stop = () => server.close().finally(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { modelManifest, type ModelEntry } from './manifest';
import { ModelNotFoundError, ModelResolver } from './resolver';

const bytes = Buffer.from('pretend these are ONNX weights');
const entry: ModelEntry = {
  file: 'tiny.onnx',
  id: 'tiny@00000000',
  sha256: createHash('sha256').update(bytes).digest('hex'),
  bytes: bytes.length,
  origin: 'test',
  url: 'https://models.example/tiny.onnx',
  licence: 'MIT',
  input: '',
  preprocess: '',
};

function dirs() {
  const root = mkdtempSync(path.join(tmpdir(), 'resolver-'));
  const cacheDir = path.join(root, 'cache');
  const assetsDir = path.join(root, 'assets');
  mkdirSync(path.join(assetsDir, 'models'), { recursive: true });
  return { cacheDir, assetsDir };
}

const fetchOf = (body: Buffer, status = 200) =>
  jest.fn(async () => new Response(new Uint8Array(body), { status })) as unknown as typeof fetch;

describe('ModelResolver', () => {
  it('finds a verified file in the assets folder', async () => {
    const d = dirs();
    writeFileSync(path.join(d.assetsDir, 'models', entry.file), bytes);
    const r = new ModelResolver({ ...d, allowDownload: false });
    expect(await r.resolve(entry)).toBe(path.join(d.assetsDir, 'models', entry.file));
  });

  it('skips a cached copy whose sha256 is wrong and says so if nothing else is found', async () => {
    const d = dirs();
    mkdirSync(d.cacheDir, { recursive: true });
    writeFileSync(path.join(d.cacheDir, entry.file), 'corrupted');
    const r = new ModelResolver({ ...d, allowDownload: false });
    const err = (await r.resolve(entry).catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(ModelNotFoundError);
    expect(err.message).toContain('model tiny.onnx not found');
    expect(err.message).toContain(`${path.join(d.cacheDir, entry.file)} (sha256`);
    expect(err.message).toContain(`${path.join(d.assetsDir, 'models', entry.file)} (missing)`);
    expect(err.message).toContain('downloads disabled');
  });

  it('downloads from the origin into the cache when allowed, and checks the bytes', async () => {
    const d = dirs();
    const fetchImpl = fetchOf(bytes);
    const r = new ModelResolver({ ...d, allowDownload: true, fetchImpl });
    const file = await r.resolve(entry);
    expect(file).toBe(path.join(d.cacheDir, entry.file));
    expect(readFileSync(file)).toEqual(bytes);
    expect(fetchImpl).toHaveBeenCalledWith(entry.url, expect.anything());
    await r.resolve(entry); // memoised: verified once per process
    expect(fetchImpl).toHaveBeenCalledTimes(1);
  });

  it('refuses a download whose sha256 does not match, naming every place it looked', async () => {
    const d = dirs();
    const r = new ModelResolver({ ...d, allowDownload: true, fetchImpl: fetchOf(Buffer.from('tampered')) });
    await expect(r.resolve(entry)).rejects.toThrow(
      /https:\/\/models\.example\/tiny\.onnx \(downloaded sha256 .* does not match\)/,
    );
    const r404 = new ModelResolver({ ...d, allowDownload: true, fetchImpl: fetchOf(Buffer.alloc(0), 404) });
    await expect(r404.resolve(entry)).rejects.toThrow(/HTTP 404/);
    const noUrl = new ModelResolver({ ...d, allowDownload: true });
    await expect(noUrl.resolve({ ...entry, url: null })).rejects.toThrow(/no public download URL/);
  });

  it('builds a model from its npm source into the cache when it is found nowhere else, checked by sha256', async () => {
    const d = dirs();
    const ageGender = modelManifest().ageGender;
    const r = new ModelResolver({ ...d, allowDownload: false });
    const file = await r.resolve(ageGender);
    expect(file).toBe(path.join(d.cacheDir, ageGender.file));
    expect(createHash('sha256').update(readFileSync(file)).digest('hex')).toBe(ageGender.sha256);
  });

  it('refuses to build from weights that are not the ones named, and says why', async () => {
    const d = dirs();
    const ageGender = modelManifest().ageGender;
    const source = ageGender.source!;
    const tampered = { ...ageGender, source: { ...source, files: [source.files[0], { ...source.files[1], sha256: '0'.repeat(64) }] } };
    const r = new ModelResolver({ ...d, allowDownload: false });
    await expect(r.resolve(tampered)).rejects.toThrow(
      /built from npm @vladmandic\/face-api@1\.7\.15 \(@vladmandic\/face-api@1\.7\.15 model\/age_gender_model\.bin: sha256 49f92bbc0afe…, expected 000000000000…\)/,
    );
    const wrongBytes = { ...ageGender, sha256: 'f'.repeat(64) };
    await expect(new ModelResolver({ ...d, allowDownload: false }).resolve(wrongBytes)).rejects.toThrow(/built sha256 b5da9d937f13… does not match/);
  });
});

import { JpegSplitter, jpegSize } from './jpeg-stream';
import { ffmpegArgs } from './stream-reader';
import { parseStreamUrl, redactText, redactUrl, StreamUrlError } from './stream-url';
import sharp from 'sharp';

describe('stream URLs', () => {
  it('accepts rtsp, rtsps, HLS and MJPEG over http(s), and tells them apart', () => {
    expect(parseStreamUrl('rtsp://10.0.0.5:554/stream1').kind).toBe('rtsp');
    expect(parseStreamUrl('rtsps://cam.example/s').kind).toBe('rtsp');
    expect(parseStreamUrl('https://cdn.example/live/index.m3u8').kind).toBe('hls');
    expect(parseStreamUrl('http://10.0.0.7/video.mjpg').kind).toBe('mjpeg');
  });

  it.each(['file:///etc/passwd', 'ftp://h/x', 'concat:a|b', 'data:video/mp4;base64,AA', 'pipe:0', 'nope', 'rtsp://'])(
    'refuses %s',
    (url) => expect(() => parseStreamUrl(url)).toThrow(StreamUrlError),
  );

  it('refuses control characters and over-long URLs', () => {
    expect(() => parseStreamUrl('rtsp://h/a b')).toThrow(StreamUrlError);
    expect(() => parseStreamUrl(`rtsp://h/${'a'.repeat(3000)}`)).toThrow(StreamUrlError);
  });

  it('never lets credentials through redaction', () => {
    const url = parseStreamUrl('rtsp://admin:s3cret@10.0.0.5/stream');
    expect(url.redacted).toBe('rtsp://***@10.0.0.5/stream');
    expect(url.url).toContain('s3cret'); // kept for ffmpeg only
    expect(redactUrl('http://10.0.0.5/x')).toBe('http://10.0.0.5/x');
    expect(redactText('[rtsp @ 0x1] method DESCRIBE failed: rtsp://admin:s3cret@10.0.0.5/stream 401')).not.toContain(
      's3cret',
    );
  });
});

describe('ffmpeg command line', () => {
  it('picks the RTSP transport, samples at the camera fps, and allows only network protocols', () => {
    const args = ffmpegArgs({ url: 'rtsp://h/s', kind: 'rtsp', transport: 'tcp', fps: 2, timeoutMs: 5000 });
    expect(args.join(' ')).toContain('-rtsp_transport tcp -timeout 5000000 -i rtsp://h/s');
    expect(args.join(' ')).toContain('-vf fps=2');
    const whitelist = args[args.indexOf('-protocol_whitelist') + 1]!.split(',');
    expect(whitelist).not.toContain('file');
    expect(
      ffmpegArgs({ url: 'http://h/a.m3u8', kind: 'hls', transport: 'tcp', fps: 1, timeoutMs: 1000 }),
    ).not.toContain('-rtsp_transport');
  });
});

describe('JPEG stream splitting', () => {
  it('splits concatenated JPEGs across arbitrary chunk boundaries and reads their size', async () => {
    const one = await sharp({ create: { width: 32, height: 24, channels: 3, background: '#f00' } })
      .jpeg()
      .toBuffer();
    const two = await sharp({ create: { width: 16, height: 8, channels: 3, background: '#0f0' } })
      .jpeg()
      .toBuffer();
    const stream = Buffer.concat([Buffer.from([1, 2, 3]), one, two, one]);
    for (const chunk of [1, 7, 1000, stream.length]) {
      const splitter = new JpegSplitter();
      const out: Buffer[] = [];
      for (let i = 0; i < stream.length; i += chunk) out.push(...splitter.push(stream.subarray(i, i + chunk)));
      expect(out.map((b) => jpegSize(b))).toEqual([
        { width: 32, height: 24 },
        { width: 16, height: 8 },
        { width: 32, height: 24 },
      ]);
      expect(out[1]!.equals(two)).toBe(true);
    }
  });

  it('reads no size from something that is not a JPEG', () => {
    expect(jpegSize(Buffer.from('not a jpeg at all'))).toBeNull();
  });
});

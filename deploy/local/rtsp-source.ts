/**
 * A live camera on loopback for tests and the demo: an RTSP server (npm rtsp-streaming-server: RTP over UDP) with
 * ffmpeg publishing a video into it in a loop, at its real rate.
 *
 *   node -r ./deploy/local/register.js deploy/local/rtsp-source.ts --file clip.mp4 --port 25201 \
 *     [--publish-port 25200] [--rtp-port 25300] [--path /cam] [--user u --password p]
 *
 * Clients read rtsp://127.0.0.1:<port><path>. Prints one line `ready <url>` once the stream is being published.
 * The server and its ffmpeg form one process group: kill the group to take the camera away.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import RtspServer from 'rtsp-streaming-server';

function arg(name: string, fallback?: string): string {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? process.argv[i + 1] : fallback;
  if (value === undefined) throw new Error(`--${name} is required`);
  return value;
}

async function main(): Promise<void> {
  const file = arg('file');
  const port = Number(arg('port'));
  const publishPort = Number(arg('publish-port', String(port - 1)));
  const rtpPort = Number(arg('rtp-port', String(port + 100)));
  const mount = arg('path', '/cam');
  const user = process.argv.includes('--user') ? arg('user') : null;
  const password = process.argv.includes('--password') ? arg('password') : '';

  const server = new RtspServer({
    serverPort: publishPort,
    clientPort: port,
    rtpPortStart: rtpPort,
    rtpPortCount: 100,
    ...(user
      ? { clientServerHooks: { authentication: async (u: string, p: string) => u === user && p === password } }
      : {}),
  });
  await server.start();

  let ffmpeg: ChildProcess | undefined;
  let stopping = false;
  let announced = false;
  const publish = () => {
    ffmpeg = spawn(
      'ffmpeg',
      [
        ...['-hide_banner', '-loglevel', 'error', '-re', '-stream_loop', '-1', '-i', file, '-an'],
        ...['-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', '10'],
        ...['-f', 'rtsp', `rtsp://127.0.0.1:${publishPort}${mount}`],
      ],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
    ffmpeg.once('exit', () => {
      if (!stopping) setTimeout(publish, 1000);
    });
    if (!announced) {
      announced = true;
      setTimeout(() => process.stdout.write(`ready rtsp://127.0.0.1:${port}${mount}\n`), 1500);
    }
  };
  publish();

  const stop = () => {
    stopping = true;
    ffmpeg?.kill('SIGKILL');
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err: Error) => {
  process.stderr.write(`rtsp-source: ${err.message}\n`);
  process.exit(1);
});

import { readFileSync } from 'node:fs';
import os from 'node:os';
import { config } from '@storelens/config';
import type { MachineInfo } from './types';

function osName(): string {
  const kernel = `${os.type()} ${os.release()} ${os.arch()}`;
  try {
    const pretty = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1];
    return pretty ? `${pretty} (${kernel})` : kernel;
  } catch {
    return kernel;
  }
}

function onnxruntimeVersion(): string {
  try {
    return JSON.parse(readFileSync(require.resolve('onnxruntime-node/package.json'), 'utf8')).version as string;
  } catch {
    return 'unknown';
  }
}

/** The machine the numbers were measured on, so that runs on different hosts are not compared blindly. */
export function machineInfo(): MachineInfo {
  return {
    cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
    cores: os.availableParallelism(),
    memGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    onnxruntime: onnxruntimeVersion(),
    os: osName(),
    ortThreads: config().models.threads,
    loadAverage: Math.round(os.loadavg()[0] * 100) / 100,
  };
}

import pino from 'pino';
import { config } from './config';

/** Structured logs go to stderr so that stdout stays clean for JSON output. */
export function createLogger(name: string): pino.Logger {
  return pino({ name, level: config().logLevel }, pino.destination(2));
}

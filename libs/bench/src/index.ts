export * from './peer/human-peer';

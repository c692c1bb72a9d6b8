export * from './csv';
export * from './dataset';
export * from './metrics';
export * from './evaluate';
export * from './report';

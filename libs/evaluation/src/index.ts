export * from './csv';
export * from './dataset';
export * from './metrics';
export * from './evaluate';
export * from './report';
export * from './fairness';
export * from './fairness-report';
export * from './recognition-set';

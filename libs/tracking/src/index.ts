export * from './link';
export * from './recorded-at';
export * from './track-summary';
export * from './vectors';
export * from './visits';
export * from './visitor-book';
export * from './track-sums';

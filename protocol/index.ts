/** The MQTT contract every part imports: topics, host ids, payloads, units, series. */
export * from './host-id.js';
export * from './topics.js';
export * from './client-ids.js';
export * from './payloads.js';
export * from './units.js';
export * from './metric-series.js';

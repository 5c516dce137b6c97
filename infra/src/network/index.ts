// DEVELOPMENT tooling: the local network behind `cloister network …` (loaded lazily by the cli package).
export { networkUp, networkRunning, type NetworkUpOptions, type NetworkUpResult } from './networkUp';
export { networkDown, networkStatus, networkLogs, type NetworkStatus } from './networkControl';
export { networkPaths, defaultNetworkDir, type NetworkPaths } from './networkPaths';
export { SERVICES, type ServiceName } from './processes';

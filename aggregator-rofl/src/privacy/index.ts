export { CentralDp, accountantKey, type CentralDpOptions } from './centralDp';
export { RdpAccountant, gaussianRdp, epsilonFromRdp, classicEpsilon, ordersFor, DEFAULT_ORDERS, type AccountantState } from './rdp';

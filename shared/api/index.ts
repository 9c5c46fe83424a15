// Every route contract, for the OpenAPI document. One line per contract file.
import type { RouteContract } from '../http/handler.js';
import { activityContract } from './activity-contract.js';
import { complaintsContract } from './complaints-contract.js';
import { customersContract } from './customers-contract.js';
import { systemContract } from './system-contract.js';

export const allContracts: Record<string, RouteContract> = {
  ...systemContract,
  ...customersContract,
  ...activityContract,
  ...complaintsContract,
};

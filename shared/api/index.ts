// Every route contract, for the OpenAPI document. One line per contract file.
import type { RouteContract } from '../http/handler.js';
import { activityContract } from './activity-contract.js';
import { analyticsContract } from './analytics-contract.js';
import { campaignsContract, segmentDefinitionsContract } from './campaigns-contract.js';
import { complaintsContract } from './complaints-contract.js';
import { customerMergeContract } from './customer-merge-contract.js';
import { customersContract } from './customers-contract.js';
import { messagesContract } from './messages-contract.js';
import { ordersContract } from './orders-contract.js';
import { privacyContract } from './privacy-contract.js';
import { systemContract } from './system-contract.js';

export const allContracts: Record<string, RouteContract> = {
  ...systemContract,
  ...customersContract,
  ...ordersContract,
  ...customerMergeContract,
  ...privacyContract,
  ...activityContract,
  ...complaintsContract,
  ...analyticsContract,
  ...segmentDefinitionsContract,
  ...campaignsContract,
  ...messagesContract,
};

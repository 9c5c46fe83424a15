// Campaigns: create, read, replace, delete, list; their runs; the download of a run's list.
import { type CampaignInput, type CampaignRecord, listFileName } from '../domain/campaign.js';
import { GoneError, NotFoundError, ValidationError } from '../domain/errors.js';
import { ulid } from '../ids.js';
import { log } from '../log.js';
import {
  type CampaignRun,
  definitionExists,
  deleteCampaign as deleteStoredCampaign,
  insertCampaign,
  listCampaigns as listStoredCampaigns,
  listRuns as listStoredRuns,
  loadCampaign,
  loadRun,
  type Page,
  recordDownload,
  replaceCampaign as replaceStoredCampaign,
} from '../store/campaign-repository.js';
import { objectExists, presignedDownload } from '../store/list-objects.js';
import { campaignSettings } from './campaign-settings.js';
import { type Clock, systemClock } from './customer-profiles.js';

async function assertSegmentExists(input: CampaignInput): Promise<void> {
  const id = input.segment.definitionId;
  if (id && !(await definitionExists(id))) {
    throw new ValidationError([{ field: 'segment.definitionId', message: `no segment definition ${id}` }]);
  }
}

export async function createCampaign(
  input: CampaignInput,
  clock: Clock = systemClock,
): Promise<CampaignRecord> {
  await assertSegmentExists(input);
  const now = clock.now();
  const record: CampaignRecord = {
    ...input,
    id: `cpg_${ulid(now.getTime())}`,
    version: 1,
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
  };
  await insertCampaign(record);
  return record;
}

export const getCampaign = (id: string) => loadCampaign(id);

export const listCampaigns = (limit: number, after?: string): Promise<Page<CampaignRecord>> =>
  listStoredCampaigns(limit, after);

export async function replaceCampaign(
  id: string,
  input: CampaignInput,
  expectedVersion: number | undefined,
  clock: Clock = systemClock,
): Promise<CampaignRecord> {
  const current = await loadCampaign(id, true);
  await assertSegmentExists(input);
  const version = expectedVersion ?? current.version;
  const updatedAt = clock.now().toISOString();
  await replaceStoredCampaign(id, { ...input, updatedAt }, version);
  return {
    ...input,
    id,
    version: version + 1,
    createdAt: current.createdAt,
    updatedAt,
    ...(current.lastRun ? { lastRun: current.lastRun } : {}),
  };
}

export async function deleteCampaign(id: string): Promise<void> {
  await loadCampaign(id, true);
  await deleteStoredCampaign(id);
}

export async function listRuns(
  campaignId: string,
  limit: number,
  after?: string,
): Promise<Page<CampaignRun>> {
  await loadCampaign(campaignId);
  return listStoredRuns(campaignId, limit, after);
}

export async function getRun(campaignId: string, runId: string): Promise<CampaignRun> {
  return loadRun(campaignId, runId);
}

/**
 * A short-lived URL to a run's CSV, for the caller named by `subject`. Every download is recorded
 * (who, which list, when: ids only), because a list is an export of personal data.
 */
export async function downloadRun(
  campaignId: string,
  runId: string,
  caller: { subject: string; requestId: string },
  clock: Clock = systemClock,
): Promise<string> {
  const [campaign, run] = await Promise.all([loadCampaign(campaignId), loadRun(campaignId, runId)]);
  if (run.status !== 'completed' || !run.objectKey) {
    throw new NotFoundError('list of run', `${campaignId}/${runId}`);
  }
  if (!(await objectExists(run.objectKey))) {
    throw new GoneError(`the list of ${runId} has expired; generate it again with the campaign-lists job`);
  }
  const url = await presignedDownload(
    run.objectKey,
    campaignSettings().downloadLinkSeconds,
    run.fileName ?? listFileName(campaign.name, run.asOf),
  );
  await recordDownload({
    campaignId,
    runId,
    subject: caller.subject,
    at: clock.now().toISOString(),
    requestId: caller.requestId,
    rows: run.summary?.size ?? 0,
  });
  log.info('campaign list downloaded', {
    campaignId,
    runId,
    subject: caller.subject,
    rows: run.summary?.size ?? 0,
  });
  return url;
}

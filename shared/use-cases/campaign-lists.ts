// Generates every active campaign's list for a business-local day: one streaming pass over the
// profiles serves several campaigns at once, each list a CSV streamed to S3; then each run is
// recorded (replacing a run of the same day) and each marketer recipient notified once.
//
// Crash safety, in order: (1) the CSV is complete in S3 (multipart completed) before (2) the run
// item points at it, before (3) the notices go out, each claimed in a ledger first. A retry after a
// crash anywhere redoes (1) and (2) with the same keys (replacing, never duplicating) and sends
// only the notices not yet claimed.
import { SendEmailCommand } from '@aws-sdk/client-sesv2';
import { ses } from '../clients/ses.js';
import { required } from '../config.js';
import {
  BUILTIN_SEGMENTS,
  type BuiltinSegmentId,
  type CampaignRecord,
  LIST_COLUMNS,
  type ListSummary,
  ListTally,
  listable,
  listFileName,
  listRow,
  suggestedAction,
} from '../domain/campaign.js';
import { campaignNotice } from '../domain/campaign-notice.js';
import { commerceSettingsSchema, DEFAULT_COMMERCE } from '../domain/commerce.js';
import { csvHeader, csvRecord } from '../domain/csv.js';
import { NotFoundError } from '../domain/errors.js';
import { type StoredProfile, segmentFacts } from '../domain/segment-facts.js';
import { compileRule, type Predicate } from '../domain/segment-rules.js';
import { localDay } from '../domain/time.js';
import { log } from '../log.js';
import { businessTimeZone, settingsSection } from '../settings.js';
import {
  allCampaigns,
  type CampaignRun,
  claimNotice,
  loadDefinition,
  markNoticeSent,
  previousRun,
  putRun,
  recordNoticesSent,
  releaseNotice,
  setLastRun,
} from '../store/campaign-repository.js';
import { campaignKeys } from '../store/keys.js';
import {
  attachmentDisposition,
  type ObjectWriter,
  openObjectWriter,
  presignedDownload,
  type WriterOptions,
  type WrittenObject,
} from '../store/list-objects.js';
import { scanProfiles } from '../store/profile-scan.js';
import { type CampaignSettings, campaignSettings } from './campaign-settings.js';
import { type Clock, systemClock } from './customer-profiles.js';

/** A campaign ready to be listed: its rule compiled, its segment named. */
export interface ListTarget {
  campaign: CampaignRecord;
  predicate: Predicate;
  segmentLabel: string;
  objectKey: string;
  fileName: string;
}

export interface WrittenList {
  target: ListTarget;
  object: WrittenObject;
  summary: ListSummary;
}

export interface ListWriteOptions {
  asOf: string;
  timeZone: string;
  openWriter: (key: string, options: WriterOptions) => ObjectWriter;
  partBytes: number;
  keepBodyBytes: number;
}

/**
 * One pass over the profiles writing the lists of several campaigns. Each profile's facts are
 * computed once and tested against every campaign. Memory: one upload part per campaign plus the
 * page being read; every write waits for its part's upload, which paces the scan.
 */
export async function writeLists(
  targets: readonly ListTarget[],
  profiles: AsyncIterable<readonly StoredProfile[]>,
  options: ListWriteOptions,
): Promise<WrittenList[]> {
  const writers = targets.map((target) =>
    options.openWriter(target.objectKey, {
      contentType: 'text/csv; charset=utf-8',
      contentDisposition: attachmentDisposition(target.fileName),
      partBytes: options.partBytes,
      keepBodyBytes: options.keepBodyBytes,
    }),
  );
  const tallies = targets.map(() => new ListTally());
  try {
    for (const writer of writers) await writer.write(csvHeader(LIST_COLUMNS));
    for await (const page of profiles) {
      for (const profile of page) {
        const facts = segmentFacts(profile, options.asOf, options.timeZone);
        for (const [index, target] of targets.entries()) {
          if (!listable(profile, facts, target.campaign.channel) || !target.predicate(facts)) continue;
          const action = suggestedAction(target.campaign, facts);
          await (writers[index] as ObjectWriter).write(
            csvRecord(listRow(profile, facts, action, options.timeZone)),
          );
          (tallies[index] as ListTally).add(facts);
        }
      }
    }
    const written: WrittenList[] = [];
    for (const [index, target] of targets.entries()) {
      written.push({
        target,
        object: await (writers[index] as ObjectWriter).close(),
        summary: (tallies[index] as ListTally).summary(),
      });
    }
    return written;
  } catch (error) {
    await Promise.allSettled(writers.map((writer) => writer.abort()));
    throw error;
  }
}

export interface GenerateInput {
  asOf: string;
  trigger: 'analytics' | 'job';
  analyticsRunId?: string;
}

export interface Mailer {
  send(message: {
    to: string;
    subject: string;
    text: string;
    html: string;
    attachment?: { fileName: string; content: Buffer; contentType: string };
  }): Promise<string>;
}

/** SES v2: Simple content with the CSV as an attachment when it is small. */
export const sesMailer: Mailer = {
  async send(message) {
    const result = await ses.send(
      new SendEmailCommand({
        FromEmailAddress: required('emailFrom'),
        ConfigurationSetName: required('configurationSet'),
        Destination: { ToAddresses: [message.to] },
        Content: {
          Simple: {
            Subject: { Data: message.subject, Charset: 'UTF-8' },
            Body: {
              Text: { Data: message.text, Charset: 'UTF-8' },
              Html: { Data: message.html, Charset: 'UTF-8' },
            },
            ...(message.attachment
              ? {
                  Attachments: [
                    {
                      FileName: message.attachment.fileName,
                      RawContent: message.attachment.content,
                      ContentType: message.attachment.contentType,
                      ContentDisposition: 'ATTACHMENT',
                      ContentTransferEncoding: 'BASE64',
                    },
                  ],
                }
              : {}),
          },
        },
      }),
    );
    return result.MessageId ?? '';
  },
};

export interface GenerateDeps {
  profiles: (totalSegments: number) => AsyncIterable<readonly StoredProfile[]>;
  openWriter: ListWriteOptions['openWriter'];
  mailer: Mailer;
  clock: Clock;
  settings: CampaignSettings;
  timeZone: string;
  currency?: string;
}

export function defaultGenerateDeps(): GenerateDeps {
  return {
    profiles: (totalSegments) => scanProfiles(totalSegments),
    openWriter: openObjectWriter,
    mailer: sesMailer,
    clock: systemClock,
    settings: campaignSettings(),
    timeZone: businessTimeZone(),
    // The orders feature owns the `commerce` section; read here for the currency of the totals.
    currency: settingsSection('commerce', commerceSettingsSchema, DEFAULT_COMMERCE).currency,
  };
}

export interface CampaignOutcome {
  campaignId: string;
  status: 'completed' | 'failed';
  rows?: number;
  parts?: number;
  noticesSent?: number;
  error?: string;
}

export interface GenerationReport {
  asOf: string;
  trigger: GenerateInput['trigger'];
  campaigns: CampaignOutcome[];
}

/** The campaign's rule, or why it has none any more (its saved segment was deleted). */
async function targetOf(campaign: CampaignRecord, asOf: string): Promise<ListTarget | { error: string }> {
  const base = {
    campaign,
    objectKey: campaignKeys.listObject(campaign.id, asOf),
    fileName: listFileName(campaign.name, asOf),
  };
  const builtin = campaign.segment.builtin as BuiltinSegmentId | undefined;
  if (builtin) {
    const segment = BUILTIN_SEGMENTS[builtin];
    if (!segment) return { error: `unknown built-in segment ${builtin}` };
    return { ...base, predicate: compileRule(segment.rule), segmentLabel: segment.label[campaign.language] };
  }
  try {
    const definition = await loadDefinition(campaign.segment.definitionId as string);
    return { ...base, predicate: compileRule(definition.rule), segmentLabel: definition.name };
  } catch (error) {
    if (error instanceof NotFoundError)
      return { error: `segment definition ${campaign.segment.definitionId} no longer exists` };
    throw error;
  }
}

async function notify(written: WrittenList, run: CampaignRun, deps: GenerateDeps): Promise<number> {
  const { campaign, objectKey, fileName, segmentLabel } = written.target;
  const expiresIn = deps.settings.linkExpiryHours * 3600;
  const link = await presignedDownload(objectKey, expiresIn, fileName);
  const body = written.object.body;
  const attach = body !== undefined && body.length <= deps.settings.attachMaxBytes;
  const notice = campaignNotice({
    campaignName: campaign.name,
    segmentLabel,
    channel: campaign.channel,
    asOf: run.asOf,
    summary: written.summary,
    previousSize: run.previousSize,
    link,
    linkExpiresAt: new Date(deps.clock.now().getTime() + expiresIn * 1000).toISOString(),
    attached: attach,
    fileName,
    language: campaign.language,
    currency: deps.currency,
  });
  let sent = 0;
  for (const recipient of campaign.recipients) {
    const claim = await claimNotice(campaign.id, run.runId, recipient, deps.clock.now().toISOString());
    if (claim === 'already-sent') sent++;
    if (claim === 'outcome-unknown') {
      log.warn('campaign notice outcome unknown, presumed sent', {
        campaignId: campaign.id,
        runId: run.runId,
      });
    }
    if (claim !== 'claimed') continue;
    let messageId: string;
    try {
      messageId = await deps.mailer.send({
        to: recipient,
        ...notice,
        ...(attach && body
          ? { attachment: { fileName, content: body, contentType: 'text/csv; charset=utf-8' } }
          : {}),
      });
    } catch (error) {
      // SES said no: nothing was sent, so the claim goes and a retry sends the notice.
      await releaseNotice(campaign.id, run.runId, recipient);
      throw error;
    }
    await markNoticeSent(campaign.id, run.runId, recipient, messageId, deps.clock.now().toISOString());
    sent++;
  }
  await recordNoticesSent(campaign.id, run.runId, sent);
  return sent;
}

async function recordWritten(
  written: WrittenList,
  input: GenerateInput,
  deps: GenerateDeps,
): Promise<CampaignOutcome> {
  const { campaign, objectKey, fileName } = written.target;
  const previous = await previousRun(campaign.id, input.asOf);
  const generatedAt = deps.clock.now().toISOString();
  const run: CampaignRun = {
    campaignId: campaign.id,
    runId: input.asOf,
    asOf: input.asOf,
    status: 'completed',
    trigger: input.trigger,
    ...(input.analyticsRunId ? { analyticsRunId: input.analyticsRunId } : {}),
    generatedAt,
    objectKey,
    fileName,
    bytes: written.object.bytes,
    summary: written.summary,
    ...(previous?.summary ? { previousSize: previous.summary.size } : {}),
    noticesSent: 0,
  };
  await putRun(run);
  await setLastRun(campaign.id, {
    runId: run.runId,
    asOf: run.asOf,
    size: written.summary.size,
    generatedAt,
  });
  // A backfill (a list for a day before the campaign's newest list, e.g. analytics re-run with
  // --as-of) is kept in the history but mailed to nobody: marketers act on the newest list.
  const backfill = campaign.lastRun !== undefined && campaign.lastRun.asOf > input.asOf;
  const noticesSent = backfill ? 0 : await notify(written, run, deps);
  log.info('campaign list generated', {
    campaignId: campaign.id,
    runId: run.runId,
    rows: written.summary.size,
    bytes: written.object.bytes,
    parts: written.object.parts,
    noticesSent,
  });
  return {
    campaignId: campaign.id,
    status: 'completed',
    rows: written.summary.size,
    parts: written.object.parts,
    noticesSent,
  };
}

/** Generate the list of every active campaign for `asOf`. Safe to repeat: a re-run replaces. */
export async function generateCampaignLists(
  input: GenerateInput,
  deps: GenerateDeps = defaultGenerateDeps(),
): Promise<GenerationReport> {
  const campaigns = (await allCampaigns()).filter((campaign) => campaign.active);
  const outcomes: CampaignOutcome[] = [];
  const targets: ListTarget[] = [];
  for (const campaign of campaigns) {
    const target = await targetOf(campaign, input.asOf);
    if ('error' in target) {
      await putRun({
        campaignId: campaign.id,
        runId: input.asOf,
        asOf: input.asOf,
        status: 'failed',
        trigger: input.trigger,
        generatedAt: deps.clock.now().toISOString(),
        error: target.error,
      });
      log.warn('campaign list not generated', { campaignId: campaign.id, reason: target.error });
      outcomes.push({ campaignId: campaign.id, status: 'failed', error: target.error });
    } else {
      targets.push(target);
    }
  }
  for (let start = 0; start < targets.length; start += deps.settings.campaignsPerPass) {
    const pass = targets.slice(start, start + deps.settings.campaignsPerPass);
    const written = await writeLists(pass, deps.profiles(deps.settings.scanSegments), {
      asOf: input.asOf,
      timeZone: deps.timeZone,
      openWriter: deps.openWriter,
      partBytes: deps.settings.partBytes,
      keepBodyBytes: deps.settings.attachMaxBytes,
    });
    for (const list of written) outcomes.push(await recordWritten(list, input, deps));
  }
  return { asOf: input.asOf, trigger: input.trigger, campaigns: outcomes };
}

/** Today in the business's time zone: the default list date of the job. */
export const todayAsOf = (clock: Clock = systemClock, timeZone = businessTimeZone()) =>
  localDay(clock.now(), timeZone);

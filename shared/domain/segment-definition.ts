// A saved segment: a named rule marketers reuse in campaigns. Pure schemas.
import * as z from 'zod/mini';
import { lazy } from '../lazy.js';
import { SEGMENT_DEFINITION_ID } from './campaign.js';
import { ruleNode, type SegmentRule, segmentRuleSchema } from './segment-rules.js';

const text = (max: number) =>
  z.string().check(z.trim(), z.minLength(1, 'must not be empty'), z.maxLength(max));

export const segmentDefinitionInputSchema = /* @__PURE__ */ lazy(() =>
  z.strictObject({
    name: text(120),
    description: z.optional(text(1000)),
    rule: segmentRuleSchema,
  }),
);
export type SegmentDefinitionInput = z.infer<typeof segmentDefinitionInputSchema>;

export interface SegmentDefinitionRecord {
  id: string;
  version: number;
  name: string;
  description?: string;
  rule: SegmentRule;
  createdAt: string;
  updatedAt: string;
}

export const definitionIdParams = /* @__PURE__ */ lazy(() =>
  z.strictObject({
    id: z.string().check(z.regex(SEGMENT_DEFINITION_ID, 'must be a segment definition id like seg_01J…')),
  }),
);

export const segmentDefinitionViewSchema = /* @__PURE__ */ lazy(() =>
  z.object({
    id: z.string(),
    version: z.number(),
    name: z.string(),
    description: z.optional(z.string()),
    // Stored rules were checked on the way in: the structure alone describes them.
    rule: ruleNode,
    createdAt: z.string(),
    updatedAt: z.string(),
  }),
);

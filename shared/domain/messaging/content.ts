// What goes into a birthday or win-back email: the SES template (per language), its variables
// and the RFC 8058 unsubscribe headers. SES renders the template; everything personal is
// prepared here. Variables are flat strings and the templates insert them with `{{{…}}}` (no
// escaping by the engine, the same on SES and locally), so text for the HTML part is escaped
// here, once, in the `…Html` variables. Pure.
import { type ProfileFields, salutationName } from '../customer.js';
import type { Campaign } from './decision.js';
import type { Offer } from './settings.js';

export const TEMPLATE_LANGUAGES = ['en', 'zh-CN'] as const;
export type TemplateLanguage = (typeof TEMPLATE_LANGUAGES)[number];

/** The template language for a customer's language tag: Chinese → zh-CN, anything else → en. */
export function templateLanguage(language: string | undefined): TemplateLanguage {
  return language?.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';
}

/** SES template name, e.g. `birthday-zh-CN` (files in shared/messaging/templates/). */
export const templateName = (campaign: Campaign, language: TemplateLanguage) => `${campaign}-${language}`;

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

/** Salutation when the profile has no usable name. */
const ANONYMOUS: Record<TemplateLanguage, string> = { en: 'there', 'zh-CN': '顾客' };

/** The name to greet the customer with, written the way their language writes names. */
export function greetingName(profile: ProfileFields): string {
  return salutationName(profile) ?? ANONYMOUS[templateLanguage(profile.language)];
}

export interface Suggestion {
  sku: string;
  /** Product name seen in order items, when known. */
  name?: string;
}

/** Text of an offer in a language, falling back to English. */
const offerText = (offer: Offer, language: TemplateLanguage) =>
  offer.text[language] ?? (offer.text.en as string);

export type TemplateData = Record<string, string>;

/** The greeting name, in every template. */
function common(profile: ProfileFields): TemplateData {
  const name = greetingName(profile);
  return { name, nameHtml: escapeHtml(name) };
}

/** The unsubscribe link, in every template (added when the message is sent: it is signed per message). */
export const unsubscribeVariables = (url: string): TemplateData => ({
  unsubscribeUrl: url,
  unsubscribeUrlHtml: escapeHtml(url),
});

function offerVariables(
  prefix: 'gift' | 'offer',
  offer: Offer | undefined,
  language: TemplateLanguage,
): TemplateData {
  if (!offer) return {};
  const text = offerText(offer, language);
  return {
    [prefix]: text,
    [`${prefix}Html`]: escapeHtml(text),
    ...(offer.code ? { [`${prefix}Code`]: offer.code } : {}),
  };
}

export function birthdayTemplateData(input: {
  profile: ProfileFields;
  gift?: Offer;
  suggestions: readonly Suggestion[];
}): TemplateData {
  const language = templateLanguage(input.profile.language);
  const label = (suggestion: Suggestion) => suggestion.name ?? suggestion.sku;
  const suggestions = input.suggestions.slice(0, 3);
  return {
    ...common(input.profile),
    ...offerVariables('gift', input.gift, language),
    ...(suggestions.length > 0
      ? {
          suggestions: suggestions.map((suggestion) => `- ${label(suggestion)}`).join('\n'),
          suggestionsHtml: suggestions
            .map((suggestion) => `<li>${escapeHtml(label(suggestion))}</li>`)
            .join(''),
        }
      : {}),
  };
}

export function winbackTemplateData(input: { profile: ProfileFields; offer?: Offer }): TemplateData {
  const language = templateLanguage(input.profile.language);
  return { ...common(input.profile), ...offerVariables('offer', input.offer, language) };
}

/** `https://example.com/` + token → `https://example.com/unsubscribe?token=…`. */
export const unsubscribeUrl = (publicBaseUrl: string, token: string) =>
  `${publicBaseUrl.replace(/\/+$/, '')}/unsubscribe?token=${encodeURIComponent(token)}`;

/** RFC 2369 `List-Unsubscribe` with the RFC 8058 one-click header. */
export function unsubscribeHeaders(url: string): Array<{ name: string; value: string }> {
  return [
    { name: 'List-Unsubscribe', value: `<${url}>` },
    { name: 'List-Unsubscribe-Post', value: 'List-Unsubscribe=One-Click' },
  ];
}

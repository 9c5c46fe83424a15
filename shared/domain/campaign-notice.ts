// The email a marketer receives when a campaign's list is ready: its size and change since the
// last run, spend and CLV totals, the breakdown by segment, and the time-limited download link.
// An internal notice, built in code in the campaign's language. Pure.
import type { ListSummary, NoticeLanguage } from './campaign.js';

export interface NoticeInput {
  campaignName: string;
  segmentLabel: string;
  channel: string;
  asOf: string;
  summary: ListSummary;
  /** Size of the previous list, when there was one. */
  previousSize?: number;
  link: string;
  /** ISO time the link stops working. */
  linkExpiresAt: string;
  /** Whether the CSV is attached too. */
  attached: boolean;
  fileName: string;
  language: NoticeLanguage;
  /** Currency the totals are in (the business's), e.g. CNY. */
  currency?: string;
}

export interface Notice {
  subject: string;
  text: string;
  html: string;
}

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char] as string,
  );

const WORDS = {
  en: {
    subject: (name: string, size: string, asOf: string) =>
      `Campaign list "${name}": ${size} customers for ${asOf}`,
    intro: (name: string, asOf: string) => `The list of your campaign "${name}" for ${asOf} is ready.`,
    segment: 'Segment',
    channel: 'Channel',
    size: 'Customers on the list',
    change: 'Change since the last list',
    first: 'first list',
    spend: 'Their total spend',
    clv: 'Their predicted 12-month value (CLV)',
    bySegment: 'By segment',
    customers: 'customers',
    download: 'Download the list (CSV)',
    expires: (at: string) => `The link works until ${at} UTC.`,
    attached: 'The list is attached to this email as well.',
    notAttached: 'The list is too large to attach: use the link.',
    privacy:
      'The list holds personal data: keep it inside the company and delete it when the campaign is over.',
    unscored: 'not scored yet',
  },
  'zh-CN': {
    subject: (name: string, size: string, asOf: string) => `活动名单「${name}」：${asOf} 共 ${size} 位客户`,
    intro: (name: string, asOf: string) => `您的活动「${name}」${asOf} 的名单已生成。`,
    segment: '细分群体',
    channel: '渠道',
    size: '名单人数',
    change: '较上次名单变化',
    first: '首次名单',
    spend: '累计消费总额',
    clv: '预测 12 个月客户价值（CLV）合计',
    bySegment: '按细分群体',
    customers: '位客户',
    download: '下载名单（CSV）',
    expires: (at: string) => `链接有效期至 ${at}（UTC）。`,
    attached: '名单也已作为附件随本邮件发送。',
    notAttached: '名单较大，未作为附件发送，请使用下载链接。',
    privacy: '名单包含个人信息：仅限公司内部使用，活动结束后请删除。',
    unscored: '尚未评分',
  },
} as const;

function formatNumber(value: number, language: NoticeLanguage, digits = 0): string {
  return value.toLocaleString(language === 'zh-CN' ? 'zh-CN' : 'en-US', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

/** `+12`, `−3`, `0`, or the first-list wording. */
export function changeText(size: number, previousSize: number | undefined, language: NoticeLanguage): string {
  if (previousSize === undefined) return WORDS[language].first;
  const delta = size - previousSize;
  const sign = delta > 0 ? '+' : delta < 0 ? '−' : '±';
  return `${sign}${formatNumber(Math.abs(delta), language)}`;
}

export function campaignNotice(input: NoticeInput): Notice {
  const words = WORDS[input.language];
  const money = (value: number) =>
    `${formatNumber(value, input.language, 2)}${input.currency ? ` ${input.currency}` : ''}`;
  const size = formatNumber(input.summary.size, input.language);
  const expires = input.linkExpiresAt.slice(0, 16).replace('T', ' ');
  const facts: Array<[string, string]> = [
    [words.segment, input.segmentLabel],
    [words.channel, input.channel],
    [words.size, size],
    [words.change, changeText(input.summary.size, input.previousSize, input.language)],
    [words.spend, money(input.summary.spendTotal)],
    [words.clv, money(input.summary.clvTotal)],
  ];
  const segments = Object.entries(input.summary.bySegment).map(([segment, share]) => ({
    name: segment === 'unscored' ? words.unscored : segment,
    count: formatNumber(share.count, input.language),
    spend: money(share.spend),
    clv: money(share.clv),
  }));
  const attachment = input.attached ? words.attached : words.notAttached;

  const text = [
    words.intro(input.campaignName, input.asOf),
    '',
    ...facts.map(([label, value]) => `${label}: ${value}`),
    '',
    `${words.bySegment}:`,
    ...segments.map((s) => `  ${s.name}: ${s.count} ${words.customers}, ${s.spend} / CLV ${s.clv}`),
    '',
    `${words.download}: ${input.link}`,
    words.expires(expires),
    attachment,
    '',
    words.privacy,
  ].join('\n');

  const cell = 'style="padding:4px 12px;border-bottom:1px solid #ddd;text-align:left"';
  const html = [
    '<!doctype html><html><body style="font-family:sans-serif">',
    `<p>${escapeHtml(words.intro(input.campaignName, input.asOf))}</p>`,
    '<table style="border-collapse:collapse">',
    ...facts.map(
      ([label, value]) =>
        `<tr><th ${cell}>${escapeHtml(label)}</th><td ${cell}>${escapeHtml(value)}</td></tr>`,
    ),
    '</table>',
    `<h3>${escapeHtml(words.bySegment)}</h3>`,
    '<table style="border-collapse:collapse">',
    `<tr><th ${cell}>${escapeHtml(words.segment)}</th><th ${cell}>#</th><th ${cell}>${escapeHtml(words.spend)}</th><th ${cell}>CLV</th></tr>`,
    ...segments.map(
      (s) =>
        `<tr><td ${cell}>${escapeHtml(s.name)}</td><td ${cell}>${escapeHtml(s.count)}</td><td ${cell}>${escapeHtml(s.spend)}</td><td ${cell}>${escapeHtml(s.clv)}</td></tr>`,
    ),
    '</table>',
    `<p><a href="${escapeHtml(input.link)}">${escapeHtml(words.download)}: ${escapeHtml(input.fileName)}</a><br>${escapeHtml(words.expires(expires))}</p>`,
    `<p>${escapeHtml(attachment)}</p>`,
    `<p style="color:#666">${escapeHtml(words.privacy)}</p>`,
    '</body></html>',
  ].join('\n');

  return { subject: words.subject(input.campaignName, size, input.asOf), text, html };
}

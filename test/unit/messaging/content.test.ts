import { describe, expect, it } from 'vitest';
import {
  birthdayTemplateData,
  escapeHtml,
  greetingName,
  templateLanguage,
  templateName,
  unsubscribeHeaders,
  unsubscribeUrl,
  unsubscribeVariables,
  winbackTemplateData,
} from '../../../shared/domain/messaging/content.js';
import { DEFAULT_MESSAGING_SETTINGS } from '../../../shared/domain/messaging/settings.js';

describe('the name a customer is greeted with', () => {
  it.each([
    [{ language: 'zh-CN', name: { family: '王', given: '小明' } }, '王小明'],
    [{ language: 'zh', name: { family: '欧阳', given: '娜娜' } }, '欧阳娜娜'],
    [{ language: 'zh-CN', name: { given: 'John', family: 'Smith' } }, 'John Smith'],
    [{ language: 'zh-CN', name: { display: '小明' } }, '小明'],
    [{ language: 'en', name: { family: 'Lima', given: 'Ana' } }, 'Ana'],
    [{ language: 'en', name: { display: 'Ana Lima' } }, 'Ana Lima'],
    [{ language: 'en-GB', name: { family: 'Lima' } }, 'Lima'],
    [{ language: 'en' }, 'there'],
    [{ language: 'zh-CN' }, '顾客'],
    [{}, 'there'],
  ])('%j → %s', (profile, expected) => {
    expect(greetingName(profile)).toBe(expected);
  });
});

describe('template choice', () => {
  it('uses zh-CN for Chinese and English for everything else', () => {
    expect(
      ['zh-CN', 'zh', 'zh-TW', 'ZH-cn', 'en', 'en-US', 'pt-BR', undefined].map(templateLanguage),
    ).toEqual(['zh-CN', 'zh-CN', 'zh-CN', 'zh-CN', 'en', 'en', 'en', 'en']);
    expect(templateName('birthday', 'zh-CN')).toBe('birthday-zh-CN');
  });
});

describe('template variables', () => {
  it('escapes everything personal for the HTML part, and only there', () => {
    const data = birthdayTemplateData({
      profile: { language: 'en', name: { given: 'Ana <b>&"\'' } },
      suggestions: [{ sku: 'SKU-1', name: 'Tea & <Cups>' }],
    });
    expect(data.name).toBe('Ana <b>&"\'');
    expect(data.nameHtml).toBe('Ana &#60;b&#62;&#38;&#34;&#39;');
    expect(data.suggestions).toBe('- Tea & <Cups>');
    expect(data.suggestionsHtml).toBe('<li>Tea &#38; &#60;Cups&#62;</li>');
    expect(escapeHtml('plain text 中文')).toBe('plain text 中文');
  });

  it('lists at most three suggestions, by name or else by SKU', () => {
    const data = birthdayTemplateData({
      profile: { language: 'en' },
      suggestions: [
        { sku: 'A', name: 'Apple' },
        { sku: 'B' },
        { sku: 'C', name: 'Cherry' },
        { sku: 'D', name: 'Date' },
      ],
    });
    expect(data.suggestions).toBe('- Apple\n- B\n- Cherry');
  });

  it('leaves out the gift and the suggestions when there are none (the templates hide those sections)', () => {
    const data = birthdayTemplateData({
      profile: { language: 'en', name: { given: 'Ana' } },
      suggestions: [],
    });
    expect(data).toEqual({ name: 'Ana', nameHtml: 'Ana' });
  });

  it("gives the gift and the offer in the customer's language, English when not translated", () => {
    const gold = DEFAULT_MESSAGING_SETTINGS.birthdayGifts.gold;
    expect(
      birthdayTemplateData({ profile: { language: 'zh-CN' }, gift: gold, suggestions: [] }),
    ).toMatchObject({
      gift: '下单即送生日礼物一份',
      giftCode: 'BDAYGOLD',
    });
    const englishOnly = { text: { en: '5 off' } };
    expect(winbackTemplateData({ profile: { language: 'zh-CN' }, offer: englishOnly })).toMatchObject({
      offer: '5 off',
    });
    expect(
      winbackTemplateData({
        profile: { language: 'en' },
        offer: DEFAULT_MESSAGING_SETTINGS.winbackOffers.high,
      }),
    ).toMatchObject({
      offer: '25% off your next order',
      offerCode: 'COMEBACK25',
    });
  });
});

describe('one-click unsubscribe', () => {
  it('builds the link on the public URL and the RFC 8058 headers', () => {
    const url = unsubscribeUrl('https://crm.example.com/', 'abc.def');
    expect(url).toBe('https://crm.example.com/unsubscribe?token=abc.def');
    expect(unsubscribeHeaders(url)).toEqual([
      { name: 'List-Unsubscribe', value: '<https://crm.example.com/unsubscribe?token=abc.def>' },
      { name: 'List-Unsubscribe-Post', value: 'List-Unsubscribe=One-Click' },
    ]);
    expect(unsubscribeVariables('https://x.test/u?a=1&b=2')).toEqual({
      unsubscribeUrl: 'https://x.test/u?a=1&b=2',
      unsubscribeUrlHtml: 'https://x.test/u?a=1&#38;b=2',
    });
  });
});

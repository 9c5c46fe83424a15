// The unsubscribe pages a customer sees in a browser: the confirmation form (GET) and the result
// (POST), in the language of the message they came from. Pure.
import { escapeHtml, type TemplateLanguage } from './content.js';

const TEXT: Record<TemplateLanguage, { title: string; confirm: string; button: string; done: string }> = {
  en: {
    title: 'Unsubscribe',
    confirm: 'Stop receiving marketing emails from us (birthday greetings, offers)?',
    button: 'Unsubscribe',
    done: 'You are unsubscribed. You will not receive marketing emails from us any more.',
  },
  'zh-CN': {
    title: '退订',
    confirm: '确定不再接收我们的营销邮件（生日祝福、优惠活动）吗？',
    button: '退订',
    done: '您已成功退订，今后将不再收到我们的营销邮件。',
  },
};

function page(language: TemplateLanguage, body: string): string {
  const text = TEXT[language];
  return `<!doctype html>
<html lang="${language}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${text.title}</title></head>
<body style="font-family: sans-serif; max-width: 32rem; margin: 3rem auto; padding: 0 1rem">
${body}
</body>
</html>
`;
}

/** GET: what the link does, and a button that does it (a GET itself changes nothing). */
export function unsubscribeConfirmPage(language: TemplateLanguage, token: string): string {
  const text = TEXT[language];
  return page(
    language,
    `<h1>${text.title}</h1>
<p>${text.confirm}</p>
<form method="post" action="?token=${escapeHtml(encodeURIComponent(token))}">
<input type="hidden" name="List-Unsubscribe" value="One-Click">
<button type="submit">${text.button}</button>
</form>`,
  );
}

/** POST: done (also when it was done before: unsubscribing is idempotent). */
export function unsubscribedPage(language: TemplateLanguage): string {
  const text = TEXT[language];
  return page(language, `<h1>${text.title}</h1>\n<p>${text.done}</p>`);
}

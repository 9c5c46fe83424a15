// The template reader shared by the CDK stack and the local runtime.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  loadEmailTemplates,
  readTemplateDirectory,
  TEMPLATES_DIRECTORY,
  TEMPLATES_MODULE,
} from '../../infra/email-templates.js';

function project(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(tmpdir(), 'retain-templates-'));
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), content);
  }
  return root;
}

describe('email templates', () => {
  it('finds none when neither the module nor the directory exists', async () => {
    expect(await loadEmailTemplates(project({}))).toEqual([]);
  });

  it('reads one template per subject, html and text triple, sorted by name', async () => {
    const root = project({
      [`${TEMPLATES_DIRECTORY}/winback.subject.txt`]: 'We miss you\n',
      [`${TEMPLATES_DIRECTORY}/winback.html`]: '<p>Come back</p>',
      [`${TEMPLATES_DIRECTORY}/winback.txt`]: 'Come back',
      [`${TEMPLATES_DIRECTORY}/birthday.subject.txt`]: 'Happy birthday, {{firstName}}',
      [`${TEMPLATES_DIRECTORY}/birthday.html`]: '<p>Hi {{firstName}}</p>',
      [`${TEMPLATES_DIRECTORY}/birthday.txt`]: 'Hi {{firstName}}',
    });
    expect(await loadEmailTemplates(root)).toEqual([
      {
        name: 'birthday',
        subject: 'Happy birthday, {{firstName}}',
        html: '<p>Hi {{firstName}}</p>',
        text: 'Hi {{firstName}}',
      },
      { name: 'winback', subject: 'We miss you', html: '<p>Come back</p>', text: 'Come back' },
    ]);
  });

  it('refuses a template with a missing part instead of deploying half of it', () => {
    const root = project({
      [`${TEMPLATES_DIRECTORY}/birthday.subject.txt`]: 'Hi',
      [`${TEMPLATES_DIRECTORY}/birthday.html`]: '<p>Hi</p>',
    });
    expect(() => readTemplateDirectory(path.join(root, TEMPLATES_DIRECTORY))).toThrow(/birthday\.txt/);
  });

  it('prefers the module export `emailTemplates` over the directory', async () => {
    const root = project({
      [TEMPLATES_MODULE]:
        "export const emailTemplates = [{ name: 'birthday', subject: 'S', html: '<p>H</p>', text: 'T', extra: 1 }];",
      [`${TEMPLATES_DIRECTORY}/other.subject.txt`]: 'ignored',
    });
    expect(await loadEmailTemplates(root)).toEqual([
      { name: 'birthday', subject: 'S', html: '<p>H</p>', text: 'T' },
    ]);
  });

  it('rejects template names SES would refuse', async () => {
    const root = project({
      [TEMPLATES_MODULE]:
        "export const emailTemplates = { 'no spaces': { subject: 'S', html: 'H', text: 'T' } };",
    });
    await expect(loadEmailTemplates(root)).rejects.toThrow(/template name/);
  });
});

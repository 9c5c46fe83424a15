// The email templates of the application, found where the messaging code keeps them. Used by the
// CDK stack (one AWS::SES::Template each) and by the local runtime (CreateEmailTemplate on the
// local SES endpoint). No CDK imports here, so the local runtime loads it cheaply.
//
// Two sources, the first one present wins:
//   1. shared/messaging/templates.ts exporting `emailTemplates` (an array of
//      { name, subject, html, text }, or a record of { subject, html, text } keyed by name);
//   2. the directory shared/messaging/templates/ with `<name>.subject.txt`, `<name>.html` and
//      `<name>.txt` per template.
// Neither present: no templates.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface EmailTemplate {
  /** SES template name: letters, digits, `_` and `-`, at most 64 characters. */
  readonly name: string;
  readonly subject: string;
  readonly html: string;
  readonly text: string;
}

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export const TEMPLATES_MODULE = 'shared/messaging/templates.ts';
export const TEMPLATES_DIRECTORY = 'shared/messaging/templates';

const TEMPLATE_NAME = /^[A-Za-z0-9_-]{1,64}$/;

function checked(template: EmailTemplate, source: string): EmailTemplate {
  if (!TEMPLATE_NAME.test(template.name)) {
    throw new Error(`${source}: template name "${template.name}" must match ${TEMPLATE_NAME}`);
  }
  return template;
}

function byName(templates: EmailTemplate[], source: string): EmailTemplate[] {
  const seen = new Set<string>();
  for (const template of templates) {
    if (seen.has(template.name)) throw new Error(`${source}: template "${template.name}" is declared twice`);
    seen.add(template.name);
  }
  return [...templates].sort((a, b) => a.name.localeCompare(b.name));
}

/** Reads `<name>.subject.txt`, `<name>.html` and `<name>.txt` triples from a directory. */
export function readTemplateDirectory(directory: string): EmailTemplate[] {
  const parts = new Map<string, { subject?: string; html?: string; text?: string }>();
  for (const file of readdirSync(directory)) {
    // `.subject.txt` before `.txt`: `a.subject.txt` is the subject of `a`, not the text of `a.subject`.
    const match = /^(.+?)\.(subject\.txt|html|txt)$/.exec(file);
    if (!match?.[1] || !match[2]) continue;
    const [, name, suffix] = match;
    const entry = parts.get(name) ?? {};
    const content = readFileSync(path.join(directory, file), 'utf8');
    if (suffix === 'subject.txt') entry.subject = content.trim();
    else if (suffix === 'html') entry.html = content;
    else entry.text = content;
    parts.set(name, entry);
  }
  const templates = [...parts].map(([name, { subject, html, text }]) => {
    if (subject === undefined || html === undefined || text === undefined) {
      throw new Error(
        `${directory}: template "${name}" needs ${name}.subject.txt, ${name}.html and ${name}.txt`,
      );
    }
    return checked({ name, subject, html, text }, directory);
  });
  return byName(templates, directory);
}

function isString(value: unknown): value is string {
  return typeof value === 'string';
}

function fromModuleExport(value: unknown, source: string): EmailTemplate[] {
  const entries: Array<[string | undefined, unknown]> = Array.isArray(value)
    ? value.map((item) => [undefined, item])
    : value && typeof value === 'object'
      ? Object.entries(value)
      : [];
  if (entries.length === 0 && !Array.isArray(value)) {
    throw new Error(`${source}: \`emailTemplates\` must be an array or a record of templates`);
  }
  const templates = entries.map(([key, item]) => {
    const candidate = (item ?? {}) as Record<string, unknown>;
    const name = candidate.name ?? key;
    const { subject, html, text } = candidate;
    if (!isString(name) || !isString(subject) || !isString(html) || !isString(text)) {
      throw new Error(`${source}: each of \`emailTemplates\` needs string name, subject, html and text`);
    }
    return checked({ name, subject, html, text }, source);
  });
  return byName(templates, source);
}

/** Every email template of the application (see the header for where they come from). */
export async function loadEmailTemplates(root: string = projectRoot): Promise<EmailTemplate[]> {
  const modulePath = path.join(root, TEMPLATES_MODULE);
  if (existsSync(modulePath)) {
    // A computed specifier: this file type-checks whether or not the module exists yet.
    const module: Record<string, unknown> = await import(pathToFileURL(modulePath).href);
    if ('emailTemplates' in module) return fromModuleExport(module.emailTemplates, TEMPLATES_MODULE);
  }
  const directory = path.join(root, TEMPLATES_DIRECTORY);
  if (existsSync(directory)) return readTemplateDirectory(directory);
  return [];
}

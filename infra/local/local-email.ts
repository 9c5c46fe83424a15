// Creates the repository's email templates in the local SES endpoint, as the CDK stack does on AWS.
import { CreateEmailTemplateCommand, SESv2Client } from '@aws-sdk/client-sesv2';

export async function ensureLocalEmailTemplates(sesUrl: string): Promise<number> {
  let templates: Array<{ name: string; subject: string; html: string; text: string }> = [];
  try {
    const module = (await import('../email-templates.js')) as {
      loadEmailTemplates?: () => Array<{ name: string; subject: string; html: string; text: string }>;
    };
    templates = module.loadEmailTemplates?.() ?? [];
  } catch {
    templates = [];
  }
  const client = new SESv2Client({
    region: 'us-east-1',
    endpoint: sesUrl,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  for (const template of templates) {
    await client
      .send(
        new CreateEmailTemplateCommand({
          TemplateName: template.name,
          TemplateContent: { Subject: template.subject, Html: template.html, Text: template.text },
        }),
      )
      .catch((error: { name?: string }) => {
        if (error.name !== 'AlreadyExistsException') throw error;
      });
  }
  client.destroy();
  return templates.length;
}

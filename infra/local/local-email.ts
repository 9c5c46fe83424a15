// Creates the repository's email templates in the local SES endpoint, as the CDK stack does on AWS.
import { CreateEmailTemplateCommand, SESv2Client, UpdateEmailTemplateCommand } from '@aws-sdk/client-sesv2';
import { loadEmailTemplates } from '../email-templates.js';

export async function ensureLocalEmailTemplates(sesUrl: string): Promise<number> {
  const templates = await loadEmailTemplates();
  const client = new SESv2Client({
    region: 'us-east-1',
    endpoint: sesUrl,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  for (const template of templates) {
    const TemplateContent = { Subject: template.subject, Html: template.html, Text: template.text };
    await client
      .send(new CreateEmailTemplateCommand({ TemplateName: template.name, TemplateContent }))
      .catch(async (error: { name?: string }) => {
        if (error.name !== 'AlreadyExistsException') throw error;
        await client.send(new UpdateEmailTemplateCommand({ TemplateName: template.name, TemplateContent }));
      });
  }
  client.destroy();
  return templates.length;
}

// SES: the configuration set every message is sent with, and the templates.
import type * as events from 'aws-cdk-lib/aws-events';
import * as ses from 'aws-cdk-lib/aws-ses';
import { Construct } from 'constructs';
import type { EmailTemplate } from './email-templates.js';

/** One AWS::SES::Template per template; returns their names (template names are account-wide). */
export function addEmailTemplates(scope: Construct, templates: readonly EmailTemplate[]): string[] {
  return templates.map((template) => {
    new ses.CfnTemplate(scope, `Template-${template.name}`, {
      template: {
        templateName: template.name,
        subjectPart: template.subject,
        htmlPart: template.html,
        textPart: template.text,
      },
    });
    return template.name;
  });
}

export interface EmailProps {
  readonly configurationSetName: string;
  /** The account's default bus: SES publishes configuration-set events only there. */
  readonly defaultBus: events.IEventBus;
  readonly templates: readonly EmailTemplate[];
}

export class Email extends Construct {
  readonly configurationSet: ses.ConfigurationSet;
  readonly templateNames: readonly string[];

  constructor(scope: Construct, id: string, props: EmailProps) {
    super(scope, id);
    this.configurationSet = new ses.ConfigurationSet(this, 'ConfigurationSet', {
      configurationSetName: props.configurationSetName,
      reputationMetrics: true,
      sendingEnabled: true,
      suppressionReasons: ses.SuppressionReasons.BOUNCES_AND_COMPLAINTS,
    });
    // Bounces and complaints reach the suppression handler as events on the default bus.
    this.configurationSet.addEventDestination('BouncesAndComplaints', {
      destination: ses.EventDestination.eventBus(props.defaultBus),
      // SEND lets the senders resolve a send claimed before a crash without sending twice.
      events: [ses.EmailSendingEvent.SEND, ses.EmailSendingEvent.BOUNCE, ses.EmailSendingEvent.COMPLAINT],
    });
    this.templateNames = addEmailTemplates(this, props.templates);
  }
}

// SES v2, one client per process (AWS_ENDPOINT_URL_SESV2 points at aws-ses-v2-local on one machine).
import { SESv2Client } from '@aws-sdk/client-sesv2';

export const ses = new SESv2Client({ maxAttempts: 3 });

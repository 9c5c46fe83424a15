// RFC 9457 problem details: the one place that turns errors into HTTP status codes.
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type * as z from 'zod/mini';
import { ConfigError } from '../config.js';
import {
  ConflictError,
  DuplicateCustomerError,
  type FieldIssue,
  GoneError,
  NotFoundError,
  PreconditionFailedError,
  ValidationError,
} from '../domain/errors.js';
import { log } from '../log.js';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  /** Each offending field with what is wrong with it. */
  errors?: FieldIssue[];
  [extension: string]: unknown;
}

/** An error that already knows its HTTP answer (auth, content type, size, method). */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    detail?: string,
    readonly extensions: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(detail ?? title);
  }
}

const TYPE_BASE = 'https://retain.dev/problems/';

export function problemResponse(
  problem: Problem,
  headers: Record<string, string> = {},
): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode: problem.status,
    headers: { 'content-type': 'application/problem+json', ...headers },
    body: JSON.stringify(problem),
  };
}

/** zod issues as field issues: `address.city`, `items.0.quantity`; `body` for the whole body. */
export function fieldIssues(error: z.core.$ZodError, prefix?: string): FieldIssue[] {
  return error.issues.flatMap((issue) => {
    const base = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        // An empty key (`{"": 1}`) is still named, as `""`, so every issue names its field.
        field: [base, key === '' ? '""' : key].filter(Boolean).join('.'),
        message: 'unknown field',
      }));
    }
    return [{ field: base || prefix || 'body', message: issue.message }];
  });
}

export function toProblem(error: unknown): { problem: Problem; headers?: Record<string, string> } {
  if (error instanceof HttpProblem) {
    return {
      problem: {
        type: `${TYPE_BASE}${error.status}`,
        title: error.title,
        status: error.status,
        detail: error.message,
        ...error.extensions,
      },
      headers: error.headers,
    };
  }
  if (error instanceof ValidationError) {
    return {
      problem: {
        type: `${TYPE_BASE}validation`,
        title: 'Invalid request',
        status: 400,
        detail: error.message,
        errors: [...error.issues],
      },
    };
  }
  if (error instanceof NotFoundError) {
    return {
      problem: { type: `${TYPE_BASE}not-found`, title: 'Not found', status: 404, detail: error.message },
    };
  }
  if (error instanceof DuplicateCustomerError) {
    return {
      problem: {
        type: `${TYPE_BASE}duplicate-customer`,
        title: 'Customer already exists',
        status: 409,
        detail: error.message,
        errors: [{ field: error.field, message: 'already used by another customer' }],
        existingId: error.existingId,
      },
    };
  }
  if (error instanceof ConflictError) {
    return {
      problem: {
        type: `${TYPE_BASE}conflict`,
        title: 'Conflict',
        status: 409,
        detail: error.message,
        ...(error.field ? { errors: [{ field: error.field, message: error.message }] } : {}),
      },
    };
  }
  if (error instanceof PreconditionFailedError) {
    return {
      problem: {
        type: `${TYPE_BASE}precondition-failed`,
        title: 'Precondition failed',
        status: 412,
        detail: error.message,
        errors: [{ field: 'If-Match', message: error.message }],
      },
    };
  }
  if (error instanceof GoneError) {
    return {
      problem: {
        type: `${TYPE_BASE}gone`,
        title: 'Gone',
        status: error.redirectTo ? 301 : 410,
        detail: error.message,
        ...(error.redirectTo ? { redirectTo: error.redirectTo } : {}),
      },
    };
  }
  // Anything else is our fault: log it (no personal data in messages of our own errors) and leak nothing.
  log.error(error instanceof ConfigError ? 'configuration error' : 'unhandled error', { error });
  return {
    problem: { type: `${TYPE_BASE}internal`, title: 'Internal error', status: 500 },
  };
}

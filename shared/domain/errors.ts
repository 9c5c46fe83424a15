// Domain errors know nothing of HTTP; shared/http/problem.ts is the one place that maps them.

export interface FieldIssue {
  /** Dotted path of the offending field, e.g. `address.city` or `items.0.quantity`. */
  readonly field: string;
  readonly message: string;
}

export class DomainError extends Error {}

export class ValidationError extends DomainError {
  override name = 'ValidationError';
  constructor(readonly issues: readonly FieldIssue[]) {
    super(issues.map((issue) => `${issue.field}: ${issue.message}`).join('; '));
  }
}

export class NotFoundError extends DomainError {
  override name = 'NotFoundError';
  constructor(
    readonly entity: string,
    readonly id: string,
  ) {
    super(`${entity} ${id} not found`);
  }
}

/** A second profile for the same person (same email, phone or external id). */
export class DuplicateCustomerError extends DomainError {
  override name = 'DuplicateCustomerError';
  constructor(
    readonly field: 'email' | 'phone' | 'externalId',
    readonly existingId: string,
  ) {
    super(`a customer with this ${field} already exists: ${existingId}`);
  }
}

/** The state does not allow the operation (an illegal status transition, a concurrent request). */
export class ConflictError extends DomainError {
  override name = 'ConflictError';
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/** An optimistic-concurrency precondition (If-Match / version) no longer holds. */
export class PreconditionFailedError extends DomainError {
  override name = 'PreconditionFailedError';
}

/** The resource existed and was erased or merged away. */
export class GoneError extends DomainError {
  override name = 'GoneError';
  constructor(
    message: string,
    readonly redirectTo?: string,
  ) {
    super(message);
  }
}

import { describe, expect, it } from 'vitest';
import { type FunctionSpec, functions } from '../../../shared/app.js';
import { auditActionOf } from '../../../shared/domain/privacy.js';

describe('the audit trail can always be written', () => {
  // The HTTP chain writes audit entries to the table before answering, in the function that serves
  // the route: without write access there, every audited request would fail on AWS.
  for (const [name, spec] of Object.entries(functions as Record<string, FunctionSpec>)) {
    const audited = (spec.routes ?? []).filter((route) => route.roles !== 'public' && auditActionOf(route));
    if (audited.length === 0) continue;
    it(`${name} may write the table (it serves ${audited.length} audited routes)`, () => {
      expect(spec.grants).toContain('table:write');
    });
  }
});

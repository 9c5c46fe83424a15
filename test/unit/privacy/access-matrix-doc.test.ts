import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ACCESS_MATRIX_FILE, renderAccessMatrix } from '../../../infra/access-matrix.js';

describe('the access matrix in the docs', () => {
  it('is the one generated from the current declaration (run `npm run docs:roles` after changing roles)', () => {
    expect(readFileSync(ACCESS_MATRIX_FILE, 'utf8')).toBe(renderAccessMatrix());
  });
});

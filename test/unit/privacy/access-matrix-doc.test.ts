import { describe, expect, it } from 'vitest';
import { committedAccessMatrix, renderAccessMatrix } from '../../../infra/access-matrix.js';

/** Table cells without alignment padding, so a Markdown formatter's reflow is not a change. */
const normalized = (markdown: string) =>
  markdown
    .split('\n')
    .map((line) =>
      line.startsWith('|')
        ? line
            .split('|')
            .map((cell) => cell.trim().replace(/^(:?)-+(:?)$/, '$1-$2'))
            .join('|')
        : line.trimEnd(),
    )
    .join('\n')
    .trim();

describe('the access matrix in the README', () => {
  it('is the one generated from the current declaration (run `npm run docs:roles` after changing roles)', () => {
    expect(normalized(committedAccessMatrix())).toBe(normalized(renderAccessMatrix()));
  });
});

// The size DynamoDB bills for an item in its wire form (`{ S: … }`, `{ N: … }`, `{ M: … }`),
// after the rules of the DynamoDB developer guide ("Item sizes and formats"): names and strings
// in UTF-8 bytes, a number about 1 byte per two significant digits plus 1, lists and maps
// 3 bytes plus 1 per element, booleans and null 1 byte.
import type { AttributeValue } from '@aws-sdk/client-dynamodb';

const utf8 = (text: string) => Buffer.byteLength(text, 'utf8');

function numberSize(text: string): number {
  const digits = text
    .replace(/^-/, '')
    .replace(/e.*$/i, '')
    .replace('.', '')
    .replace(/^0+/, '')
    .replace(/0+$/, '');
  return Math.ceil(Math.max(1, digits.length) / 2) + 1;
}

function valueSize(value: AttributeValue): number {
  if (value.S !== undefined) return utf8(value.S);
  if (value.N !== undefined) return numberSize(value.N);
  if (value.B !== undefined) return value.B.byteLength;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.SS) return value.SS.reduce((sum, member) => sum + utf8(member), 0);
  if (value.NS) return value.NS.reduce((sum, member) => sum + numberSize(member), 0);
  if (value.BS) return value.BS.reduce((sum, member) => sum + member.byteLength, 0);
  if (value.L) return 3 + value.L.reduce((sum, member) => sum + valueSize(member) + 1, 0);
  if (value.M)
    return (
      3 + Object.entries(value.M).reduce((sum, [name, member]) => sum + utf8(name) + valueSize(member) + 1, 0)
    );
  return 0;
}

/** Bytes of a whole item: every attribute's name plus its value. */
export function itemSize(item: Record<string, AttributeValue>): number {
  return Object.entries(item).reduce((sum, [name, value]) => sum + utf8(name) + valueSize(value), 0);
}

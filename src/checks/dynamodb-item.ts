import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { z } from 'zod';
import { strictFields } from '../shared/strict-fields.ts';
import type { Assertion } from '../shared/check-result.ts';
import { defineCheck } from './check-kind.ts';
import { checkBase } from './check-base.ts';
import { dynamodbFor, emulatorDown, emulatorEndpoint } from './evidence/aws-clients.ts';

const schema = strictFields({
  kind: z.literal('dynamodb.item'),
  table: z.string().describe('Table name in the emulator.'),
  key: z
    .record(z.string(), z.string())
    .describe('Key attributes, string-typed (e.g. { LockID: "dojo-tfstate/platform/network.tfstate" }).'),
  exists: z.boolean().default(true).describe('true (default): the item exists; false: it does not.'),
  ...checkBase,
});
type Options = z.output<typeof schema>;

export function judgeItem(o: Options, ev: { tableExists: boolean; item: Record<string, unknown> | null }): Assertion[] {
  const what = `item ${JSON.stringify(o.key)} in table ${o.table}`;
  if (!ev.tableExists) {
    return [
      {
        ok: false,
        expected: `table ${o.table}`,
        found: 'no such table in the emulator',
        message: `DynamoDB table ${o.table} not found`,
        hint:
          o.hint ??
          `Create it: aws dynamodb create-table --table-name ${o.table} --attribute-definitions AttributeName=LockID,AttributeType=S --key-schema AttributeName=LockID,KeyType=HASH --billing-mode PAY_PER_REQUEST`,
      },
    ];
  }
  const present = ev.item !== null;
  return [
    {
      ok: present === o.exists,
      expected: o.exists ? what : `no ${what}`,
      found: present ? JSON.stringify(ev.item).slice(0, 200) : 'no such item',
      message:
        present === o.exists ? `${what}: as expected` : present ? `${what} exists but should not` : `${what} not found`,
      hint:
        o.hint ??
        (present
          ? `Remove the item; for a Terraform lock row, release the lock with force-unlock and the lock ID instead of deleting it by hand.`
          : 'The operation that writes this item has not run (or wrote another key): check the table name and the key.'),
    },
  ];
}

export const dynamodbItem = defineCheck({
  kind: 'dynamodb.item',
  title: 'An item in an emulator DynamoDB table exists or not (e.g. a Terraform lock row).',
  schema,
  example: {
    kind: 'dynamodb.item',
    table: 'dojo-locks',
    key: { LockID: 'dojo-tfstate/platform/network.tfstate' },
    exists: false,
  },
  async run(o, ctx) {
    try {
      const key = Object.fromEntries(Object.entries(o.key).map(([k, v]) => [k, { S: v }]));
      const r = await dynamodbFor(ctx.env).send(
        new GetItemCommand({ TableName: o.table, Key: key, ConsistentRead: true }),
        { abortSignal: ctx.signal },
      );
      return judgeItem(o, { tableExists: true, item: r.Item ?? null });
    } catch (err) {
      if ((err as { name?: string }).name === 'ResourceNotFoundException')
        return judgeItem(o, { tableExists: false, item: null });
      throw emulatorDown(err, emulatorEndpoint(ctx.env, 'DYNAMODB')) ?? err;
    }
  },
});

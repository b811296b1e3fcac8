/**
 * AWS clients for checks, pointed at the sandbox's emulator and nowhere else. Without an emulator
 * endpoint in the sandbox environment a check refuses to run: grading never touches real AWS.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CheckEnvironmentError } from '../check-kind.ts';

export function emulatorEndpoint(env: NodeJS.ProcessEnv, service: 'S3' | 'DYNAMODB'): string {
  const endpoint = env[`AWS_ENDPOINT_URL_${service}`] ?? env['AWS_ENDPOINT_URL'];
  if (!endpoint) {
    throw new CheckEnvironmentError(
      'expected the lab sandbox to be running (it provides the AWS emulator endpoint); found no AWS_ENDPOINT_URL in its environment',
      'Press "Start sandbox" on the lab page (or run "npx dojo lab check" with the sandbox started) and check again.',
    );
  }
  return endpoint;
}

function common(env: NodeJS.ProcessEnv, endpoint: string) {
  return {
    endpoint,
    region: env['AWS_REGION'] ?? env['AWS_DEFAULT_REGION'] ?? 'us-east-1',
    credentials: {
      accessKeyId: env['AWS_ACCESS_KEY_ID'] ?? 'test',
      secretAccessKey: env['AWS_SECRET_ACCESS_KEY'] ?? 'test',
    },
    maxAttempts: 1,
  };
}

export function s3For(env: NodeJS.ProcessEnv): S3Client {
  return new S3Client({
    ...common(env, emulatorEndpoint(env, 'S3')),
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

export function dynamodbFor(env: NodeJS.ProcessEnv): DynamoDBClient {
  return new DynamoDBClient(common(env, emulatorEndpoint(env, 'DYNAMODB')));
}

/** Turns "connection refused" and friends into an error that says the emulator is down. */
export function emulatorDown(err: unknown, endpoint: string): CheckEnvironmentError | null {
  const e = err as { code?: string; name?: string; message?: string; cause?: { code?: string } };
  const code = e.code ?? e.cause?.code ?? '';
  if (
    /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|UND_ERR/.test(code) ||
    /ECONNREFUSED|socket hang up|fetch failed/.test(e.message ?? '')
  ) {
    return new CheckEnvironmentError(
      `expected the AWS emulator to answer at ${endpoint}; found it not answering (${code || e.message})`,
      // The runner notices a dead emulator within seconds and shows "Start sandbox" then (issue 12).
      'The sandbox has stopped: within a few seconds its panel says why and shows "Start sandbox"; press it, then check again.',
    );
  }
  return null;
}

export function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return (
    e.name === 'NoSuchKey' || e.name === 'NotFound' || e.name === 'NoSuchBucket' || e.$metadata?.httpStatusCode === 404
  );
}

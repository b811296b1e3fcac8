import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** Clients pointed at an emulator: dummy credentials, path-style S3, no optional checksums. */
export function emulatorClients(endpoint: string) {
  const common = { endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
  return {
    s3: new S3Client({
      ...common,
      forcePathStyle: true,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    }),
    dynamodb: new DynamoDBClient(common),
  };
}

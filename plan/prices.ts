/**
 * AWS list prices `mailorg cost` estimates with, kept here with the date they were read: on-demand, in US
 * dollars, without free tiers, taxes or discounts. Update the numbers and AS_OF together; a region missing
 * here is estimated with eu-west-1's and said so. Sources: the public pricing pages of each service (Amazon
 * SES, S3, Lambda, KMS, EC2 On-Demand, EBS, AWS Backup, Secrets Manager, SQS, VPC public IPv4).
 */
export const PRICES_AS_OF = "2026-12-01";

export interface RegionPrices {
  /** SES: per 1,000 messages sent; per 1,000 received; per 1,000 incoming 256 KB chunks. */
  readonly sesSentPer1000: number;
  readonly sesReceivedPer1000: number;
  readonly sesChunkPer1000: number;
  /** S3 Standard: per GB-month; per 1,000 PUT and per 1,000 GET requests. */
  readonly s3GbMonth: number;
  readonly s3PutPer1000: number;
  readonly s3GetPer1000: number;
  /** Lambda (x86): per million requests; per GB-second. */
  readonly lambdaPerMillion: number;
  readonly lambdaGbSecond: number;
  /** KMS: per customer managed key-month; per 10,000 requests. */
  readonly kmsKeyMonth: number;
  readonly kmsPer10000: number;
  /** SQS standard queue: per million requests. */
  readonly sqsPerMillion: number;
  /** EC2 on-demand Linux, per hour, by instance type. */
  readonly ec2Hour: Readonly<Record<string, number>>;
  /** EBS gp3 per GB-month; AWS Backup EBS snapshot storage per GB-month; public IPv4 per hour; a Secrets Manager secret per month. */
  readonly ebsGp3GbMonth: number;
  readonly backupGbMonth: number;
  readonly ipv4Hour: number;
  readonly secretMonth: number;
}

export const PRICES: Readonly<Record<string, RegionPrices>> = {
  "eu-west-1": {
    sesSentPer1000: 0.1,
    sesReceivedPer1000: 0.1,
    sesChunkPer1000: 0.09,
    s3GbMonth: 0.023,
    s3PutPer1000: 0.005,
    s3GetPer1000: 0.0004,
    lambdaPerMillion: 0.2,
    lambdaGbSecond: 0.0000166667,
    kmsKeyMonth: 1,
    kmsPer10000: 0.03,
    sqsPerMillion: 0.4,
    ec2Hour: { "t4g.micro": 0.0092, "t4g.small": 0.0184, "t4g.medium": 0.0368, "t4g.large": 0.0736, "t3.small": 0.0228, "t3.medium": 0.0456, "m7g.large": 0.0892 },
    ebsGp3GbMonth: 0.088,
    backupGbMonth: 0.055,
    ipv4Hour: 0.005,
    secretMonth: 0.4,
  },
  "us-east-1": {
    sesSentPer1000: 0.1,
    sesReceivedPer1000: 0.1,
    sesChunkPer1000: 0.09,
    s3GbMonth: 0.023,
    s3PutPer1000: 0.005,
    s3GetPer1000: 0.0004,
    lambdaPerMillion: 0.2,
    lambdaGbSecond: 0.0000166667,
    kmsKeyMonth: 1,
    kmsPer10000: 0.03,
    sqsPerMillion: 0.4,
    ec2Hour: { "t4g.micro": 0.0084, "t4g.small": 0.0168, "t4g.medium": 0.0336, "t4g.large": 0.0672, "t3.small": 0.0208, "t3.medium": 0.0416, "m7g.large": 0.0816 },
    ebsGp3GbMonth: 0.08,
    backupGbMonth: 0.05,
    ipv4Hour: 0.005,
    secretMonth: 0.4,
  },
};

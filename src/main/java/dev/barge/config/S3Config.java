package dev.barge.config;

import java.net.URI;

/**
 * {@code storage.s3:} how to reach the S3-compatible object storage that {@code storage.blobs: s3://BUCKET/PREFIX}
 * names. Every key is optional: without {@code endpoint}, AWS S3 itself; without keys, the standard AWS
 * chain (environment variables {@code AWS_ACCESS_KEY_ID} / {@code AWS_SECRET_ACCESS_KEY}, the profile file,
 * instance roles).
 *
 * @param endpoint the store's URL, e.g. {@code http://minio:9000}; null for AWS S3
 * @param region the region to sign for; null for the AWS chain's, else {@code us-east-1}
 * @param accessKey with {@code secretKey}: static credentials
 * @param pathStyle {@code http://host/bucket/key} addresses instead of {@code http://bucket.host/key} (MinIO,
 *     Ceph and most self-hosted stores want it); default true when an endpoint is set
 */
public record S3Config(String endpoint, String region, String accessKey, String secretKey, Boolean pathStyle) {
  public S3Config {
    if (endpoint != null) {
      if (!endpoint.matches("https?://\\S+")) throw new IllegalArgumentException("storage.s3.endpoint: must be an http(s) URL");
      URI.create(endpoint);
    }
    if ((accessKey == null) != (secretKey == null)) {
      throw new IllegalArgumentException("storage.s3: give both access_key and secret_key, or neither (then the"
          + " standard AWS credentials chain is used)");
    }
    if (pathStyle == null) pathStyle = endpoint != null;
  }

  public static S3Config defaults() {
    return new S3Config(null, null, null, null, null);
  }

  @Override
  public String toString() {
    return "S3Config[endpoint=" + endpoint + ", region=" + region + ", pathStyle=" + pathStyle
        + (accessKey == null ? ", credentials from the AWS chain" : ", static credentials") + "]"; // never the secret
  }
}

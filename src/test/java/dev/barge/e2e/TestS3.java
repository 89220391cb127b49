package dev.barge.e2e;

import dev.barge.config.S3Config;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStoreContext;
import org.jclouds.blobstore.domain.StorageMetadata;
import org.jclouds.blobstore.options.ListContainerOptions;

/**
 * A real S3 protocol server for tests: s3proxy in this JVM on a free local port, keeping objects in a
 * temporary directory, with one bucket and signed requests (AWS v4) as a hosted store wants them.
 */
public final class TestS3 implements AutoCloseable {
  public static final String BUCKET = "barge-test";
  private static final String ACCESS_KEY = "test-access-key";
  private static final String SECRET_KEY = "test-secret-key";

  private final S3Proxy proxy;
  private final BlobStoreContext context;
  private final Path dir;

  private TestS3(S3Proxy proxy, BlobStoreContext context, Path dir) {
    this.proxy = proxy;
    this.context = context;
    this.dir = dir;
  }

  /** Starts a server with the bucket {@link #BUCKET} made. */
  public static TestS3 start() {
    try {
      Path dir = Files.createTempDirectory("barge-s3");
      Properties properties = new Properties();
      properties.setProperty("jclouds.filesystem.basedir", dir.toString());
      BlobStoreContext context = ContextBuilder.newBuilder("filesystem").overrides(properties)
          .buildView(BlobStoreContext.class);
      S3Proxy proxy = S3Proxy.builder().blobStore(context.getBlobStore()).endpoint(URI.create("http://127.0.0.1:0"))
          .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY).build();
      proxy.start();
      while (!AbstractLifeCycle.STARTED.equals(proxy.getState())) Thread.sleep(5);
      context.getBlobStore().createContainerInLocation(null, BUCKET);
      return new TestS3(proxy, context, dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the test S3 server", e);
    } catch (Exception e) {
      throw new IllegalStateException("cannot start the test S3 server", e);
    }
  }

  /** How Barge reaches this server ({@code storage.s3}). */
  public S3Config config() {
    return new S3Config("http://127.0.0.1:" + proxy.getPort(), "us-east-1", ACCESS_KEY, SECRET_KEY, true);
  }

  /** Every object key in the bucket under {@code prefix}. */
  public List<String> keys(String prefix) {
    return context.getBlobStore().list(BUCKET, ListContainerOptions.Builder.prefix(prefix).recursive()).stream()
        .map(StorageMetadata::getName).toList();
  }

  @Override
  public void close() throws Exception {
    proxy.stop();
    context.close();
    try (var files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}

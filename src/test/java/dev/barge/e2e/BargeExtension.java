package dev.barge.e2e;

import dev.barge.blob.BlobStore;
import dev.barge.config.BargeConfig;
import dev.barge.config.LimitsConfig;
import dev.barge.config.SimulatorConfig;
import dev.barge.config.StorageConfig;
import dev.barge.upstream.simulator.SimulatorServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The fixture of an end-to-end test: a temporary directory, the simulators and Barge servers the test starts
 * (storage on SQLite or PostgreSQL as the run says, see {@link TestStorage}) and anything else handed to
 * {@link #closing}. All of it is closed, the last started first, then the directory is deleted:
 * <ul>
 *   <li>after each test, when registered on an instance field:
 *       {@code @RegisterExtension final BargeExtension e2e = new BargeExtension();}</li>
 *   <li>after the class, when registered on a static field (for a server the tests share, started in
 *       {@code @BeforeAll}): {@code @RegisterExtension static final BargeExtension e2e = new BargeExtension();}</li>
 * </ul>
 * A typical start: {@code upstream = e2e.simulator(30); barge = e2e.start(BargeExtension.onSimulator(upstream,
 * MODEL, limits).withPricing(...)); OpenAIClient client = barge.client();}
 */
final class BargeExtension implements BeforeAllCallback, AfterEachCallback, AfterAllCallback {
  private final Deque<AutoCloseable> open = new ArrayDeque<>();
  private Path dir;
  private boolean perClass;

  /** The test's own temporary directory (the class's, on a static field), made on first use. */
  Path dir() {
    if (dir == null) {
      try {
        dir = Files.createTempDirectory("barge-e2e-");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return dir;
  }

  /** Where {@link #start(BargeConfig)} keeps Barge's data: {@code data} in {@link #dir()}. */
  Path dataDir() {
    return dir().resolve("data");
  }

  /** The storage a Barge (or a {@code barge serve} process) with its data in {@code dataDir} uses in this run. */
  StorageConfig storage(Path dataDir) {
    return TestStorage.under(dataDir);
  }

  /** The simulator on a free local port, answering every request after {@code latencyMs}, no faults, seeded. */
  SimulatorServer simulator(int latencyMs) {
    return closing(TestBarge.simulator(latencyMs));
  }

  /** The simulator on a free local port with {@code config}, knowing every model. */
  SimulatorServer simulator(SimulatorConfig config) {
    return simulator(config, Set.of());
  }

  /** The simulator on a free local port with {@code config}; {@code models} it knows (empty: every model). */
  SimulatorServer simulator(SimulatorConfig config, Set<String> models) {
    return closing(SimulatorServer.start("127.0.0.1", 0, config, models));
  }

  /** The embedded defaults with one {@code openai} backend "sim-http" at {@code upstream}, serving {@code model}. */
  static BargeConfig onSimulator(SimulatorServer upstream, String model, LimitsConfig limits) {
    return BargeConfig.embeddedDefault().withBackends(List.of(TestBarge.simulatorBackend(upstream, model, limits)));
  }

  /** Barge with {@code config}, its data in {@link #dataDir()}, on the system clock. */
  TestBarge start(BargeConfig config) {
    return start(config, dataDir(), Clock.systemUTC());
  }

  TestBarge start(BargeConfig config, Clock clock) {
    return start(config, dataDir(), clock);
  }

  /** The same with the engine's blob store wrapped by {@code blobs}, e.g. to inject faults. */
  TestBarge start(BargeConfig config, Clock clock, UnaryOperator<BlobStore> blobs) {
    return closing(TestBarge.start(config, dataDir(), clock, blobs));
  }

  /** Barge with its data in {@code dataDir} (a second node on the same data, a fresh directory, ...). */
  TestBarge start(BargeConfig config, Path dataDir, Clock clock) {
    return closing(TestBarge.start(config, dataDir, clock));
  }

  /** {@code resource}, to be closed with the rest (before what was started ahead of it). */
  <T extends AutoCloseable> T closing(T resource) {
    open.push(resource);
    return resource;
  }

  /** Closes {@code resource} now (e.g. a server the test restarts), and not again at the end. */
  void close(AutoCloseable resource) {
    open.removeFirstOccurrence(resource);
    try {
      resource.close();
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException("closing " + resource, e);
    }
  }

  /** Closes all that is open now, the last started first, each even when another fails; the directory stays. */
  void closeAll() {
    RuntimeException failure = null;
    while (!open.isEmpty()) {
      try {
        close(open.peek());
      } catch (RuntimeException e) {
        if (failure == null) failure = e;
        else failure.addSuppressed(e);
      }
    }
    if (failure != null) throw failure;
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    perClass = true; // only an extension on a static field hears of the class
  }

  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    if (!perClass) closeAllAndDelete();
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    closeAllAndDelete();
  }

  private void closeAllAndDelete() throws Exception {
    try {
      closeAll();
    } finally {
      if (dir != null) delete(dir);
      dir = null;
    }
  }

  private static void delete(Path root) throws IOException {
    try (Stream<Path> all = Files.walk(root)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
    }
  }
}

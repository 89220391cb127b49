package dev.barge.e2e;

import static dev.barge.e2e.TestBarge.MODEL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.errors.NotFoundException;
import com.openai.errors.RateLimitException;
import com.openai.errors.UnauthorizedException;
import com.openai.models.batches.Batch;
import com.openai.models.batches.BatchCreateParams;
import com.openai.models.batches.BatchListParams;
import com.openai.models.files.FileListParams;
import com.openai.models.files.FileObject;
import dev.barge.config.ApiKey;
import dev.barge.config.AuthConfig;
import dev.barge.config.BackendConfig;
import dev.barge.config.BackendType;
import dev.barge.config.BargeConfig;
import dev.barge.config.BatchConfig;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** API keys bind callers to projects; lists page with cursors the way the SDK walks them. */
class ProjectsAndPagingTest {
  @RegisterExtension static final BargeExtension e2e = new BargeExtension();
  private static TestBarge barge;
  private static OpenAIClient alice;
  private static OpenAIClient bob;

  @BeforeAll
  static void start() {
    BackendConfig sim = new BackendConfig("sim", BackendType.SIMULATOR, null, null, List.of(MODEL), null, null, null);
    // One project per test, so lists in one test do not see another test's objects.
    AuthConfig keys = new AuthConfig(List.of(new ApiKey("key-alice", "alice"), new ApiKey("key-bob", "bob"),
        new ApiKey("key-carol", "carol"), new ApiKey("key-dave", "dave"), new ApiKey("key-erin", "erin")));
    BatchConfig fewCreations = TestBarge.batch("max_creations_per_hour: 6");
    barge = e2e.start(BargeConfig.embeddedDefault().withBackends(List.of(sim)).withAuth(keys)
        .withBatch(fewCreations));
    alice = barge.client("key-alice");
    bob = barge.client("key-bob");
  }

  @Test
  void anotherProjectsKeyGets404ForFilesAndBatches() {
    String fileId = TestBarge.upload(alice, e2e.dir(), "a.jsonl", Lines.chat(1, MODEL));
    Batch batch = TestBarge.create(alice, fileId, BatchCreateParams.Endpoint.V1_CHAT_COMPLETIONS, "24h");

    assertThatThrownBy(() -> bob.files().retrieve(fileId)).isInstanceOf(NotFoundException.class);
    assertThatThrownBy(() -> bob.files().content(fileId)).isInstanceOf(NotFoundException.class);
    assertThatThrownBy(() -> bob.files().delete(fileId)).isInstanceOf(NotFoundException.class);
    assertThatThrownBy(() -> bob.batches().retrieve(batch.id())).isInstanceOf(NotFoundException.class);
    assertThatThrownBy(() -> bob.batches().cancel(batch.id())).isInstanceOf(NotFoundException.class);
    assertThat(bob.batches().list().data()).extracting(Batch::id).doesNotContain(batch.id());
    assertThat(bob.files().list().data()).extracting(FileObject::id).doesNotContain(fileId);
    // Bob cannot start a batch on Alice's file either.
    assertThatThrownBy(() -> TestBarge.create(bob, fileId, BatchCreateParams.Endpoint.V1_CHAT_COMPLETIONS, "24h"))
        .hasMessageContaining("does not have access");
    assertThat(alice.batches().retrieve(batch.id()).id()).isEqualTo(batch.id());
  }

  @Test
  void missingOrUnknownKeyIs401() {
    assertThatThrownBy(() -> barge.client("wrong").batches().list()).isInstanceOf(UnauthorizedException.class);
  }

  @Test
  void batchListPagesNewestFirstAcrossPages() {
    OpenAIClient carol = carol();
    String fileId = TestBarge.upload(carol, e2e.dir(), "c.jsonl", Lines.chat(1, MODEL));
    List<String> created = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      created.add(0, TestBarge.create(carol, fileId, BatchCreateParams.Endpoint.V1_CHAT_COMPLETIONS, "24h").id());
    }
    var firstPage = carol.batches().list(BatchListParams.builder().limit(2).build());
    assertThat(firstPage.data()).hasSize(2);
    assertThat(firstPage.hasNextPage()).isTrue();

    List<String> walked = new ArrayList<>();
    firstPage.autoPager().forEach(b -> walked.add(b.id()));
    assertThat(walked).containsExactlyElementsOf(created);
    var past = carol.batches().list(BatchListParams.builder().after(walked.get(4)).limit(2).build());
    assertThat(past.data()).isEmpty();
    assertThat(past.hasNextPage()).isFalse();
  }

  @Test
  void creatingMoreBatchesPerHourThanTheLimitIs429WithRetryAfter() {
    OpenAIClient erin = barge.client("key-erin");
    String fileId = TestBarge.upload(erin, e2e.dir(), "e.jsonl", Lines.chat(1, MODEL));
    for (int i = 0; i < 6; i++) TestBarge.create(erin, fileId, BatchCreateParams.Endpoint.V1_CHAT_COMPLETIONS, "24h");
    assertThatThrownBy(() -> TestBarge.create(erin, fileId, BatchCreateParams.Endpoint.V1_CHAT_COMPLETIONS, "24h"))
        .isInstanceOfSatisfying(RateLimitException.class, e -> {
          assertThat(e.headers().values("retry-after")).singleElement()
              .satisfies(v -> assertThat(Long.parseLong(v)).isBetween(3500L, 3600L));
          assertThat(e.code()).contains("rate_limit_exceeded");
        });
    // Another project is not affected.
    TestBarge.create(barge.client("key-alice"), TestBarge.upload(barge.client("key-alice"), e2e.dir(), "a2.jsonl",
        Lines.chat(1, MODEL)), BatchCreateParams.Endpoint.V1_CHAT_COMPLETIONS, "24h");
  }

  @Test
  void fileListFiltersByPurposeAndPagesInBothOrders() {
    OpenAIClient dave = dave();
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 4; i++) ids.add(TestBarge.upload(dave, e2e.dir(), "d" + i + ".jsonl", Lines.chat(1, MODEL)));

    List<String> asc = new ArrayList<>();
    dave.files().list(FileListParams.builder().limit(3).order(FileListParams.Order.ASC).build())
        .autoPager().forEach(f -> asc.add(f.id()));
    List<String> desc = new ArrayList<>();
    dave.files().list(FileListParams.builder().limit(1).order(FileListParams.Order.DESC).build())
        .autoPager().forEach(f -> desc.add(f.id()));

    assertThat(asc).containsExactlyInAnyOrderElementsOf(ids);
    assertThat(desc).containsExactlyElementsOf(asc.reversed());
    assertThat(dave.files().list(FileListParams.builder().purpose("batch_output").build()).data()).isEmpty();
    assertThat(dave.files().list(FileListParams.builder().purpose("batch").build()).data()).hasSize(4);
  }

  private static OpenAIClient carol() {
    return barge.client("key-carol");
  }

  private static OpenAIClient dave() {
    return barge.client("key-dave");
  }
}

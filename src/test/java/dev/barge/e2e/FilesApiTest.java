package dev.barge.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.models.batches.BatchCreateParams;
import com.openai.models.files.FileCreateParams;
import com.openai.models.files.FileObject;
import com.openai.models.files.FilePurpose;
import dev.barge.config.BackendConfig;
import dev.barge.config.BackendType;
import dev.barge.config.BargeConfig;
import dev.barge.config.BatchConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Upload, retrieve, content, delete, and the upload rules. */
class FilesApiTest {
  @RegisterExtension static final BargeExtension e2e = new BargeExtension();
  private static TestBarge barge;
  private static OpenAIClient client;

  @BeforeAll
  static void start() {
    BackendConfig sim = new BackendConfig("sim", BackendType.SIMULATOR, null, null, List.of("m"), null, null,
        new dev.barge.config.SimulatorConfig(2000, 0, 0.0, 0.0, 0, null, null, 1L));
    BatchConfig tinyFiles = TestBarge.batch("max_file_bytes: 4096");
    barge = e2e.start(BargeConfig.embeddedDefault().withBackends(List.of(sim)).withBatch(tinyFiles));
    client = barge.client();
  }

  @Test
  void uploadedFileComesBackByteForByte() throws Exception {
    Path file = e2e.dir().resolve("input.jsonl");
    String text = Lines.chatLine("a", "m", "héllo wörld") + "\n" + Lines.chatLine("b", "m", "second") + "\n";
    Files.writeString(file, text, StandardCharsets.UTF_8);
    FileObject uploaded = client.files().create(FileCreateParams.builder().file(file).purpose(FilePurpose.BATCH)
        .build());

    assertThat(uploaded.id()).startsWith("file-");
    assertThat(uploaded.filename()).isEqualTo("input.jsonl");
    assertThat(uploaded.bytes()).isEqualTo(text.getBytes(StandardCharsets.UTF_8).length);
    assertThat(uploaded.purpose()).isEqualTo(FileObject.Purpose.BATCH);
    assertThat(uploaded.expiresAt()).contains(uploaded.createdAt() + 30L * 24 * 3600);
    assertThat(client.files().retrieve(uploaded.id())).isEqualTo(uploaded);
    assertThat(String.join("\n", TestBarge.contentLines(client, uploaded.id())) + "\n").isEqualTo(text);
  }

  @Test
  void deletedFileIsGone() {
    String id = TestBarge.upload(client, e2e.dir(), "gone.jsonl", List.of(Lines.chatLine("a", "m", "x")));
    var deleted = client.files().delete(id);
    assertThat(deleted.id()).isEqualTo(id);
    assertThat(deleted.deleted()).isTrue();
    assertThatThrownBy(() -> client.files().retrieve(id)).isInstanceOf(NotFoundException.class);
  }

  @Test
  void inputOfARunningBatchCannotBeDeleted() {
    String id = TestBarge.upload(client, e2e.dir(), "busy.jsonl", List.of(Lines.chatLine("a", "m", "x")));
    TestBarge.create(client, id, BatchCreateParams.Endpoint.V1_CHAT_COMPLETIONS, "1h");
    assertThatThrownBy(() -> client.files().delete(id))
        .isInstanceOfSatisfying(BadRequestException.class, e -> assertThat(e.param()).contains("file_id"));
  }

  @Test
  void uploadThatIsNotJsonlOrNotBatchOrTooLargeIsRefusedNamingTheProblem() throws Exception {
    Path csv = Files.writeString(e2e.dir().resolve("data.csv"), "a,b\n");
    assertThatThrownBy(() -> client.files().create(FileCreateParams.builder().file(csv).purpose(FilePurpose.BATCH)
        .build())).isInstanceOfSatisfying(BadRequestException.class,
            e -> assertThat(e.getMessage()).contains("Must be .jsonl"));

    Path jsonl = Files.writeString(e2e.dir().resolve("ft.jsonl"), "{}\n");
    assertThatThrownBy(() -> client.files().create(FileCreateParams.builder().file(jsonl)
        .purpose(FilePurpose.FINE_TUNE).build()))
        .isInstanceOfSatisfying(BadRequestException.class, e -> assertThat(e.param()).contains("purpose"));

    Path big = Files.writeString(e2e.dir().resolve("big.jsonl"), "x".repeat(5000));
    assertThatThrownBy(() -> client.files().create(FileCreateParams.builder().file(big).purpose(FilePurpose.BATCH)
        .build())).isInstanceOfSatisfying(BadRequestException.class, e -> assertThat(e.param()).contains("file"));
  }

  @Test
  void unknownFileIs404() {
    assertThatThrownBy(() -> client.files().retrieve("file-doesnotexist")).isInstanceOf(NotFoundException.class);
    assertThatThrownBy(() -> client.files().content("file-doesnotexist")).isInstanceOf(NotFoundException.class);
  }
}

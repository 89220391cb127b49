package dev.barge.upstream;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.barge.config.BackendConfig;
import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import dev.langchain4j.model.output.Response;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The all-MiniLM-L6-v2 sentence embedding model run in-process, answering {@code /v1/embeddings} in OpenAI's
 * format (and Gemini's embedContent by translation), so an embeddings batch needs no model server at all.
 *
 * <p>Inference runs on a pool of {@link #maxConcurrency()} platform threads, not on the caller's virtual
 * thread: an ONNX call is native code that pins its carrier for milliseconds, and a few of them at once would
 * stall every other virtual thread in the server.
 */
public final class LocalEmbeddingsBackend implements Backend {
  private static final Logger log = LoggerFactory.getLogger(LocalEmbeddingsBackend.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int DIMENSIONS = 384;
  /** OpenAI's own limit, so a batch that runs here also runs there. */
  private static final int MAX_INPUTS = 2048;
  /**
   * Largest request body: 2,048 inputs of a full window are about 1.5 MB of text, and OpenAI takes at most
   * 300,000 tokens per request. Refused above, so one request cannot make the server parse and scan megabytes
   * it would mostly cut away.
   */
  static final int MAX_BODY_BYTES = 4 << 20;

  private final BackendConfig config;
  private final ExecutorService pool;

  public LocalEmbeddingsBackend(BackendConfig config) {
    this.config = config;
    this.pool = Executors.newFixedThreadPool(
        maxConcurrency(), Thread.ofPlatform().name("embeddings-", 1).daemon().factory());
  }

  @Override
  public BackendConfig config() {
    return config;
  }

  /** One inference per core: more only queue inside ONNX. */
  @Override
  public int defaultConcurrency() {
    return Runtime.getRuntime().availableProcessors();
  }

  @Override
  public boolean serves(Endpoint endpoint) {
    return endpoint == Endpoint.EMBEDDINGS || endpoint == Endpoint.EMBED_CONTENT;
  }

  @Override
  public Outcome send(Endpoint endpoint, byte[] body) {
    if (endpoint == Endpoint.EMBED_CONTENT) {
      return EmbedContentOverEmbeddings.send(body, input -> send(Endpoint.EMBEDDINGS, input));
    }
    String requestId = "req_" + UUID.randomUUID().toString().replace("-", "");
    try {
      if (endpoint != Endpoint.EMBEDDINGS) {
        throw new InvalidRequest(404, null, "unknown_url", "Backend '" + name() + "' runs " + BackendConfig.LOCAL_EMBEDDINGS_MODEL
            + " in-process and serves only " + Endpoint.EMBEDDINGS.path() + " and " + Endpoint.EMBED_CONTENT.path()
            + ", not " + endpoint.path() + ".");
      }
      if (body.length > MAX_BODY_BYTES) {
        throw new InvalidRequest(400, "input", null, "The request is " + body.length + " bytes; " + name() + " takes at"
            + " most " + MAX_BODY_BYTES + " bytes (4 MiB) per request, and embeds only the first "
            + EmbeddingText.WINDOW_TOKENS + " tokens of each input: send less text in 'input'.");
      }
      EmbeddingsRequest request = parse(body);
      return new Outcome.Success(200, render(request, embed(request.inputs())), requestId);
    } catch (InvalidRequest e) {
      return new Outcome.Rejected(e.status, e.envelope(), requestId);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Outcome.TransportFailure("interrupted");
    } catch (RejectedExecutionException e) {
      return new Outcome.TransportFailure("backend '" + name() + "' is closed");
    } catch (ExecutionException e) {
      log.warn("Local embedding failed", e.getCause());
      String error = envelope("server_error", "The local embeddings model failed: " + e.getCause(), null, null);
      return new Outcome.Retryable(500, error, requestId, null);
    }
  }

  /** Embeds each input as its own pool task, so one large request also uses every core. */
  private List<Response<Embedding>> embed(List<EmbeddingText> inputs) throws InterruptedException, ExecutionException {
    List<Future<Response<Embedding>>> tasks = new ArrayList<>(inputs.size());
    for (EmbeddingText input : inputs) tasks.add(pool.submit(() -> Model.INSTANCE.embed(input.text())));
    List<Response<Embedding>> results = new ArrayList<>(inputs.size());
    try {
      for (int i = 0; i < tasks.size(); i++) {
        try {
          results.add(tasks.get(i).get());
        } catch (ExecutionException e) {
          // The tokenizer's verdict on text we let through (e.g. nothing but control characters).
          if (e.getCause() instanceof IllegalArgumentException bad) {
            throw new InvalidRequest(400, "input", null, "input[" + i + "] cannot be embedded: " + bad.getMessage());
          }
          throw e;
        }
      }
      return results;
    } finally {
      tasks.forEach(t -> t.cancel(false)); // no-op for finished tasks; frees the pool after a failure
    }
  }

  private EmbeddingsRequest parse(byte[] body) {
    JsonNode root;
    try {
      root = JSON.readTree(new String(body, StandardCharsets.UTF_8));
    } catch (JsonProcessingException e) {
      throw new InvalidRequest(400, null, null, "The request body is not valid JSON: " + e.getOriginalMessage());
    }
    if (root == null || !root.isObject()) throw new InvalidRequest(400, null, null, "The request body must be a JSON object.");

    JsonNode model = root.path("model");
    if (!model.isTextual()) throw new InvalidRequest(400, "model", null, "'model' is required and must be a string.");
    if (!models().contains(model.asText())) {
      throw new InvalidRequest(404, "model", "model_not_found", "The model '" + model.asText() + "' does not exist on backend '"
          + name() + "', which serves " + models() + ".");
    }

    JsonNode encoding = root.path("encoding_format");
    boolean base64 = encoding.isTextual() && encoding.asText().equals("base64");
    if (!encoding.isMissingNode() && !encoding.isNull() && !base64 && !encoding.asText().equals("float")) {
      throw new InvalidRequest(400, "encoding_format", null, "'encoding_format' must be 'float' or 'base64'.");
    }

    JsonNode dimensions = root.path("dimensions");
    if (!dimensions.isMissingNode() && !dimensions.isNull() && !(dimensions.isInt() && dimensions.intValue() == DIMENSIONS)) {
      throw new InvalidRequest(400, "dimensions", null, BackendConfig.LOCAL_EMBEDDINGS_MODEL + " always produces " + DIMENSIONS
          + " dimensions; omit 'dimensions' or set it to " + DIMENSIONS + ".");
    }
    return new EmbeddingsRequest(model.asText(), inputs(root.path("input")), base64);
  }

  private static List<EmbeddingText> inputs(JsonNode input) {
    if (input.isTextual()) return List.of(text(input, "input"));
    if (!input.isArray()) throw new InvalidRequest(400, "input", null, "'input' is required: a string or an array of strings.");
    if (input.isEmpty()) throw new InvalidRequest(400, "input", null, "'input' must not be an empty array.");
    if (input.size() > MAX_INPUTS) {
      throw new InvalidRequest(400, "input", null, "'input' may hold at most " + MAX_INPUTS + " strings, not " + input.size() + ".");
    }
    List<EmbeddingText> texts = new ArrayList<>(input.size());
    for (int i = 0; i < input.size(); i++) {
      JsonNode item = input.get(i);
      if (item.isNumber() || item.isArray()) {
        throw new InvalidRequest(400, "input", null, "Token-id input is not supported by " + BackendConfig.LOCAL_EMBEDDINGS_MODEL
            + ", which uses its own tokenizer: send text.");
      }
      texts.add(text(item, "input[" + i + "]"));
    }
    return texts;
  }

  private static EmbeddingText text(JsonNode node, String where) {
    if (!node.isTextual() || node.asText().isBlank()) {
      throw new InvalidRequest(400, "input", null, "'" + where + "' must be a string with some text in it.");
    }
    return EmbeddingText.of(node.asText());
  }

  /**
   * OpenAI's answer, and when any input was longer than the model's window, Barge's extension
   * {@code "barge": {"truncated_inputs": [indexes], "window_tokens": 126}}: those inputs were embedded by
   * their first 126 tokens only (as the model always does; this says so). The SDKs ignore fields they do not know.
   */
  private static String render(EmbeddingsRequest request, List<Response<Embedding>> results) {
    StringWriter out = new StringWriter(results.size() * (request.base64() ? 2_200 : 4_800));
    int tokens = 0;
    List<Integer> truncated = new ArrayList<>();
    try (JsonGenerator json = JSON.createGenerator(out)) {
      json.writeStartObject();
      json.writeStringField("object", "list");
      json.writeArrayFieldStart("data");
      for (int i = 0; i < results.size(); i++) {
        Response<Embedding> result = results.get(i);
        int inputTokens = result.tokenUsage().inputTokenCount();
        tokens += inputTokens;
        // Cut here, or filled the window the model cuts at: whatever followed was not embedded.
        if (request.inputs().get(i).truncated() || inputTokens >= EmbeddingText.WINDOW_TOKENS) truncated.add(i);
        float[] vector = result.content().vector();
        json.writeStartObject();
        json.writeStringField("object", "embedding");
        json.writeNumberField("index", i);
        json.writeFieldName("embedding");
        if (request.base64()) {
          json.writeString(base64(vector));
        } else {
          json.writeStartArray();
          for (float f : vector) json.writeNumber(f);
          json.writeEndArray();
        }
        json.writeEndObject();
      }
      json.writeEndArray();
      json.writeStringField("model", request.model());
      json.writeObjectFieldStart("usage");
      json.writeNumberField("prompt_tokens", tokens);
      json.writeNumberField("total_tokens", tokens);
      json.writeEndObject();
      if (!truncated.isEmpty()) {
        json.writeObjectFieldStart("barge");
        json.writeArrayFieldStart("truncated_inputs");
        for (int index : truncated) json.writeNumber(index);
        json.writeEndArray();
        json.writeNumberField("window_tokens", EmbeddingText.WINDOW_TOKENS);
        json.writeEndObject();
      }
      json.writeEndObject();
    } catch (IOException e) {
      throw new IllegalStateException("writing JSON to a string cannot fail", e);
    }
    return out.toString();
  }

  /** OpenAI's base64 format: the vector's float32 values, little-endian, back to back. */
  private static String base64(float[] vector) {
    ByteBuffer bytes = ByteBuffer.allocate(vector.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    bytes.asFloatBuffer().put(vector);
    return Base64.getEncoder().encodeToString(bytes.array());
  }

  /** OpenAI's error envelope. */
  private static String envelope(String type, String message, String param, String code) {
    ObjectNode error = JSON.createObjectNode();
    error.put("message", message).put("type", type).put("param", param).put("code", code);
    return JSON.createObjectNode().set("error", error).toString();
  }

  /** Finishes the embeddings already accepted, then stops the pool. */
  @Override
  public void close() {
    pool.close();
  }

  private record EmbeddingsRequest(String model, List<EmbeddingText> inputs, boolean base64) {}

  /** A caller's mistake, carried to {@link #send} and answered with OpenAI's error envelope. */
  private static final class InvalidRequest extends RuntimeException {
    final int status;
    final String param;
    final String code;

    InvalidRequest(int status, String param, String code, String message) {
      super(message, null, false, false);
      this.status = status;
      this.param = param;
      this.code = code;
    }

    String envelope() {
      return LocalEmbeddingsBackend.envelope("invalid_request_error", getMessage(), param, code);
    }
  }

  /** Loads the model on first use (seconds, ~90 MB of weights), once, however many threads ask at the same time. */
  private static final class Model {
    static final EmbeddingModel INSTANCE = load();

    private static EmbeddingModel load() {
      // DJL's tokenizer otherwise "calls home" on load: it probes the EC2 metadata address and reports to a
      // telemetry bucket. A self-hosted server should not, and the probe stalls where that address is dropped.
      if (System.getProperty("OPT_OUT_TRACKING") == null) System.setProperty("OPT_OUT_TRACKING", "true");
      // Inputs are already spread over our pool; the model needs no executor of its own.
      return new AllMiniLmL6V2EmbeddingModel(Runnable::run);
    }
  }
}

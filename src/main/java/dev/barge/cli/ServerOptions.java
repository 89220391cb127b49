package dev.barge.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.function.BiConsumer;
import java.util.function.Function;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/** Where the Barge server is and the key to use: the options of every command that talks to one. */
final class ServerOptions {
  @Option(names = "--url", paramLabel = "URL", defaultValue = "${env:BARGE_URL:-http://127.0.0.1:8080/v1}",
      description = "The Barge server's API, e.g. http://host:8080/v1 (default: $BARGE_URL, else ${DEFAULT-VALUE}).")
  String url;

  @Option(names = "--api-key", paramLabel = "KEY", defaultValue = "${env:BARGE_API_KEY}",
      description = "API key (default: $BARGE_API_KEY; none for a server without keys).")
  String apiKey;

  ApiClient client() {
    return new ApiClient(url, apiKey);
  }

  /**
   * The whole of a command that makes one request and shows its answer: prints the JSON the server
   * returned with {@code json}, else what {@code text} makes of it. Returns the exit code, 0.
   */
  int show(CommandSpec spec, boolean json, Function<ApiClient, JsonNode> request,
      BiConsumer<PrintWriter, JsonNode> text) {
    PrintWriter out = spec.commandLine().getOut();
    try (ApiClient api = client()) {
      JsonNode answer = request.apply(api);
      if (json) out.println(answer);
      else text.accept(out, answer);
      out.flush();
      return 0;
    }
  }
}

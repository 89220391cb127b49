package dev.barge.cli;

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
}

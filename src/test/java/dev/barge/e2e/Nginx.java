package dev.barge.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;

/**
 * nginx (Debian's package) as a round-robin HTTP load balancer in front of Barge nodes, with buffering
 * off so uploads and event streams pass through as they come. Its access log records the node that
 * answered each request.
 */
final class Nginx implements AutoCloseable {
  private final Process process;
  private final Path dir;
  final int port;

  private Nginx(Process process, Path dir, int port) {
    this.process = process;
    this.dir = dir;
    this.port = port;
  }

  /** Whether nginx is on this machine ({@code apt-get install nginx}). */
  static boolean installed() {
    return Files.isExecutable(Path.of("/usr/sbin/nginx"));
  }

  static Nginx start(Path dir, List<Integer> nodePorts) throws IOException {
    Files.createDirectories(dir);
    int port = BargeProcess.freePort();
    String servers = nodePorts.stream().map(p -> "    server 127.0.0.1:" + p + " max_fails=0;\n")
        .collect(Collectors.joining());
    String user = "root".equals(System.getProperty("user.name")) ? "user root;\n" : "";
    Path conf = Files.writeString(dir.resolve("nginx.conf"), user + """
        worker_processes 1;
        daemon off;
        pid %1$s/nginx.pid;
        error_log %1$s/error.log;
        events { worker_connections 512; }
        http {
          log_format upstreams '$request_method $uri $status $upstream_addr';
          access_log %1$s/access.log upstreams;
          client_body_temp_path %1$s/body;
          proxy_temp_path %1$s/proxy;
          fastcgi_temp_path %1$s/fastcgi;
          uwsgi_temp_path %1$s/uwsgi;
          scgi_temp_path %1$s/scgi;
          upstream barge {
        %2$s  }
          server {
            listen 127.0.0.1:%3$d;
            client_max_body_size 0;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_request_buffering off;
            proxy_buffering off;
            proxy_read_timeout 300s;
            proxy_next_upstream error timeout http_502 http_503;
            location / { proxy_pass http://barge; }
          }
        }
        """.formatted(dir, servers, port));
    Process process = new ProcessBuilder("/usr/sbin/nginx", "-c", conf.toString(), "-p", dir.toString())
        .redirectErrorStream(true).redirectOutput(dir.resolve("nginx.out").toFile()).start();
    Nginx nginx = new Nginx(process, dir, port);
    Awaitility.await("nginx on port " + port).atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> {
      if (!process.isAlive()) throw new IllegalStateException("nginx exited: " + Files.readString(dir.resolve("nginx.out")));
      try (Socket s = new Socket("127.0.0.1", port)) {
        return true;
      }
    });
    return nginx;
  }

  String baseUrl() {
    return "http://127.0.0.1:" + port + "/v1";
  }

  /** The nodes ({@code 127.0.0.1:PORT}) that answered requests whose path starts with {@code pathPrefix}. */
  Set<String> nodesThatAnswered(String method, String pathPrefix) {
    try {
      return Files.readAllLines(dir.resolve("access.log")).stream().map(line -> line.split(" "))
          .filter(f -> f.length >= 4 && f[0].equals(method) && f[1].startsWith(pathPrefix))
          .map(f -> f[3]).collect(Collectors.toSet());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    process.waitFor();
  }
}

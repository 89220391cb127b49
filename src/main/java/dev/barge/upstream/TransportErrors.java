package dev.barge.upstream;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.Locale;
import javax.net.ssl.SSLException;
import org.apache.hc.core5.http.ConnectionClosedException;
import org.apache.hc.core5.http.NoHttpResponseException;

/**
 * What a failed exchange with a backend is called where callers read it (error files, synchronous answers):
 * the kind of failure, never the exception's text, which names internal hosts, ports and libraries.
 */
final class TransportErrors {
  private TransportErrors() {}

  static String describe(Exception e) {
    return switch (e) {
      case ConnectException c -> "the backend refused the connection";
      case NoRouteToHostException n -> "the backend could not be reached";
      case UnknownHostException u -> "the backend's host name did not resolve";
      case SSLException s -> "the TLS connection to the backend failed";
      case NoHttpResponseException n -> "the backend closed the connection without answering";
      case ConnectionClosedException c -> "the connection closed before the answer was complete";
      case SocketException s when String.valueOf(s.getMessage()).toLowerCase(Locale.ROOT).contains("reset") ->
          "the connection was reset";
      default -> "the connection to the backend failed (" + e.getClass().getSimpleName() + ")";
    };
  }
}

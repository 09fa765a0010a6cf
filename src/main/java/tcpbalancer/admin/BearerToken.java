package tcpbalancer.admin;

import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Lets a request through only if it carries {@code Authorization: Bearer TOKEN}; answers 401 otherwise. The
 * comparison takes the same time whatever the header holds (digests of equal length compared in constant time),
 * so that timing cannot reveal the token a character at a time.
 */
final class BearerToken implements Handler<RoutingContext> {

  private static final String PREFIX = "Bearer ";

  private final byte[] expected;

  BearerToken(String token) {
    this.expected = digest(token);
  }

  @Override
  public void handle(RoutingContext context) {
    String header = context.request().getHeader("Authorization");
    String given = header != null && header.regionMatches(true, 0, PREFIX, 0, PREFIX.length())
      ? header.substring(PREFIX.length()).trim() : "";
    if (MessageDigest.isEqual(expected, digest(given)) && !given.isEmpty()) {
      context.next();
    } else {
      context.response().putHeader("WWW-Authenticate", "Bearer realm=\"tcpbalancer\"");
      JsonError.send(context, 401, header == null ? "this endpoint needs Authorization: Bearer TOKEN"
        : "wrong bearer token", "Authorization");
    }
  }

  private static byte[] digest(String text) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }
}

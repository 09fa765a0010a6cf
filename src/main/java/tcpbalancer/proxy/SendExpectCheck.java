package tcpbalancer.proxy;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetSocket;
import java.util.HexFormat;
import java.util.Set;
import tcpbalancer.config.ConfigException;
import tcpbalancer.config.ConfigFields;

/**
 * Any protocol: send some bytes (none when the server speaks first), expect the answer to start with others,
 * e.g. Redis: send {@code "PING\r\n"}, expect {@code "+PONG"}. Both are hex in the config, so any bytes can be
 * written.
 *
 * @param send   written once connected; may be empty
 * @param expect the answer's first bytes; never empty
 */
record SendExpectCheck(Buffer send, Buffer expect) implements HealthCheck {

  static final Set<String> KEYS = Set.of("send", "expect");
  private static final HexFormat HEX = HexFormat.of();
  /** Bytes shown of a wrong answer. */
  private static final int SHOWN_BYTES = 32;

  static SendExpectCheck fromJson(JsonObject json, String path) {
    ConfigFields fields = new ConfigFields(json, path);
    fields.rejectUnknownKeys(KEYS);
    String send = fields.string("send", null);
    String expect = fields.string("expect", null);
    if (expect == null) {
      throw new ConfigException(fields.path("expect") + ": required, the first bytes of the answer as hex, "
        + "such as \"2b504f4e47\" for \"+PONG\"");
    }
    return new SendExpectCheck(send == null ? Buffer.buffer() : hex(send, fields.path("send")),
      hex(expect, fields.path("expect")));
  }

  private static Buffer hex(String text, String path) {
    try {
      return Buffer.buffer(HEX.parseHex(text.strip()));
    } catch (IllegalArgumentException e) {
      throw new ConfigException(path + ": must be bytes as hex digits, two a byte (\"50494e470d0a\"), got '"
        + text + "'");
    }
  }

  @Override
  public Future<Void> probe(NetSocket socket) {
    Promise<Void> answered = Promise.promise();
    Buffer received = Buffer.buffer();
    socket.handler(chunk -> {
      int wanted = expect.length() - received.length();
      received.appendBuffer(chunk, 0, Math.min(wanted, chunk.length()));
      if (!startOfExpected(received)) {
        answered.tryFail("unexpected bytes " + shown(received) + " (expected " + shown(expect) + ")");
      } else if (received.length() == expect.length()) {
        answered.tryComplete();
      }
    });
    socket.closeHandler(v -> answered.tryFail(received.length() == 0 ? "closed the connection without an answer"
      : "closed the connection after " + shown(received) + " (expected " + shown(expect) + ")"));
    if (send.length() > 0) {
      socket.write(send).onFailure(answered::tryFail);
    }
    return answered.future();
  }

  private boolean startOfExpected(Buffer received) {
    return expect.getBuffer(0, received.length()).equals(received);
  }

  private static String shown(Buffer bytes) {
    int length = Math.min(bytes.length(), SHOWN_BYTES);
    return HEX.formatHex(bytes.getBytes(0, length)) + (bytes.length() > length ? "..." : "");
  }

  @Override
  public String toString() {
    return "send " + HEX.formatHex(send.getBytes()) + " expect " + HEX.formatHex(expect.getBytes());
  }
}

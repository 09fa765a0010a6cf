package tcpbalancer.protocol;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;

/** Writes frame body fields, refusing strings longer than their length prefix can say. */
final class BodyWriter {

  private final Buffer body;

  BodyWriter(int expectedSize) {
    this.body = Buffer.buffer(expectedSize);
  }

  BodyWriter u8(int value) {
    body.appendUnsignedByte((short) value);
    return this;
  }

  BodyWriter u16(int value) {
    body.appendUnsignedShort(value);
    return this;
  }

  BodyWriter u32(long value) {
    body.appendUnsignedInt(value);
    return this;
  }

  BodyWriter shortString(String value, String field) {
    byte[] bytes = utf8(value, 0xFF, field);
    body.appendUnsignedByte((short) bytes.length).appendBytes(bytes);
    return this;
  }

  BodyWriter longString(String value, String field) {
    byte[] bytes = utf8(value, 0xFFFF, field);
    body.appendUnsignedShort(bytes.length).appendBytes(bytes);
    return this;
  }

  BodyWriter bytes(Buffer bytes) {
    body.appendBuffer(bytes);
    return this;
  }

  Buffer buffer() {
    return body;
  }

  private static byte[] utf8(String value, int max, String field) {
    byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
    if (bytes.length > max) {
      throw new IllegalArgumentException(field + " is " + bytes.length + " bytes long; the protocol allows " + max);
    }
    return bytes;
  }
}

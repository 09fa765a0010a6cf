package tcpbalancer.protocol;

import io.vertx.core.buffer.Buffer;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Reads the fields of a frame body in order, failing with a named field when the body is too short. */
final class BodyReader {

  private final Buffer body;
  private final Status onError;
  private int position;

  BodyReader(Buffer body, Status onError) {
    this.body = body;
    this.onError = onError;
  }

  int u8(String field) {
    require(1, field);
    return body.getUnsignedByte(position++);
  }

  int u16(String field) {
    require(2, field);
    int value = body.getUnsignedShort(position);
    position += 2;
    return value;
  }

  long u32(String field) {
    require(4, field);
    long value = body.getUnsignedInt(position);
    position += 4;
    return value;
  }

  String shortString(String field) {
    return string(u8(field + " length"), field);
  }

  String longString(String field) {
    return string(u16(field + " length"), field);
  }

  /** The bytes left: a slice, not a copy. */
  Buffer rest() {
    Buffer rest = body.slice(position, body.length());
    position = body.length();
    return rest;
  }

  /** Strict UTF-8: a malformed string is refused, so it can never grow when echoed back. */
  private String string(int length, String field) {
    require(length, field);
    try {
      String value = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT)
        .decode(ByteBuffer.wrap(body.getBytes(position, position + length)))
        .toString();
      position += length;
      return value;
    } catch (CharacterCodingException e) {
      throw new StatusException(onError, field + " is not valid UTF-8");
    }
  }

  private void require(int bytes, String field) {
    if (body.length() - position < bytes) {
      throw new StatusException(onError, "body too short for " + field);
    }
  }
}

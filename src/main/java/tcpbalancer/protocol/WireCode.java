package tcpbalancer.protocol;

import java.util.Optional;

/**
 * An enum whose constants have a code on the wire. Looked up by code (as {@link
 * tcpbalancer.config.EnumNames} looks enums up by name): an unknown code gives an empty result, and the caller
 * says what that means where it happens.
 */
public interface WireCode {

  int code();

  /** The constant of {@code type} with {@code code}, if any. */
  static <E extends Enum<E> & WireCode> Optional<E> byCode(Class<E> type, int code) {
    for (E constant : type.getEnumConstants()) {
      if (constant.code() == code) {
        return Optional.of(constant);
      }
    }
    return Optional.empty();
  }
}

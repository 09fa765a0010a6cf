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
    for (Object constant : Constants.OF.get(type)) {
      if (((WireCode) constant).code() == code) {
        return Optional.of(type.cast(constant));
      }
    }
    return Optional.empty();
  }

  /** Each enum's constants, read once: {@code getEnumConstants()} copies them on every call, once per frame here. */
  final class Constants {
    private static final ClassValue<Object[]> OF = new ClassValue<>() {
      @Override
      protected Object[] computeValue(Class<?> type) {
        return type.getEnumConstants();
      }
    };

    private Constants() {
    }
  }
}

package tcpbalancer.config;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * How enum constants are written in configs and flags: lower case with dashes ({@code least-connections} for
 * {@code LEAST_CONNECTIONS}). The one convention for looking an enum up by name; an unknown name gives an empty
 * result, and the caller says what that means where it happens.
 */
public final class EnumNames {

  private EnumNames() {
  }

  /** The constant of {@code type} that {@code name} writes, if any (case does not matter). */
  public static <E extends Enum<E>> Optional<E> lookup(Class<E> type, String name) {
    String constant = name.trim().toUpperCase(Locale.ROOT).replace('-', '_');
    return Arrays.stream(type.getEnumConstants()).filter(candidate -> candidate.name().equals(constant)).findFirst();
  }

  /** How {@code constant} is written: {@code LEAST_CONNECTIONS} as {@code least-connections}. */
  public static String of(Enum<?> constant) {
    return constant.name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** Every name of {@code type}, for an error message: {@code "fit, exact"}. */
  public static String all(Class<? extends Enum<?>> type) {
    return Arrays.stream(type.getEnumConstants()).map(EnumNames::of).collect(Collectors.joining(", "));
  }
}

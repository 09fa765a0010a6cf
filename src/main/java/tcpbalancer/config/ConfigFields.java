package tcpbalancer.config;

import io.vertx.core.json.JsonObject;
import java.util.Set;
import java.util.TreeSet;

/**
 * Typed, validated reads from one JSON object of a configuration. Every error names the field by its full
 * path (e.g. {@code verticles.backend.config.port}) and the value that was given.
 *
 * <p>Values may be JSON numbers and booleans or their string forms, because environment variables and
 * system properties arrive as strings.
 */
public final class ConfigFields {

  private final JsonObject json;
  private final String path;

  public ConfigFields(JsonObject json, String path) {
    this.json = json == null ? new JsonObject() : json;
    this.path = path;
  }

  public int integer(String key, int defaultValue, int min, int max) {
    Object value = json.getValue(key);
    if (value == null) {
      return defaultValue;
    }
    long number;
    if (value instanceof Number n && n.doubleValue() == n.longValue()) {
      number = n.longValue();
    } else if (value instanceof String s && s.trim().matches("-?\\d{1,18}")) {
      number = Long.parseLong(s.trim());
    } else {
      throw invalid(key, value, "must be a whole number");
    }
    if (number < min || number > max) {
      throw invalid(key, value, "must be between " + min + " and " + max);
    }
    return (int) number;
  }

  public boolean bool(String key, boolean defaultValue) {
    Object value = json.getValue(key);
    if (value == null) {
      return defaultValue;
    }
    if (value instanceof Boolean b) {
      return b;
    }
    if (value instanceof String s && (s.equalsIgnoreCase("true") || s.equalsIgnoreCase("false"))) {
      return Boolean.parseBoolean(s);
    }
    throw invalid(key, value, "must be true or false");
  }

  public String string(String key, String defaultValue) {
    Object value = json.getValue(key);
    if (value == null) {
      return defaultValue;
    }
    if (value instanceof String s && !s.isBlank()) {
      return s;
    }
    throw invalid(key, value, "must be a non-empty string");
  }

  /** One of an enum's constants, written as {@link EnumNames} gives them ({@code least-connections}). */
  public <E extends Enum<E>> E named(String key, Class<E> type, E defaultValue) {
    String name = string(key, null);
    if (name == null) {
      return defaultValue;
    }
    return EnumNames.lookup(type, name)
      .orElseThrow(() -> invalid(key, name, "must be one of " + EnumNames.all(type)));
  }

  public JsonObject object(String key) {
    Object value = json.getValue(key);
    if (value == null) {
      return new JsonObject();
    }
    if (value instanceof JsonObject o) {
      return o;
    }
    throw invalid(key, value, "must be a JSON object");
  }

  /** Fails on the first key not in {@code known}: a misspelt key must not be silently ignored. */
  public void rejectUnknownKeys(Set<String> known) {
    for (String key : new TreeSet<>(json.fieldNames())) {
      if (!known.contains(key)) {
        throw new ConfigException(path(key) + ": unknown key (known keys: " + String.join(", ", new TreeSet<>(known)) + ")");
      }
    }
  }

  public ConfigException invalid(String key, Object value, String why) {
    String shown = value instanceof String ? "'" + value + "'" : String.valueOf(value);
    return new ConfigException(path(key) + ": " + why + ", got " + shown);
  }

  public String path(String key) {
    return path.isEmpty() ? key : path + "." + key;
  }
}

package tcpbalancer.launcher;

import io.vertx.config.ConfigRetriever;
import io.vertx.config.ConfigRetrieverOptions;
import io.vertx.config.ConfigStoreOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.Map;

/**
 * Where a deployment config comes from: a JSON file (the {@code -conf} option) or JSON built in memory (the
 * subcommands). Either way it is read with Vert.x Config, then overridden by environment variables and
 * system properties, later stores winning:
 * <ul>
 *   <li>a system property such as {@code -Dverticles.backend.config.port=9092} overrides that path;</li>
 *   <li>an environment variable whose name is such a path (docker-compose allows dots in names) does too.</li>
 * </ul>
 */
public record ConfigSource(String file, JsonObject inline) {

  /** How often a config file is read again for changes (hot reload of the proxy's upstreams). */
  public static final long FILE_SCAN_PERIOD_MILLIS = 2_000;
  /** Prefix of the override keys that are expanded into the config tree. */
  private static final String OVERRIDE_PREFIX = "verticles.";

  public static ConfigSource file(String path) {
    return new ConfigSource(path, null);
  }

  public static ConfigSource inline(JsonObject json) {
    return new ConfigSource(null, json);
  }

  public ConfigRetriever retriever(Vertx vertx) {
    ConfigStoreOptions base = file != null
      ? new ConfigStoreOptions().setType("file").setFormat("json").setConfig(new JsonObject().put("path", file))
      : new ConfigStoreOptions().setType("json").setConfig(inline);
    ConfigRetrieverOptions options = new ConfigRetrieverOptions()
      .setIncludeDefaultStores(false)
      .setScanPeriod(file != null ? FILE_SCAN_PERIOD_MILLIS : 0)
      .addStore(base)
      .addStore(new ConfigStoreOptions().setType("env"))
      .addStore(new ConfigStoreOptions().setType("sys").setConfig(new JsonObject().put("hierarchical", true)));
    ConfigRetriever retriever = ConfigRetriever.create(vertx, options);
    retriever.setConfigurationProcessor(ConfigSource::expandDottedKeys);
    return retriever;
  }

  /** Turns top-level keys such as {@code verticles.backend.config.port} (from the environment) into a tree. */
  static JsonObject expandDottedKeys(JsonObject json) {
    JsonObject result = new JsonObject();
    JsonObject overrides = new JsonObject();
    for (Map.Entry<String, Object> entry : json) {
      if (entry.getKey().startsWith(OVERRIDE_PREFIX)) {
        overrides.mergeIn(nest(entry.getKey().split("\\."), 0, entry.getValue()), true);
      } else {
        result.put(entry.getKey(), entry.getValue());
      }
    }
    return result.mergeIn(overrides, true);
  }

  private static JsonObject nest(String[] path, int index, Object value) {
    Object child = index == path.length - 1 ? value : nest(path, index + 1, value);
    return new JsonObject().put(path[index], child);
  }

  /** How to name this source in messages. */
  public String describe() {
    return file != null ? file : "the command line";
  }
}

package tcpbalancer.launcher;

import io.vertx.config.ConfigRetriever;
import io.vertx.config.ConfigRetrieverOptions;
import io.vertx.config.ConfigStoreOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import tcpbalancer.config.ConfigException;

/**
 * Where a deployment config comes from: a JSON file or JSON object given to {@code -conf}, or JSON built in
 * memory (the subcommands). It is read once, here; the retriever starts from that reading (a file is read
 * again only to see later changes), then applies environment variables and system properties, later stores
 * winning:
 * <ul>
 *   <li>a system property such as {@code -Dverticles.backend.config.port=9092} overrides that path;</li>
 *   <li>an environment variable whose name is such a path (docker-compose allows dots in names) does too.</li>
 * </ul>
 *
 * @param file the file it was read from, or null
 * @param base the config as written, before any override
 */
public record ConfigSource(String file, JsonObject base) {

  /** How often a config file is read again for changes (hot reload of the proxy's upstreams). */
  public static final long FILE_SCAN_PERIOD_MILLIS = 2_000;
  /** Prefix of the override keys that are expanded into the config tree. */
  private static final String OVERRIDE_PREFIX = "verticles.";

  /** The config a {@code -conf} value gives: a JSON object written inline, or the path of a JSON file. */
  public static ConfigSource read(String conf) {
    if (conf.trim().startsWith("{")) {
      return new ConfigSource(null, parse(conf, conf));
    }
    Path path = Path.of(conf);
    if (!Files.isRegularFile(path)) {
      throw new ConfigException("-conf " + conf + ": no such file");
    }
    try {
      return new ConfigSource(conf, parse(Files.readString(path), conf));
    } catch (IOException e) {
      throw new ConfigException("-conf " + conf + ": cannot read it: " + e.getMessage());
    }
  }

  public static ConfigSource inline(JsonObject json) {
    return new ConfigSource(null, json);
  }

  private static JsonObject parse(String text, String conf) {
    try {
      return new JsonObject(text);
    } catch (DecodeException | ClassCastException e) {
      throw new ConfigException("-conf " + conf + ": not a valid JSON object: " + e.getMessage());
    }
  }

  public ConfigRetriever retriever(Vertx vertx) {
    ConfigStoreOptions base = file != null
      ? new ConfigStoreOptions().setType(ReadOnceFileStore.TYPE).setFormat("json")
          .setConfig(new JsonObject().put("path", file).put("first", this.base))
      : new ConfigStoreOptions().setType("json").setConfig(this.base);
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

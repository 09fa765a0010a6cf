package tcpbalancer.launcher;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.ThreadingModel;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import tcpbalancer.config.ConfigException;
import tcpbalancer.config.ConfigFields;

/**
 * What a deployment config asks for: the verticles to deploy, in file order, each with its instances,
 * threading model and config. Parsing checks everything, each verticle's config included, so that a bad
 * config is refused before anything is deployed.
 *
 * <pre>
 * { "verticles": {
 *     "workers": { "verticle": "resize-worker", "instances": 2 },
 *     "backend": { "verticle": "backend", "config": { "port": 9091 } } } }
 * </pre>
 */
public record DeploymentPlan(List<Entry> entries) {

  /** The keys of the file's top level; {@code loglevel} and {@code debug} are read by the launcher. */
  public static final Set<String> TOP_LEVEL_KEYS = Set.of("verticles", "loglevel", "debug");
  /** The keys of one entry under {@code verticles}. */
  public static final Set<String> ENTRY_KEYS = Set.of("verticle", "instances", "threadingModel", "config");

  /** One verticle to deploy; {@code id} is its key under {@code verticles}. */
  public record Entry(String id, VerticleKind kind, int instances, ThreadingModel threadingModel, JsonObject config) {

    public DeploymentOptions deploymentOptions() {
      return new DeploymentOptions().setInstances(instances).setThreadingModel(threadingModel).setConfig(config);
    }
  }

  /** The entry with this id, or null. */
  public Entry entry(String id) {
    return entries.stream().filter(e -> e.id().equals(id)).findFirst().orElse(null);
  }

  /**
   * Refuses a config as written whose top level has a key we do not read (a typo such as {@code verticals}
   * would otherwise read as "nothing to deploy"). Checked on the config before overrides, because the
   * environment adds keys of its own at the top level.
   */
  public static void checkTopLevelKeys(JsonObject written) {
    new ConfigFields(written, "").rejectUnknownKeys(TOP_LEVEL_KEYS);
  }

  public static DeploymentPlan parse(JsonObject json) {
    ConfigFields top = new ConfigFields(json, "");
    JsonObject verticles = top.object("verticles");
    if (verticles.isEmpty()) {
      throw new ConfigException("verticles: nothing to deploy; list at least one verticle ("
        + VerticleKind.knownNames() + ")");
    }
    List<Entry> entries = new ArrayList<>();
    for (String id : verticles.fieldNames()) {
      entries.add(parseEntry(id, new ConfigFields(verticles, "verticles").object(id)));
    }
    return new DeploymentPlan(List.copyOf(entries));
  }

  private static Entry parseEntry(String id, JsonObject json) {
    String path = "verticles." + id;
    ConfigFields fields = new ConfigFields(json, path);
    fields.rejectUnknownKeys(ENTRY_KEYS);
    String name = fields.string("verticle", id);
    VerticleKind kind = VerticleKind.byConfigName(name);
    if (kind == null) {
      throw fields.invalid("verticle", name, "unknown verticle (known: " + VerticleKind.knownNames() + ")");
    }
    int instances = fields.integer("instances", kind.defaultInstances(), 1, 1024);
    ThreadingModel threadingModel = threadingModel(fields, kind);
    JsonObject config = fields.object("config");
    kind.checkConfig(config, path + ".config");
    return new Entry(id, kind, instances, threadingModel, config);
  }

  private static ThreadingModel threadingModel(ConfigFields fields, VerticleKind kind) {
    String value = fields.string("threadingModel", kind.defaultThreadingModel().name());
    try {
      return ThreadingModel.valueOf(value.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw fields.invalid("threadingModel", value, "must be one of " + Arrays.stream(ThreadingModel.values())
        .map(Enum::name).collect(Collectors.joining(", ")));
    }
  }
}

package tcpbalancer.launcher;

import io.vertx.core.Deployable;
import io.vertx.core.ThreadingModel;
import io.vertx.core.json.JsonObject;
import java.util.Arrays;
import java.util.Locale;
import java.util.function.BiConsumer;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import tcpbalancer.backend.BackendOptions;
import tcpbalancer.backend.BackendVerticle;
import tcpbalancer.backend.ResizeWorkerOptions;
import tcpbalancer.backend.ResizeWorkerVerticle;
import tcpbalancer.client.ClientOptions;
import tcpbalancer.client.ClientVerticle;
import tcpbalancer.proxy.ProxyOptions;
import tcpbalancer.proxy.ProxyVerticle;

/** The verticles a deployment config may name, with their defaults and the check of their config. */
public enum VerticleKind {
  // Lambdas, not constructor references: a reference would load the verticle's class (and what it links to) in
  // every program, whether or not its config names that verticle (issue 15: nothing loaded a program does not use).
  BACKEND("backend", () -> new BackendVerticle(), ThreadingModel.EVENT_LOOP, 1,
    (config, path) -> BackendOptions.fromJson(config, path)),
  // One proxy per core, as HAProxy's threads: more event loops than cores only add context switches
  // (measured in bench/RESULTS.md).
  PROXY("proxy", () -> new ProxyVerticle(), ThreadingModel.EVENT_LOOP, Runtime.getRuntime().availableProcessors(),
    (config, path) -> ProxyOptions.fromJson(config, path)),
  CLIENT("client", () -> new ClientVerticle(), ThreadingModel.EVENT_LOOP, 1,
    (config, path) -> ClientOptions.fromJson(config, path)),
  RESIZE_WORKER("resize-worker", () -> new ResizeWorkerVerticle(), ThreadingModel.WORKER,
    Runtime.getRuntime().availableProcessors(),
    (config, path) -> ResizeWorkerOptions.fromJson(config, path));

  private final String configName;
  private final Supplier<? extends Deployable> factory;
  private final ThreadingModel defaultThreadingModel;
  private final int defaultInstances;
  private final BiConsumer<JsonObject, String> configCheck;

  VerticleKind(String configName, Supplier<? extends Deployable> factory, ThreadingModel defaultThreadingModel,
               int defaultInstances, BiConsumer<JsonObject, String> configCheck) {
    this.configName = configName;
    this.factory = factory;
    this.defaultThreadingModel = defaultThreadingModel;
    this.defaultInstances = defaultInstances;
    this.configCheck = configCheck;
  }

  /** The name used in config files, e.g. {@code resize-worker}. */
  public String configName() {
    return configName;
  }

  public Supplier<? extends Deployable> factory() {
    return factory;
  }

  public ThreadingModel defaultThreadingModel() {
    return defaultThreadingModel;
  }

  public int defaultInstances() {
    return defaultInstances;
  }

  /** Throws a {@link tcpbalancer.config.ConfigException} naming the field when {@code config} is invalid. */
  public void checkConfig(JsonObject config, String path) {
    configCheck.accept(config, path);
  }

  /** The kind called {@code name} in a config file, or {@code null}. */
  public static VerticleKind byConfigName(String name) {
    for (VerticleKind kind : values()) {
      if (kind.configName.equals(name.toLowerCase(Locale.ROOT))) {
        return kind;
      }
    }
    return null;
  }

  public static String knownNames() {
    return Arrays.stream(values()).map(VerticleKind::configName).collect(Collectors.joining(", "));
  }
}

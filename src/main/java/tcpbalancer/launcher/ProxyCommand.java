package tcpbalancer.launcher;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code proxy}: the layer-4 balancer, with the original's flags. Builds a deployment config and launches it. */
@Command(name = "proxy", sortOptions = false,
  description = "Balances TCP connections over upstream servers, with health checks and failover.")
final class ProxyCommand implements Callable<JsonObject> {

  @Option(names = {"-p", "--port"}, required = true, paramLabel = "N", description = "port to listen on")
  int port;

  @Option(names = "-u", required = true, paramLabel = "HOST:PORT",
    description = "an upstream server; give it once per upstream")
  List<String> upstreams;

  @Option(names = "--maxconns", paramLabel = "N",
    description = "inbound connections limit; more wait in a queue (default: 10000)")
  Integer maxConns;

  @Option(names = "--strategy", paramLabel = "NAME", description = "round-robin (default), random, "
    + "least-connections or power-of-two-choices")
  String strategy;

  @Option(names = "--host", paramLabel = "HOST", defaultValue = "0.0.0.0",
    description = "address to listen on (default: ${DEFAULT-VALUE})")
  String host;

  @Option(names = "--instances", paramLabel = "N", description = "proxy verticles, sharing the port "
    + "(default: one per event loop)")
  Integer instances;

  @Mixin
  CommonOptions common;

  @Override
  public JsonObject call() {
    JsonObject proxy = new JsonObject().put("port", port).put("host", host).put("upstreams", new JsonArray(upstreams));
    if (maxConns != null) {
      proxy.put("maxConns", maxConns);
    }
    if (strategy != null) {
      proxy.put("strategy", strategy);
    }
    JsonObject entry = new JsonObject().put("verticle", VerticleKind.PROXY.configName()).put("config", proxy);
    if (instances != null) {
      entry.put("instances", instances);
    }
    return common.toConfig().put("verticles", new JsonObject().put("proxy", entry));
  }
}

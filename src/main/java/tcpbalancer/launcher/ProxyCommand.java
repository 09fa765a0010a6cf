package tcpbalancer.launcher;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code proxy}: the layer-4 balancer, with the original's flags. Builds a deployment config and launches it. */
@Command(name = "proxy", sortOptions = false,
  description = "Balances TCP connections over upstream servers, with health checks and failover.")
final class ProxyCommand implements ProgramCommand {

  @Option(names = {"-p", "--port"}, required = true, paramLabel = "N", description = "port to listen on")
  int port;

  @Option(names = "-u", paramLabel = "HOST:PORT",
    description = "an upstream server; give it once per upstream (none with --cluster: the proxy discovers the "
      + "backends of the cluster)")
  List<String> upstreams = new ArrayList<>();

  @Option(names = "--maxconns", paramLabel = "N",
    description = "inbound connections limit; more wait in a queue (default: 10000)")
  Integer maxConns;

  @Option(names = "--strategy", paramLabel = "NAME", description = "round-robin (default), random, "
    + "least-connections, power-of-two-choices or source (a client's IP address keeps it on one upstream)")
  String strategy;

  @Option(names = "--check", paramLabel = "KIND", description = "health check: resize (default: the upstreams "
    + "must answer a dry-run resize request, as tcpbalancer backends do) or connect (a TCP connect, for other "
    + "protocols)")
  String check;

  @Option(names = "--host", paramLabel = "HOST", defaultValue = "0.0.0.0",
    description = "address to listen on (default: ${DEFAULT-VALUE})")
  String host;

  @Option(names = "--access-log", description = "log one line per client connection when it closes, to logger "
    + "tcpbalancer.access (default: off)")
  boolean accessLog;

  @Option(names = "--access-log-format", paramLabel = "FORMAT",
    description = "text (default: key=value fields) or json (one object per line)")
  String accessLogFormat;

  @Option(names = "--instances", paramLabel = "N", description = "proxy verticles, sharing the port "
    + "(default: one per core)")
  Integer instances;

  @Option(names = "--accept-proxy", description = "inbound connections start with a PROXY protocol header (v1 or "
    + "v2, as HAProxy's send-proxy writes): the access log and balancing see the real client's address; "
    + "one without is refused")
  boolean acceptProxy;

  @Option(names = "--send-proxy", paramLabel = "VERSION", description = "start each connection to the -u "
    + "upstreams with a PROXY protocol header carrying the client's address: v1 (text) or v2 (binary)")
  String sendProxy;

  @Option(names = "--fin-timeout", paramLabel = "MS", description = "a connection one side half-closed is closed "
    + "when nothing moves for this long (default: 30000)")
  Integer finTimeoutMillis;

  @Option(names = "--balance", paramLabel = "WHAT", description = "connections (default: each client connection "
    + "goes to one upstream, any protocol) or requests (each request of the tcpbalancer protocol goes to a backend "
    + "of its own, and is resent elsewhere when its backend fails or is busy)")
  String balance;

  @Option(names = "--slowstart", paramLabel = "MS", description = "an upstream that comes back up or joins gets "
    + "its weight in a ramp over MS milliseconds, from 5%% to all of it (default: 0, off)")
  Integer slowStartMillis;

  @Mixin
  AdminFlags admin;

  @Mixin
  TlsServerFlags tls;

  @Option(names = "--upstream-tls", description = "connect to the upstreams with TLS, verifying their certificate "
    + "and host name (against --upstream-ca, else the JVM's trusted authorities)")
  boolean upstreamTls;

  @Option(names = "--upstream-ca", paramLabel = "FILE",
    description = "PEM file of the authorities that sign the upstreams' certificates (with --upstream-tls)")
  String upstreamCa;

  @Option(names = "--upstream-insecure", description = "with --upstream-tls, accept any upstream certificate for "
    + "any name: no protection against a man in the middle (logged as a warning; for tests)")
  boolean upstreamInsecure;

  @Mixin
  CommonOptions common;

  @Override
  public CommonOptions common() {
    return common;
  }

  @Spec
  CommandSpec spec;

  @Override
  public JsonObject deploymentConfig() {
    if (upstreams.isEmpty() && !common.cluster) {
      throw new ParameterException(spec.commandLine(),
        "-u HOST:PORT: give at least one upstream, or --cluster to discover the backends of the cluster");
    }
    JsonObject proxy = new JsonObject().put("port", port).put("host", host);
    if (sendProxy != null && upstreams.isEmpty()) {
      throw new ParameterException(spec.commandLine(),
        "--send-proxy: applies to the -u upstreams; give them (in a -conf file, set sendProxy per upstream)");
    }
    if (!upstreams.isEmpty()) {
      proxy.put("upstreams", sendProxy == null ? new JsonArray(upstreams) : new JsonArray(upstreams.stream()
        .map(address -> new JsonObject().put("address", address).put("sendProxy", sendProxy)).toList()));
    }
    if (maxConns != null) {
      proxy.put("maxConns", maxConns);
    }
    if (strategy != null) {
      proxy.put("strategy", strategy);
    }
    if (check != null) {
      proxy.put("check", check);
    }
    if (accessLog) {
      proxy.put("accessLog", true);
    }
    if (accessLogFormat != null) {
      proxy.put("accessLogFormat", accessLogFormat);
    }
    if (acceptProxy) {
      proxy.put("acceptProxy", true);
    }
    if (finTimeoutMillis != null) {
      proxy.put("finTimeoutMillis", finTimeoutMillis);
    }
    if (balance != null) {
      proxy.put("balance", balance);
    }
    if (slowStartMillis != null) {
      proxy.put("slowStartMillis", slowStartMillis);
    }
    JsonObject adminConfig = admin.toConfig();
    if (adminConfig != null) {
      proxy.put("admin", adminConfig);
    }
    JsonObject tlsConfig = tls.toConfig();
    if (tlsConfig != null) {
      proxy.put("tls", tlsConfig);
    }
    JsonObject upstreamTlsConfig = upstreamTlsConfig();
    if (upstreamTlsConfig != null) {
      proxy.put("upstreamTls", upstreamTlsConfig);
    }
    JsonObject entry = new JsonObject().put("verticle", VerticleKind.PROXY.configName()).put("config", proxy);
    if (instances != null) {
      entry.put("instances", instances);
    }
    return common.toConfig().put("verticles", new JsonObject().put("proxy", entry));
  }

  private JsonObject upstreamTlsConfig() {
    if (!upstreamTls) {
      if (upstreamCa != null || upstreamInsecure) {
        throw new ParameterException(spec.commandLine(), (upstreamCa != null ? "--upstream-ca" : "--upstream-insecure")
          + ": give --upstream-tls too");
      }
      return null;
    }
    if (upstreamCa != null && upstreamInsecure) {
      throw new ParameterException(spec.commandLine(), "--upstream-ca and --upstream-insecure: give one or the "
        + "other (an insecure connection verifies nothing)");
    }
    JsonObject config = new JsonObject();
    if (upstreamCa != null) {
      config.put("ca", upstreamCa);
    }
    return upstreamInsecure ? config.put("insecure", true) : config;
  }
}

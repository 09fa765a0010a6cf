package tcpbalancer.launcher;

import io.vertx.core.json.JsonObject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code backend}: a resizing server, with the original's flags. Builds a deployment config and launches it. */
@Command(name = "backend", sortOptions = false,
  description = "Resizes JPEG, PNG, WebP, BMP, TIFF and GIF images sent over TCP (protocol: docs/protocol.md).")
final class BackendCommand implements ProgramCommand {

  @Option(names = {"-p", "--port"}, required = true, paramLabel = "N", description = "port to listen on (0: any free port)")
  int port;

  @Option(names = "--name", paramLabel = "NAME", description = "server name carried by every answer (default: backend:PORT)")
  String name;

  @Option(names = "--host", paramLabel = "HOST", defaultValue = "0.0.0.0",
    description = "address to listen on (default: ${DEFAULT-VALUE})")
  String host;

  @Option(names = "--workers", paramLabel = "N", description = "resize worker instances (default: one per core)")
  Integer workers;

  @Option(names = "--max-result-pixels", paramLabel = "N",
    description = "largest result accepted, in pixels; a larger request is refused before decoding (default: 25000000)")
  Integer maxResultPixels;

  @Option(names = "--accept-proxy", description = "connections start with a PROXY protocol header (v1 or v2, "
    + "as HAProxy's send-proxy writes): the logs show the real client's address; one without is refused")
  boolean acceptProxy;

  @Mixin
  AdminFlags admin;

  @Mixin
  TlsServerFlags tls;

  @Mixin
  CommonOptions common;

  @Override
  public CommonOptions common() {
    return common;
  }

  @Override
  public JsonObject deploymentConfig() {
    JsonObject backend = new JsonObject().put("port", port).put("host", host);
    if (name != null) {
      backend.put("name", name);
    }
    if (acceptProxy) {
      backend.put("acceptProxy", true);
    }
    JsonObject adminConfig = admin.toConfig();
    if (adminConfig != null) {
      backend.put("admin", adminConfig);
    }
    JsonObject tlsConfig = tls.toConfig();
    if (tlsConfig != null) {
      backend.put("tls", tlsConfig);
    }
    JsonObject resizeWorkers = new JsonObject().put("verticle", VerticleKind.RESIZE_WORKER.configName());
    if (workers != null) {
      resizeWorkers.put("instances", workers);
    }
    if (maxResultPixels != null) {
      resizeWorkers.put("config", new JsonObject().put("maxResultPixels", maxResultPixels));
    }
    JsonObject verticles = new JsonObject()
      .put("resize-workers", resizeWorkers)
      .put("backend", new JsonObject().put("verticle", VerticleKind.BACKEND.configName()).put("config", backend));
    return common.toConfig().put("verticles", verticles);
  }
}

package tcpbalancer.proxy;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * What the status page shows of a proxy at one instant: its name, its inbound connections and each upstream with
 * its counters, as {@code GET /api/upstreams} gives them (docs/admin.md, "Status page"). Counters are totals:
 * the page turns two snapshots into rates.
 */
final class StatusSnapshot {

  private StatusSnapshot() {
  }

  static JsonObject of(ProxyRuntime runtime) {
    JsonArray upstreams = new JsonArray();
    runtime.upstreams().forEach(upstream -> upstreams.add(UpstreamsApi.toJson(upstream)));
    return new JsonObject()
      .put("proxy", runtime.name())
      .put("balance", runtime.options().balance().toString())
      .put("at", System.currentTimeMillis())
      .put("listening", runtime.listening())
      .put("inbound", new JsonObject()
        .put("active", runtime.inboundActive())
        .put("queued", runtime.queued())
        .put("maxConns", runtime.options().maxConns()))
      .put("upstreams", upstreams);
  }
}

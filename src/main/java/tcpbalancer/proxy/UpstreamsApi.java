package tcpbalancer.proxy;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.HostAndPort;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import tcpbalancer.admin.JsonError;
import tcpbalancer.config.Addresses;
import tcpbalancer.config.ConfigException;
import tcpbalancer.config.ConfigFields;

/**
 * The proxy's {@code /api/upstreams} (docs/admin.md): reads its upstreams, and changes them for every instance at
 * once: the operator's state (drain, maintenance), the weight, adding and removing one. Input is checked by the
 * config's own rules and refused whole, with a JSON error naming the field: a change applies entirely or not at
 * all. Changes last until a reload (or a discovery) replaces the list.
 */
final class UpstreamsApi {

  /** The routes, relative to {@code /api}: docs/admin.md documents each (a test checks). */
  static final List<String> ROUTES = List.of("GET /upstreams", "POST /upstreams", "GET /upstreams/{address}",
    "DELETE /upstreams/{address}", "POST /upstreams/{address}/state", "POST /upstreams/{address}/weight");
  /** Bodies are one small JSON object. */
  private static final int BODY_LIMIT = 4096;

  private final UpstreamGroup group;

  private UpstreamsApi(UpstreamGroup group) {
    this.group = group;
  }

  static void addRoutes(Router api, UpstreamGroup group) {
    UpstreamsApi routes = new UpstreamsApi(group);
    BodyHandler body = BodyHandler.create(false).setBodyLimit(BODY_LIMIT);
    api.get("/upstreams").handler(context -> context.json(new JsonArray(group.upstreams().stream()
      .map(UpstreamsApi::toJson).toList())));
    api.post("/upstreams").handler(body).handler(routes::add);
    api.get("/upstreams/:address").handler(context -> routes.withUpstream(context,
      upstream -> context.json(toJson(upstream))));
    api.delete("/upstreams/:address").handler(routes::remove);
    api.post("/upstreams/:address/state").handler(body).handler(routes::setState);
    api.post("/upstreams/:address/weight").handler(body).handler(routes::setWeight);
  }

  /** What the API shows of an upstream. */
  static JsonObject toJson(UpstreamState state) {
    Upstream upstream = state.upstream();
    boolean maint = state.adminState() == AdminState.MAINT;
    return new JsonObject()
      .put("address", upstream.address())
      .put("state", state.adminState().configName())
      .put("up", maint ? null : state.isUp()) // in maintenance nothing checks it
      .put("weight", upstream.weight())
      .put("effectiveWeight", state.effectiveWeight()) // below weight while a slow start ramps it up
      .put("maxConns", upstream.maxConns())
      .put("sendProxy", upstream.sendProxy().toString())
      .put("active", state.active())
      .put("requestsInFlight", state.requestsInFlight())
      .put("total", state.total())
      .put("connectFailures", state.connectFailures())
      .put("bytesToUpstream", state.bytesToUpstream())
      .put("bytesFromUpstream", state.bytesFromUpstream())
      .put("lastStateChange", state.lastStateChange().map(change -> new JsonObject()
        .put("up", change.up()).put("reason", change.reason()).put("at", change.at().toString())).orElse(null));
  }

  private void add(RoutingContext context) {
    withBody(context, Upstream.KEYS, (body, fields) -> {
      Upstream added = Upstream.fromJson(body, "");
      if (group.find(added.host(), added.port()).isPresent()) {
        JsonError.send(context, 409, "upstream " + added.address() + " exists already: change its weight or state",
          "address");
        return;
      }
      group.put(added);
      context.response().setStatusCode(201);
      context.json(toJson(group.find(added.host(), added.port()).orElseThrow()));
    });
  }

  private void remove(RoutingContext context) {
    withUpstream(context, upstream -> {
      if (group.upstreams().size() == 1) {
        JsonError.send(context, 409, "upstream " + upstream.upstream().address()
          + " is the proxy's only one: add another first", "address");
        return;
      }
      group.remove(upstream);
      context.json(toJson(upstream));
    });
  }

  private void setState(RoutingContext context) {
    withUpstream(context, upstream -> withBody(context, Set.of("state"), (body, fields) -> {
      AdminState state = fields.named("state", AdminState.class, null);
      if (state == null) {
        throw new ConfigException("state: required, one of ready, drain, maint");
      }
      upstream.setAdminState(state);
      context.json(toJson(upstream));
    }));
  }

  private void setWeight(RoutingContext context) {
    withUpstream(context, upstream -> withBody(context, Set.of("weight"), (body, fields) -> {
      if (body.getValue("weight") == null) {
        throw new ConfigException("weight: required, 1..256");
      }
      Upstream current = upstream.upstream();
      // The config's rules decide what a weight may be.
      Upstream changed = Upstream.fromJson(new JsonObject().put("address", current.address())
        .put("weight", body.getValue("weight")).put("maxConns", current.maxConns())
        .put("sendProxy", current.sendProxy().toString()), "");
      group.put(changed);
      context.json(toJson(upstream));
    }));
  }

  /** Runs {@code action} with the upstream the path names, or answers 400 (not an address) or 404 (no such one). */
  private void withUpstream(RoutingContext context, Consumer<UpstreamState> action) {
    String address = context.pathParam("address");
    HostAndPort parsed;
    try {
      parsed = Addresses.parse(address, "address");
    } catch (ConfigException e) {
      JsonError.send(context, 400, e.getMessage(), "address");
      return;
    }
    group.find(parsed.host(), parsed.port()).ifPresentOrElse(action, () -> JsonError.send(context, 404,
      "no upstream " + address + " (the proxy's: " + group.upstreams().stream()
        .map(state -> state.upstream().address()).toList() + ")", "address"));
  }

  private interface BodyAction {
    void accept(JsonObject body, ConfigFields fields);
  }

  /**
   * Runs {@code action} with the request's JSON object, whose keys must be among {@code keys}; answers 400 when
   * the body is not one, or when the action finds a value it cannot use ({@link ConfigException}, whose message
   * starts with the key).
   */
  private static void withBody(RoutingContext context, Set<String> keys, BodyAction action) {
    JsonObject body;
    try {
      body = context.body().asJsonObject();
    } catch (DecodeException | ClassCastException e) {
      JsonError.send(context, 400, "the body is not a JSON object: " + e.getMessage(), null);
      return;
    }
    if (body == null) {
      JsonError.send(context, 400, "the body must be a JSON object with " + String.join(", ", keys), null);
      return;
    }
    try {
      ConfigFields fields = new ConfigFields(body, "");
      fields.rejectUnknownKeys(keys);
      action.accept(body, fields);
    } catch (ConfigException e) {
      String message = e.getMessage();
      int colon = message.indexOf(':');
      String field = colon > 0 ? message.substring(0, colon) : null;
      JsonError.send(context, 400, message, field);
    }
  }
}
